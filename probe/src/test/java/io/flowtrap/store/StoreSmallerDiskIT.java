package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Hostile input (issue 8, item 4, a follow-up): a store whose {@code max-size} (64 MB) is far
 * larger than its disk, a real 4 MB tmpfs, filled nearly three times over. The size limit never
 * binds; the kernel's ENOSPC does, and the writer answers it by rotating out the oldest sealed
 * segments until what it writes fits: nothing handed to the store is lost, writing never stops,
 * the disk is used up to what it holds (one segment's room at most is given up), the freshest
 * flows stay carvable, every segment left is read whole by tcpdump, and the rotations are counted
 * apart and told once.
 */
@Tag("hostile-input")
class StoreSmallerDiskIT {
    private static final long KB = 1024;
    private static final long SEGMENT = 256 * KB;
    private static final long MAX = 64 * 1024 * KB;

    @TempDir
    Path work;

    private SmallFileSystem small;
    private Path fs;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        small = SmallFileSystem.mount(work.resolve("fs"), "4m");
        fs = small.path();
    }

    @AfterEach
    void unmount() throws Exception {
        small.close(); // lazy: the verifier's reader leaves its windows to the collector
    }

    private static long usedOnFileSystem(Path dir) throws Exception {
        FileStore store = Files.getFileStore(dir);
        return store.getTotalSpace() - store.getUnallocatedSpace();
    }

    /** Packets tcpdump reads from a pcap, or -1 if it says the file is damaged. */
    private static long tcpdumpCount(Path pcap) throws Exception {
        Process p = new ProcessBuilder("tcpdump", "-nn", "-r", pcap.toString()).start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        return p.waitFor() == 0 && !err.contains("truncated") ? out.lines().count() : -1;
    }

    @Test
    @Timeout(300)
    void onADiskSmallerThanMaxSizeTheWriterRotatesOutTheOldestSegmentsForRoomAndLosesNothing() throws Exception {
        long capacity = Files.getFileStore(fs).getTotalSpace();
        assertThat(MAX).as("the size limit is far beyond the disk").isGreaterThan(8 * capacity);
        AtomicInteger rotatingForRoom = new AtomicInteger();
        AtomicInteger rotatingForRoomEnded = new AtomicInteger();
        AtomicInteger writingFailed = new AtomicInteger();
        AtomicLong storeBytesWhenFull = new AtomicLong();
        WriteFailureListener listener = new WriteFailureListener() {
            @Override
            public void writingFailed(Exception cause) {
                writingFailed.incrementAndGet();
            }

            @Override
            public void writingAgain(long failures, long lostPackets) {}

            @Override
            public void rotatingForRoom(long storeBytes, long maxSizeBytes, Exception cause) {
                assertThat(StoreFiles.noRoom(cause)).as(cause.toString()).isTrue();
                storeBytesWhenFull.set(storeBytes);
                rotatingForRoom.incrementAndGet();
            }

            @Override
            public void rotatingForRoomEnded(long segments, long bytes) {
                rotatingForRoomEnded.incrementAndGet();
            }
        };
        StoreConfig config = new StoreConfig(MAX, SEGMENT, Duration.ofHours(1), 65535, 8L << 20);
        Path dir = fs.resolve("store");
        List<List<StoreFixture.Stored>> rounds = new ArrayList<>();
        long ts = StoreFixture.T0;
        long appended = 0;
        int firstFullRound = -1;
        try (PcapStore s = PcapStore.open(dir, config, BackpressurePolicy.DROP, listener)) {
            for (int round = 0; round < 150; round++) {
                // ~76 KB of 4 flows per round (11 MB in all, nearly three times the disk), handed over as a
                // live capture does (DROP: the producer never waits), then waited for
                List<StoreFixture.Stored> written = StoreFixture.handOver(s, round * 4, 4, 100, round, ts);
                s.flush();
                rounds.add(written);
                appended += written.size();
                ts = written.get(written.size() - 1).ts() + 1;
                assertThat(s.backlogDroppedPackets()).as("round %d: the producer was never refused", round).isZero();
                assertThat(s.writeFailures()).as("round %d: no room is no failure while a sealed segment is left", round)
                        .isZero();
                assertThat(s.writeLostPackets()).as("round %d: nothing lost", round).isZero();
                assertThat(s.writing()).isTrue();
                long used = usedOnFileSystem(dir);
                assertThat(used).as("round %d: the disk is never over", round).isLessThanOrEqualTo(capacity);
                assertThat(s.status().totalBytes()).as("round %d: the store fits its disk", round).isLessThanOrEqualTo(capacity);
                if (s.rotatedForRoomSegments() > 0) {
                    if (firstFullRound < 0) {
                        firstFullRound = round;
                    }
                    assertThat(used).as("round %d: only as much is rotated out as a write needs", round)
                            .isGreaterThanOrEqualTo(capacity - 2 * SEGMENT);
                }
                assertThat(s.awaitReadable(s.requestReadable(), TimeUnit.SECONDS.toNanos(10))).isTrue();
                int flow = round * 4 + round % 4;
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, work), StoreFixture.expected(written, flow)))
                        .as("round %d: its flow carves whole", round).isTrue();
            }
            assertThat(firstFullRound).as("the disk filled").isPositive();
            StoreStatus status = s.status();
            assertThat(s.rotatedForRoomSegments()).as("segments rotated out for room").isGreaterThan(20);
            assertThat(status.rotatedSegments()).as("the size limit never rotated: every rotation was for room")
                    .isEqualTo(s.rotatedForRoomSegments());
            assertThat(status.rotatedBytes()).isEqualTo(s.rotatedForRoomBytes());
            assertThat(rotatingForRoom.get()).as("told once, not per segment").isEqualTo(1);
            assertThat(storeBytesWhenFull.get()).isLessThanOrEqualTo(capacity).isGreaterThan(capacity - 2 * SEGMENT);
            assertThat(rotatingForRoomEnded.get()).isZero();
            assertThat(writingFailed.get()).isZero();
            // the newest rounds (well under the disk's size) are whole
            for (int round = rounds.size() - 10; round < rounds.size(); round++) {
                for (int flow = round * 4; flow < round * 4 + 4; flow++) {
                    assertThat(StoreFixture.same(StoreFixture.carve(s, flow, work), StoreFixture.expected(rounds.get(round), flow)))
                            .as("round %d flow %d", round, flow).isTrue();
                }
            }
            // what the store holds is every packet from its oldest one on, none missing: rotation takes the oldest only
            long oldest = status.oldestTimestamp();
            long stored = status.packets();
            assertThat(rounds.stream().flatMap(List::stream).filter(p -> p.ts() >= oldest).count())
                    .as("packets appended since the oldest one the store holds").isEqualTo(stored);
            assertThat(stored).as("and older ones went").isLessThan(appended);
        }
        try (PcapStore s = PcapStore.openReadOnly(dir)) {
            assertThat(s.status().segments()).hasSizeGreaterThan(8);
            for (Segment segment : s.status().segments()) {
                assertThat(tcpdumpCount(segment.pcap())).as("tcpdump reads %s whole", segment.pcap())
                        .isEqualTo(segment.packets());
            }
        }
        assertThat(new StoreVerifier().verify(dir).clean()).isTrue();
    }
}
