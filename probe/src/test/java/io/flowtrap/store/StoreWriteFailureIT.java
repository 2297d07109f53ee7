package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input (issue 8, item 4): a full disk under the store's writer, on a real 4 MB tmpfs
 * (mounted here, as root, and unmounted after; chmod would not stop root). The real writer thread
 * writes real files until the kernel answers ENOSPC; nothing is simulated. What is checked: the
 * producer is never refused, losses are counted in packets and bytes, the store says it is not
 * writing, the segment being written holds only whole records, none twice (our reader, tcpdump,
 * recovery of a copy), and the writer resumes by itself once there is room.
 */
@Tag("hostile-input")
class StoreWriteFailureIT {
    @TempDir
    Path work;

    private SmallFileSystem small;
    private Path fs;


    @BeforeEach
    void mountTinyFileSystem() throws Exception {
        small = SmallFileSystem.mount(work.resolve("fs"), "4m");
        fs = small.path();
    }

    @AfterEach
    void unmount() throws Exception {
        // lazy: the segments' memory mappings (index, verifier) keep it busy until they are collected
        small.close();
    }

    /** Packet count tcpdump reads from a pcap, or -1 if it says the file is damaged. */
    private static int tcpdumpCount(Path pcap) throws Exception {
        Process p = new ProcessBuilder("tcpdump", "-nn", "-r", pcap.toString()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        int exit = p.waitFor();
        return exit == 0 && !err.contains("truncated") ? (int) out.lines().count() : -1;
    }

    /** Record timestamps of a pcap read with our reader; fails on a torn or misaligned record. */
    private static List<Long> timestamps(Path pcap) throws Exception {
        List<Long> ts = new ArrayList<>();
        try (PcapFileReader reader = PcapFileReader.open(pcap)) {
            PacketRecord p = new PacketRecord();
            while (reader.next(p)) {
                ts.add(p.timestampNanos());
            }
            assertThat(reader.truncatedTail()).as(pcap + ": torn tail").isFalse();
        }
        return ts;
    }

    @Test
    @Timeout(120)
    void aFullDiskIsCountedKeepsTheSegmentWholeAndTheWriterWritesAgainByItselfOnceThereIsRoom() throws Exception {
        Path filler = fs.resolve("filler");
        Files.write(filler, new byte[3712 * 1024]); // leaves the store ~380 KB
        Path dir = fs.resolve("store");
        AtomicInteger episodes = new AtomicInteger();
        AtomicLong lostWhenWritingAgain = new AtomicLong(-1);
        CountDownLatch writingAgain = new CountDownLatch(1);
        WriteFailureListener listener = new WriteFailureListener() {
            @Override
            public void writingFailed(Exception cause) {
                episodes.incrementAndGet();
            }

            @Override
            public void writingAgain(long failures, long lostPackets) {
                lostWhenWritingAgain.set(lostPackets);
                writingAgain.countDown();
            }
        };
        StoreConfig config = new StoreConfig(64L << 20, 8L << 20, Duration.ofHours(1), 2048, 8L << 20);
        Random random = new Random(7);
        long appended = 0;
        long lost;
        long ts = StoreFixture.T0;
        PacketRecord packet = new PacketRecord();
        byte[][] id = StoreFixture.identity(1);
        Path copy = Files.createDirectories(work.resolve("copy"));
        try (PcapStore s = PcapStore.open(dir, config, BackpressurePolicy.DROP, listener)) {
            // ~2 MB for a file system with ~380 KB left: writing fails part way, inside one segment
            for (int i = 0; i < 2000; i++) {
                byte[] frame = StoreFixture.frame(1, true, 1000, random);
                packet.set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts += 1000, 1);
                assertThat(s.append(packet, id[0], 0, id[1], 0)).as("the producer is never refused (8 MB hand-off)").isTrue();
                appended++;
            }
            s.flush();
            assertThat(s.writeFailures()).isPositive();
            assertThat(s.writeLostPackets()).isPositive();
            assertThat(s.writeLostBytes()).as("bytes counted with the packets").isEqualTo(s.writeLostPackets() * 1000);
            assertThat(s.backlogDroppedPackets()).isZero();
            assertThat(s.writing()).as("the store says it is not writing").isFalse();
            assertThat(s.writingFailedSinceMillis()).isPositive();
            assertThat(episodes.get()).as("told once, not per packet").isEqualTo(1);
            long lostWhileFull = s.writeLostPackets();

            // the segment being written, as it lies on the full disk: whole records only, none twice
            Path active;
            try (var files = Files.list(dir)) {
                active = files.filter(f -> f.getFileName().toString().endsWith(".active")).findFirst().orElseThrow();
            }
            Path snapshot = Files.copy(active, copy.resolve("active.pcap"));
            List<Long> onDisk = timestamps(snapshot);
            assertThat(onDisk).as("what was written before the disk filled is kept").isNotEmpty();
            for (int i = 0; i < onDisk.size(); i++) {
                assertThat(onDisk.get(i)).as("record %d: the appended packets in order, none twice", i)
                        .isEqualTo(StoreFixture.T0 + 1000L * (i + 1));
            }
            assertThat(tcpdumpCount(snapshot)).as("tcpdump reads the segment being written").isEqualTo(onDisk.size());
            // and it is recoverable as it stands (what a crash now would leave)
            Path crashed = Files.createDirectories(copy.resolve("crashed"));
            Files.copy(snapshot, crashed.resolve(active.getFileName()));
            new SegmentRecovery(crashed).recover();
            assertThat(new StoreVerifier().verify(crashed).clean()).as("recovered from the full disk's segment").isTrue();

            Files.delete(filler); // room again: the writer tries again by itself a second after its last failure
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!writingAgain.await(20, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                for (int i = 0; i < 50; i++) { // a live wire keeps bringing packets
                    byte[] frame = StoreFixture.frame(1, true, 1000, random);
                    packet.set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts += 1000, 1);
                    assertThat(s.append(packet, id[0], 0, id[1], 0)).isTrue();
                    appended++;
                }
            }
            assertThat(writingAgain.getCount()).as("the writer wrote again").isZero();
            assertThat(s.writing()).isTrue();
            assertThat(s.writingFailedSinceMillis()).isZero();
            assertThat(lostWhenWritingAgain.get()).isGreaterThanOrEqualTo(lostWhileFull);
            assertThat(episodes.get()).isEqualTo(1);
            s.flush();
            lost = s.writeLostPackets();
            assertThat(lost).as("nothing lost once there was room").isEqualTo(lostWhenWritingAgain.get());
        }
        try (PcapStore s = PcapStore.openReadOnly(dir)) {
            assertThat(s.status().packets()).as("every packet handed over is either stored or counted as lost")
                    .isEqualTo(appended - lost);
            for (Segment segment : s.status().segments()) {
                List<Long> stored = timestamps(segment.pcap());
                for (int i = 1; i < stored.size(); i++) {
                    assertThat(stored.get(i)).as("no record twice").isGreaterThan(stored.get(i - 1));
                }
                assertThat(tcpdumpCount(segment.pcap())).isEqualTo(stored.size());
            }
        }
        assertThat(new StoreVerifier().verify(dir).clean()).isTrue();
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("nothing left unsealed or half written").noneMatch(n -> n.endsWith(".active") || n.endsWith(".tmp"));
        }
    }

    @Test
    @Timeout(120)
    void aDiskThatFillsWhileNoPacketComesIsWrittenToOnceThereIsRoomAndASealThatFailedIsTriedAgain() throws Exception {
        Path dir = fs.resolve("store");
        StoreConfig config = new StoreConfig(64L << 20, 8L << 20, Duration.ofHours(1), 2048, 8L << 20);
        List<StoreFixture.Stored> written;
        Path filler = fs.resolve("filler");
        CountDownLatch writingAgain = new CountDownLatch(1);
        WriteFailureListener listener = new WriteFailureListener() {
            @Override
            public void writingFailed(Exception cause) {}

            @Override
            public void writingAgain(long failures, long lostPackets) {
                writingAgain.countDown();
            }
        };
        try (PcapStore s = PcapStore.open(dir, config, BackpressurePolicy.DROP, listener)) {
            // 300 packets (~230 KB) buffered, not yet written (the writer's buffer is 1 MB)
            written = StoreFixture.handOver(s, 0, 5, 300, 11, StoreFixture.T0);
            // then the disk fills before they are flushed
            long free = Files.getFileStore(fs).getUsableSpace();
            Files.write(filler, new byte[(int) Math.max(0, free - 64 * 1024)]);
            s.flush(); // the writer tries: the disk is full
            assertThat(s.writing()).isFalse();
            assertThat(s.writeLostPackets()).as("kept in the writer's buffer, not lost").isZero();
            assertThat(s.awaitSeal(s.requestSeal(), TimeUnit.SECONDS.toNanos(10))).isTrue(); // fails, counted
            assertThat(s.status().segments()).isEmpty();

            Files.delete(filler);
            // no packet comes: the writer writes its buffer by itself, and the next carve's seal works
            assertThat(writingAgain.await(30, TimeUnit.SECONDS)).as("writing again without a new packet").isTrue();
            assertThat(s.writing()).isTrue();
            assertThat(s.awaitSeal(s.requestSeal(), TimeUnit.SECONDS.toNanos(10))).isTrue();
            assertThat(s.status().segments()).hasSize(1);
            assertThat(s.writeLostPackets()).isZero();
            for (int flow = 0; flow < 5; flow++) {
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, work), StoreFixture.expected(written, flow)))
                        .as("flow %d", flow).isTrue();
            }
        }
        assertThat(new StoreVerifier().verify(dir).clean()).isTrue();
    }
}
