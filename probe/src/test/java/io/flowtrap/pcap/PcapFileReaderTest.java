package io.flowtrap.pcap;

import static io.flowtrap.pcap.PcapTestFiles.classic;
import static io.flowtrap.pcap.PcapTestFiles.randomPackets;
import static io.flowtrap.pcap.PcapTestFiles.run;
import static io.flowtrap.pcap.PcapTestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapTestFiles.Packet;
import io.flowtrap.pcap.PcapTestFiles.Pcapng;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFileReaderTest {

    @TempDir
    Path dir;

    private static List<Packet> readAll(Path file, int window) throws IOException {
        List<Packet> out = new ArrayList<>();
        try (PcapFileReader r = PcapFileReader.open(file, window)) {
            PacketRecord rec = new PacketRecord();
            while (r.next(rec)) {
                byte[] data = new byte[rec.capturedLength()];
                rec.copyTo(data, 0);
                out.add(new Packet(rec.timestampNanos(), data, rec.wireLength(), rec.linkType()));
            }
            assertThat(r.truncatedTail()).isFalse();
            assertThat(r.validLength()).isEqualTo(Files.size(file));
        }
        return out;
    }

    private static void assertSamePackets(List<Packet> actual, List<Packet> expected, long tsUnit) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Packet a = actual.get(i);
            Packet e = expected.get(i);
            assertThat(Arrays.equals(a.data(), e.data())).as("packet %d bytes (%d vs %d long)", i,
                    a.data().length, e.data().length).isTrue();
            assertThat(a.wireLength()).as("packet %d wire length", i).isEqualTo(e.wireLength());
            assertThat(a.linkType()).as("packet %d link type", i).isEqualTo(e.linkType());
            assertThat(a.timestampNanos()).as("packet %d timestamp", i)
                    .isEqualTo(Math.floorDiv(e.timestampNanos(), tsUnit) * tsUnit);
        }
    }

    private static long tcpdumpCount(Path file) throws Exception {
        String out = run("tcpdump", "--count", "-r", file.toString());
        return Long.parseLong(out.trim().split(" ")[0]);
    }

    @Test
    void readsWhatEditcapWritesInEveryFormat() throws Exception {
        List<Packet> packets = randomPackets(1, 3000, PcapFormat.LINKTYPE_ETHERNET);
        Path nsLe = write(dir.resolve("ns-le.pcap"), classic(packets, ByteOrder.LITTLE_ENDIAN, true, 1));
        assertSamePackets(readAll(nsLe, PcapFileReader.DEFAULT_WINDOW), packets, 1);
        assertThat(tcpdumpCount(nsLe)).isEqualTo(packets.size());

        for (String format : List.of("pcapng", "nsecpcap", "pcap")) {
            Path converted = dir.resolve("conv." + format);
            run("editcap", "-F", format, nsLe.toString(), converted.toString());
            List<Packet> got = readAll(converted, PcapFileReader.DEFAULT_WINDOW);
            assertSamePackets(got, packets, format.equals("pcap") ? 1000 : 1);
            assertThat(tcpdumpCount(converted)).as(format).isEqualTo(packets.size());
            try (PcapFileReader r = PcapFileReader.open(converted)) {
                assertThat(r.isPcapng()).isEqualTo(format.equals("pcapng"));
                assertThat(r.linkType()).isEqualTo(1);
            }
        }
    }

    @Test
    void readsBigEndianClassicInBothResolutions() throws Exception {
        List<Packet> packets = randomPackets(2, 500, PcapFormat.LINKTYPE_RAW);
        for (boolean nanos : new boolean[] {true, false}) {
            Path f = write(dir.resolve("be-" + nanos + ".pcap"), classic(packets, ByteOrder.BIG_ENDIAN, nanos, 101));
            assertSamePackets(readAll(f, PcapFileReader.DEFAULT_WINDOW), packets, nanos ? 1 : 1000);
            assertThat(tcpdumpCount(f)).isEqualTo(packets.size());
            // the little-endian twin converted by editcap reads the same
            Path le = dir.resolve("le-" + nanos + ".pcap");
            run("editcap", "-F", nanos ? "nsecpcap" : "pcap", f.toString(), le.toString());
            assertThat(Files.readAllBytes(le)).isNotEqualTo(Files.readAllBytes(f));
            assertSamePackets(readAll(le, PcapFileReader.DEFAULT_WINDOW), packets, nanos ? 1 : 1000);
        }
    }

    @Test
    void smallWindowsGiveTheSameAnswerAsOneBigWindow() throws Exception {
        List<Packet> packets = randomPackets(3, 2000, 1);
        Path f = write(dir.resolve("w.pcap"), classic(packets, ByteOrder.LITTLE_ENDIAN, true, 1));
        Path ng = dir.resolve("w.pcapng");
        run("editcap", "-F", "pcapng", f.toString(), ng.toString());
        for (int window : new int[] {64, 4096, 10_000, 65_536}) {
            assertSamePackets(readAll(f, window), packets, 1);
            assertSamePackets(readAll(ng, window), packets, 1);
        }
    }

    @Test
    void pcapngSectionsOfBothByteOrdersWithInterfacesOfTheirOwn() throws Exception {
        byte[] a = {1, 2, 3, 4, 5};
        byte[] b = new byte[64];
        Arrays.fill(b, (byte) 0x45);
        byte[] c = new byte[1501];
        c[0] = 0x60;
        long t = 1_700_000_123L;
        Pcapng ng = new Pcapng()
                .section(ByteOrder.BIG_ENDIAN)
                .iface(1, 65535, -1, 0) // µs
                .iface(101, 65535, 9, 0) // ns
                .other(5, 20) // interface statistics: skipped
                .epb(0, t * 1_000_000 + 123_456, a, 60)
                .epb(1, t * 1_000_000_000 + 987_654_321, b, 64)
                .spb(c, 1501) // caplen = wirelen, not the 1504 bytes of the padded block
                .section(ByteOrder.LITTLE_ENDIAN)
                .iface(113, 65535, 0x80 | 20, 0) // 2^-20 s
                .iface(1, 65535, 3, 10) // ms, plus 10 s offset
                .epb(0, (t << 20) | (1L << 19), b, 64) // .5 s
                .epb(1, t * 1000 + 7, a, 5)
                .other(0x40000BAD, 8); // custom block at the end
        Path f = write(dir.resolve("multi.pcapng"), ng.bytes());
        List<Packet> got = readAll(f, PcapFileReader.DEFAULT_WINDOW);
        List<Packet> expected = List.of(
                new Packet(t * 1_000_000_000 + 123_456_000, a, 60, 1),
                new Packet(t * 1_000_000_000 + 987_654_321, b, 64, 101),
                new Packet(t * 1_000_000_000 + 987_654_321, c, 1501, 1),
                new Packet(t * 1_000_000_000 + 500_000_000, b, 64, 113),
                new Packet((t + 10) * 1_000_000_000 + 7_000_000, a, 5, 1));
        assertSamePackets(got, expected, 1);
        try (PcapFileReader r = PcapFileReader.open(f)) {
            assertThat(r.isPcapng()).isTrue();
            assertThat(r.linkType()).isEqualTo(1);
        }
        // tshark agrees on the timestamps (the oracle for resolution and offset handling)
        String epochs = run("tshark", "-r", f.toString(), "-T", "fields", "-e", "frame.time_epoch");
        List<String> lines = epochs.lines().toList();
        // tshark also lists the custom block, as a record without a time
        assertThat(lines).hasSize(expected.size() + 1);
        assertThat(lines.get(expected.size())).isBlank();
        for (int i = 0; i < expected.size(); i++) {
            if (i == 2) {
                continue; // tshark gives an SPB no time at all; we keep the previous packet's
            }
            long ns = new java.math.BigDecimal(lines.get(i).trim()).movePointRight(9).longValueExact();
            assertThat(got.get(i).timestampNanos()).as("packet %d vs tshark", i).isEqualTo(ns);
        }
    }

    @Test
    void binaryResolutionKeepsSubMicrosecondFractions() throws Exception {
        long ts = (1_700_000_000L << 30) | 1; // 2^-30 s = 0.93 ns
        Path f = write(dir.resolve("bin.pcapng"), new Pcapng().section(ByteOrder.LITTLE_ENDIAN)
                .iface(1, 0, 0x80 | 30, 0).epb(0, ts, new byte[14], 14)
                .epb(0, ts + (3L << 28), new byte[14], 14).bytes());
        List<Packet> got = readAll(f, PcapFileReader.DEFAULT_WINDOW);
        assertThat(got.get(0).timestampNanos()).isEqualTo(1_700_000_000L * 1_000_000_000L); // 0.93 ns floors to 0
        assertThat(got.get(1).timestampNanos()).isEqualTo(1_700_000_000L * 1_000_000_000L + 750_000_000L);
    }

    @Test
    void tornTailAtEveryCutPointEndsCleanlyAtTheLastWholeRecord() throws Exception {
        List<Packet> packets = randomPackets(4, 4, 1);
        byte[] whole = classic(packets, ByteOrder.LITTLE_ENDIAN, true, 1);
        int lastStart = whole.length - 16 - packets.get(3).data().length;
        for (int cut = lastStart + 1; cut < whole.length; cut++) {
            Path f = write(dir.resolve("torn.pcap"), Arrays.copyOf(whole, cut));
            try (PcapFileReader r = PcapFileReader.open(f, 4096)) {
                PacketRecord rec = new PacketRecord();
                int n = 0;
                while (r.next(rec)) {
                    n++;
                }
                assertThat(n).isEqualTo(3);
                assertThat(r.truncatedTail()).isTrue();
                assertThat(r.validLength()).isEqualTo(lastStart);
                assertThat(r.next(rec)).isFalse();
            }
        }
        Path ng = write(dir.resolve("ok.pcap"), whole);
        Path ngFile = dir.resolve("ok.pcapng");
        run("editcap", "-F", "pcapng", ng.toString(), ngFile.toString());
        byte[] ngBytes = Files.readAllBytes(ngFile);
        long lastBlock;
        try (PcapFileReader r = PcapFileReader.open(ngFile)) {
            PacketRecord rec = new PacketRecord();
            long off = -1;
            while (r.next(rec)) {
                off = r.recordOffset();
            }
            lastBlock = off;
        }
        for (int cut = (int) lastBlock + 1; cut < ngBytes.length; cut += 3) {
            Path f = write(dir.resolve("torn.pcapng"), Arrays.copyOf(ngBytes, cut));
            try (PcapFileReader r = PcapFileReader.open(f)) {
                PacketRecord rec = new PacketRecord();
                int n = 0;
                while (r.next(rec)) {
                    n++;
                }
                assertThat(n).isEqualTo(3);
                assertThat(r.truncatedTail()).isTrue();
                assertThat(r.validLength()).isEqualTo(lastBlock);
            }
        }
    }

    @Test
    void readerFollowsAFileThatGrows() throws Exception {
        List<Packet> packets = randomPackets(5, 10, 1);
        byte[] whole = classic(packets, ByteOrder.LITTLE_ENDIAN, true, 1);
        Path f = write(dir.resolve("grow.pcap"), Arrays.copyOf(whole, whole.length - 5));
        try (PcapFileReader r = PcapFileReader.open(f)) {
            PacketRecord rec = new PacketRecord();
            int n = 0;
            while (r.next(rec)) {
                n++;
            }
            assertThat(n).isEqualTo(9);
            assertThat(r.truncatedTail()).isTrue();
            Files.write(f, whole);
            assertThat(r.next(rec)).isTrue();
            assertThat(r.truncatedTail()).isFalse();
            assertThat(r.validLength()).isEqualTo(whole.length);
        }
    }

    @Test
    void damagedClassicRecordsThrowWithTheirOffset() throws Exception {
        List<Packet> packets = randomPackets(6, 5, 1);
        byte[] whole = classic(packets, ByteOrder.LITTLE_ENDIAN, true, 1);
        long third = 24;
        for (int i = 0; i < 2; i++) {
            third += 16 + packets.get(i).data().length;
        }
        // caplen over the maximum
        byte[] big = whole.clone();
        ByteBuffer.wrap(big).order(ByteOrder.LITTLE_ENDIAN).putInt((int) third + 8, 262_145).putInt((int) third + 12, 300_000);
        assertDamagedAt(write(dir.resolve("big.pcap"), big), third, "262145");
        // caplen over wirelen
        byte[] over = whole.clone();
        ByteBuffer.wrap(over).order(ByteOrder.LITTLE_ENDIAN).putInt((int) third + 12, packets.get(2).data().length - 1);
        assertDamagedAt(write(dir.resolve("over.pcap"), over), third, "exceeds its wire length");
    }

    @Test
    void damagedPcapngBlocksThrowWithTheirOffset() throws Exception {
        Pcapng ng = new Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1, 0, -1, 0)
                .epb(0, 1, new byte[20], 20).epb(0, 2, new byte[20], 20);
        byte[] good = ng.bytes();
        int second = good.length - (12 + 20 + 20 + 12); // epb: 12 framing + 20 fixed + data + flags option
        assertThat(second % 4).isZero();
        byte[] odd = good.clone();
        ByteBuffer.wrap(odd).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 4, 65);
        assertDamagedAt(write(dir.resolve("odd.pcapng"), odd), second, "bad length 65");
        byte[] tiny = good.clone();
        ByteBuffer.wrap(tiny).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 4, 8);
        assertDamagedAt(write(dir.resolve("tiny.pcapng"), tiny), second, "bad length 8");
        byte[] trailer = good.clone();
        ByteBuffer.wrap(trailer).order(ByteOrder.LITTLE_ENDIAN).putInt(good.length - 4, 60);
        assertDamagedAt(write(dir.resolve("trailer.pcapng"), trailer), second, "trailing length 60");
        byte[] caplen = good.clone();
        ByteBuffer.wrap(caplen).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 20, 40);
        assertDamagedAt(write(dir.resolve("caplen.pcapng"), caplen), second, "captured length 40");
        byte[] iface = good.clone();
        ByteBuffer.wrap(iface).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 8, 3);
        assertDamagedAt(write(dir.resolve("iface.pcapng"), iface), second, "interface 3");
    }

    private static void assertDamagedAt(Path f, long offset, String problem) throws IOException {
        try (PcapFileReader r = PcapFileReader.open(f)) {
            PacketRecord rec = new PacketRecord();
            int n = 0;
            long validBefore = -1;
            try {
                while (r.next(rec)) {
                    n++;
                    validBefore = r.validLength();
                }
                throw new AssertionError("no exception for " + f);
            } catch (PcapFormatException e) {
                assertThat(e.offset()).isEqualTo(offset);
                assertThat(e.getMessage()).contains(f.toString()).contains("offset " + offset).contains(problem);
                assertThat(validBefore).isEqualTo(offset); // nothing whole is lost
                assertThat(n).isPositive();
            }
        }
    }

    @Test
    void neitherFormatIsAClearErrorNamingTheFile() throws Exception {
        Path text = write(dir.resolve("notes.txt"), "hello, this is not a capture".getBytes());
        assertThatThrownBy(() -> PcapFileReader.open(text)).isInstanceOf(PcapFormatException.class)
                .hasMessageContaining(text.toString()).hasMessageContaining("neither pcap nor pcapng");
        Path empty = write(dir.resolve("empty.pcap"), new byte[0]);
        assertThatThrownBy(() -> PcapFileReader.open(empty)).isInstanceOf(PcapFormatException.class)
                .hasMessageContaining(empty.toString());
        Path shortHeader = write(dir.resolve("short.pcap"),
                Arrays.copyOf(classic(List.of(), ByteOrder.LITTLE_ENDIAN, true, 1), 10));
        assertThatThrownBy(() -> PcapFileReader.open(shortHeader)).isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("global header cut short");
    }
}
