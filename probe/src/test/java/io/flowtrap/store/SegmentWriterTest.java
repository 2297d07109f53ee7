package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import io.flowtrap.pcap.PcapFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The active segment's file, written directly in whole blocks or through the page cache: byte for
 * byte the same pcap, and at every moment the stream's first bytes and nothing else.
 */
class SegmentWriterTest {
    private static final int LINK_ETHERNET = 1;
    private static final int SNAPLEN = 65535;

    @TempDir
    Path dir;

    private final byte[][] id = StoreFixture.identity(1);

    /** The pcap the records of {@link #frames} make: what either way of writing must leave. */
    private static byte[] expectedStream(byte[][] frames, long[] times) {
        ByteBuffer header = ByteBuffer.allocate(PcapFormat.GLOBAL_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        PcapFormat.putGlobalHeader(header, SNAPLEN, LINK_ETHERNET);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header.array(), 0, header.position());
        for (int i = 0; i < frames.length; i++) {
            ByteBuffer record = ByteBuffer.allocate(PcapFormat.RECORD_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            PcapFormat.putRecordHeader(record, times[i], frames[i].length, frames[i].length);
            out.write(record.array(), 0, record.position());
            out.write(frames[i], 0, frames[i].length);
        }
        return out.toByteArray();
    }

    private static byte[][] frames(int count, long seed) {
        Random random = new Random(seed);
        byte[][] frames = new byte[count][];
        for (int i = 0; i < count; i++) {
            // mostly small, some jumbo (offloaded) frames: records cross blocks and the 1 MB buffer's end
            frames[i] = StoreFixture.frame(1, random.nextBoolean(), random.nextInt(10) == 0 ? 9000 + random.nextInt(50_000)
                    : 60 + random.nextInt(1500), random);
        }
        return frames;
    }

    private SegmentWriter open(Path at, int block) throws IOException {
        Files.createDirectories(at);
        return new SegmentWriter(at, 1, LINK_ETHERNET, SNAPLEN, new SegmentIndexBuilder(), SegmentWriter.newBuffer(block), block);
    }

    private void append(SegmentWriter writer, byte[] frame, long ts) throws IOException {
        PacketRecord packet = new PacketRecord().set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts, LINK_ETHERNET);
        writer.append(packet, frame.length, id[0], 0, id[1], 0);
    }

    @Test
    void theFileSystemOfTheTestsTakesDirectWrites() {
        // ext4 and tmpfs (Linux 6.6+) do, as on every machine these tests run on: so the tests below write directly
        DirectWrites.Mode mode = DirectWrites.of(dir);
        assertThat(mode.direct()).as(mode.says()).isTrue();
        assertThat(mode.block()).isEqualTo(4096);
        assertThat(dir.resolve(".direct-write-check.tmp")).as("the check's file is gone").doesNotExist();
    }

    @Test
    void directAndBufferedWritesSealTheSamePcapWithFlushesAnywhere() throws Exception {
        byte[][] frames = frames(3000, 11);
        long[] times = new long[frames.length];
        Random flushes = new Random(3);
        byte[] expected = null;
        for (int block : new int[] {DirectWrites.BUFFERED, DirectWrites.of(dir).block()}) {
            Path at = dir.resolve("block-" + block);
            Segment sealed;
            try (SegmentWriter writer = open(at, block)) {
                for (int i = 0; i < frames.length; i++) {
                    times[i] = StoreFixture.T0 + 1000L * i;
                    append(writer, frames[i], times[i]);
                    if (flushes.nextInt(40) == 0) { // a carve's flush: the file then holds every record, whole
                        writer.flush();
                        assertThat(Files.size(at.resolve(Segment.activeName(1)))).as("after a flush, block %d", block)
                                .isEqualTo(writer.size()).isEqualTo(writer.flushedBytes());
                        assertThat(writer.bufferedPackets()).isZero();
                    }
                }
                sealed = writer.seal();
            }
            expected = expected == null ? expectedStream(frames, times) : expected;
            assertThat(Files.readAllBytes(sealed.pcap())).as("the sealed pcap, block %d", block).isEqualTo(expected);
            assertThat(sealed.pcapBytes()).isEqualTo(expected.length);
            assertThat(sealed.packets()).isEqualTo(frames.length);
            assertThat(Tcpdump.lines(sealed.pcap(), "")).as("tcpdump reads it").hasSize(frames.length);
        }
    }

    @Test
    void betweenFlushesTheFileIsTheStreamsFirstWholeBlocksAndCountsTheRecordsItHoldsWhole() throws IOException {
        int block = DirectWrites.of(dir).block();
        byte[][] frames = frames(4000, 12);
        long[] times = new long[frames.length];
        for (int i = 0; i < frames.length; i++) {
            times[i] = StoreFixture.T0 + 1000L * i;
        }
        byte[] stream = expectedStream(frames, times);
        Path active = dir.resolve("store").resolve(Segment.activeName(1));
        int checked = 0;
        try (SegmentWriter writer = open(dir.resolve("store"), block)) {
            long lastSize = 0;
            for (int i = 0; i < frames.length; i++) {
                append(writer, frames[i], times[i]);
                long onDisk = Files.size(active);
                if (onDisk == lastSize) {
                    continue;
                }
                lastSize = onDisk; // the buffer was full and its whole blocks were written
                checked++;
                assertThat(onDisk % block).as("whole blocks only").isZero();
                byte[] file = Files.readAllBytes(active);
                assertThat(file).as("the stream's first %d bytes", onDisk)
                        .isEqualTo(Arrays.copyOf(stream, file.length));
                assertThat(writer.flushedBytes()).as("the end of the last record the file holds whole")
                        .isLessThanOrEqualTo(onDisk).isGreaterThan(onDisk - 64 * 1024 - 16);
                long wholeRecords = 0;
                long end = PcapFormat.GLOBAL_HEADER_SIZE;
                for (byte[] frame : frames) {
                    end += PcapFormat.RECORD_HEADER_SIZE + frame.length;
                    if (end > onDisk) {
                        break;
                    }
                    wholeRecords++;
                }
                assertThat(writer.packets() - writer.bufferedPackets()).isEqualTo(wholeRecords);
            }
        }
        assertThat(checked).as("the buffer filled several times").isGreaterThan(5);
        try (PcapFileReader reader = PcapFileReader.open(active)) {
            int n = 0;
            PacketRecord p = new PacketRecord();
            while (reader.next(p)) {
                n++;
            }
            assertThat(n).as("close flushed every record").isEqualTo(frames.length);
            assertThat(reader.truncatedTail()).isFalse();
        }
    }
}
