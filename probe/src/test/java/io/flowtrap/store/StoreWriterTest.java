package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-off between the capturing thread and the store's writer thread. No mocks: every test
 * runs the real writer thread writing real segment files, read back with our reader and tcpdump.
 * Where the writer must be unable to keep up, it is held still by its own pause (package-private,
 * for tests): that makes "the writer is behind" exact instead of a race against a slow disk.
 */
class StoreWriterTest {
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    /** Appends one 1-flow packet of {@code size} bytes; records it in {@code taken} if the store took it. */
    private static boolean append(PcapStore store, int flow, int size, long ts, Random random,
            List<StoreFixture.Stored> taken) {
        byte[] frame = StoreFixture.frame(flow, true, size, random);
        byte[][] id = StoreFixture.identity(flow);
        PacketRecord p = new PacketRecord().set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts, 1);
        boolean took = store.append(p, id[0], 0, id[1], 0);
        if (took) {
            taken.add(new StoreFixture.Stored(flow, ts, frame));
        }
        return took;
    }

    /** Every packet of every sealed segment, in segment then file order, read with our reader. */
    private static List<StoreFixture.Stored> readAll(Path store) throws IOException {
        List<StoreFixture.Stored> all = new ArrayList<>();
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            for (Segment segment : s.status().segments()) {
                try (PcapFileReader reader = PcapFileReader.open(segment.pcap())) {
                    PacketRecord p = new PacketRecord();
                    while (reader.next(p)) {
                        byte[] bytes = new byte[p.capturedLength()];
                        p.copyTo(bytes, 0);
                        all.add(new StoreFixture.Stored(-1, p.timestampNanos(), bytes));
                    }
                }
            }
        }
        return all;
    }

    /** Packet timestamps of every sealed segment as tcpdump prints them (an independent reader of our files). */
    private static List<Long> tcpdumpTimestamps(Path store) throws Exception {
        List<Long> all = new ArrayList<>();
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            for (Segment segment : s.status().segments()) {
                Process p = new ProcessBuilder("tcpdump", "-nn", "-tt", "--time-stamp-precision=nano", "-r",
                        segment.pcap().toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(p.waitFor()).as("tcpdump -r " + segment.pcap()).isZero();
                for (String line : out.split("\n")) {
                    if (!line.isEmpty()) {
                        String[] t = line.substring(0, line.indexOf(' ')).split("\\.");
                        all.add(Long.parseLong(t[0]) * SECOND + Long.parseLong(t[1]));
                    }
                }
            }
        }
        return all;
    }

    @Test
    @Timeout(60) // an append that waited for the held writer would hang here: the timeout fails it
    void aFullHandOffLosesTheNewestPacketsCountedAndAppendNeverWaits() throws Exception {
        Path store = dir.resolve("store");
        // room for exactly 4 records of 100-byte frames (88 + 100, padded to 192 bytes)
        StoreConfig config = new StoreConfig(1L << 30, 1 << 20, Duration.ofHours(1), 128,
                4 * PacketHandoff.recordSize(100));
        Random random = new Random(1);
        List<StoreFixture.Stored> taken = new ArrayList<>();
        long ts = StoreFixture.T0;
        try (PcapStore s = PcapStore.open(store, config, BackpressurePolicy.DROP, WriteFailureListener.NONE)) {
            s.pauseWriter();
            List<Boolean> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(append(s, 1 + i % 3, 100, ts += 1000, random, taken));
            }
            assertThat(answers).containsExactly(true, true, true, true, false, false, false, false, false, false);
            assertThat(s.backlogDroppedPackets()).isEqualTo(6);
            assertThat(s.backlogDroppedBytes()).isEqualTo(600);
            assertThat(s.backlogBytes()).isEqualTo(4 * PacketHandoff.recordSize(100));

            s.resumeWriter();
            s.flush();
            assertThat(s.backlogBytes()).isZero();
            // room again, and the ring wraps (the 4 records ended exactly at its end)
            for (int i = 0; i < 4; i++) {
                assertThat(append(s, 1, 100, ts += 1000, random, taken)).isTrue();
            }
            s.flush();
            assertThat(s.backlogDroppedPackets()).isEqualTo(6);
        }
        assertThat(taken).hasSize(8);
        assertThat(StoreFixture.same(readAll(store), taken)).as("exactly the packets taken, in order").isTrue();
    }

    @Test
    void throughATinyHandOffThatWrapsAndWaitsNothingIsLostAndOrderIsKept() throws Exception {
        Path store = dir.resolve("store");
        // a 6 KB hand-off for packets of up to 1.5 KB: the producer waits (WAIT) and the ring wraps thousands of times
        StoreConfig config = new StoreConfig(1L << 30, 1 << 20, Duration.ofHours(1), 2048, 6 * 1024);
        Random random = new Random(2);
        List<StoreFixture.Stored> taken = new ArrayList<>();
        long ts = StoreFixture.T0;
        try (PcapStore s = PcapStore.open(store, config, BackpressurePolicy.WAIT, WriteFailureListener.NONE)) {
            for (int i = 0; i < 20_000; i++) {
                assertThat(append(s, random.nextInt(50), 60 + random.nextInt(1400), ts += 1 + random.nextInt(100_000),
                        random, taken)).isTrue();
            }
            s.flush();
            assertThat(s.backlogDroppedPackets()).isZero();
            assertThat(s.writeFailures()).isZero();
        }
        assertThat(StoreFixture.same(readAll(store), taken)).as("every packet, bytes and order").isTrue();
        assertThat(tcpdumpTimestamps(store)).containsExactlyElementsOf(taken.stream().map(StoreFixture.Stored::ts).toList());
        assertThat(new StoreVerifier().verify(store).clean()).isTrue();
    }

    @Test
    void aLiveStoreUnderNormalLoadLosesNothing() throws Exception {
        Path store = dir.resolve("store");
        StoreConfig config = new StoreConfig(1L << 30, 1 << 20, Duration.ofHours(1), 65535, 64L << 20); // the probe's default
        Random random = new Random(3);
        List<StoreFixture.Stored> taken = new ArrayList<>();
        long ts = StoreFixture.T0;
        try (PcapStore s = PcapStore.open(store, config, BackpressurePolicy.DROP, WriteFailureListener.NONE)) {
            // ~15 MB: fits the hand-off even if the writer took nothing meanwhile, so no loss can be a race
            for (int i = 0; i < 20_000; i++) {
                assertThat(append(s, random.nextInt(50), 60 + random.nextInt(1400), ts += 1 + random.nextInt(100_000),
                        random, taken)).isTrue();
            }
            s.flush();
            assertThat(s.backlogDroppedPackets()).isZero();
            assertThat(s.status().packets()).isEqualTo(20_000);
            assertThat(s.segmentsSealed()).isPositive(); // 1 MB segments sealed by size on the way
        }
        assertThat(StoreFixture.same(readAll(store), taken)).isTrue();
        assertThat(tcpdumpTimestamps(store)).hasSize(20_000);
    }

    @Test
    void aSealAskedForByAnotherThreadShowsEveryPacketAppendedBeforeIt() throws Exception {
        Path store = dir.resolve("store");
        ExecutorService api = Executors.newSingleThreadExecutor();
        try (PcapStore s = PcapStore.open(store, new StoreConfig(1L << 30, 256L << 20, Duration.ofHours(1), 65535))) {
            List<StoreFixture.Stored> written = StoreFixture.handOver(s, 0, 10, 500, 4, StoreFixture.T0);
            // the API thread asks and waits; the appending thread does nothing more
            Future<Boolean> sealed = api.submit(() -> s.awaitSeal(s.requestSeal(), 10 * SECOND));
            assertThat(sealed.get(20, TimeUnit.SECONDS)).isTrue();
            assertThat(s.status().activePackets()).isZero();
            assertThat(s.status().segments()).hasSize(1);
            for (int flow = 0; flow < 10; flow++) {
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, dir), StoreFixture.expected(written, flow)))
                        .as("flow %d", flow).isTrue();
            }
        } finally {
            api.shutdownNow();
        }
    }

    @Test
    @Tag("hostile-input")
    void aStepOfTheWallClockNeitherSealsEachSegmentAtOnceNorHoldsOneOpen() throws Exception {
        // Live, the producer's clock is monotonic while packet timestamps follow the wall clock: after a
        // step they differ by the step. A segment's age is counted on the producer's clock from its opening.
        for (long step : new long[] {-3600 * SECOND, 3600 * SECOND}) {
            Path store = dir.resolve("store" + step);
            try (PcapStore s = PcapStore.open(store, new StoreConfig(1L << 30, 256L << 20, Duration.ofSeconds(10), 65535))) {
                long clock = StoreFixture.T0 - step; // packets stamped T0 after the wall clock moved by step
                s.tick(clock);
                StoreFixture.append(s, 3, 20, 5, StoreFixture.T0);
                s.tick(clock + 5 * SECOND);
                s.flush();
                assertThat(s.status().segments()).as("step %d s, 5 s open", step / SECOND).isEmpty();
                s.tick(clock + 11 * SECOND);
                s.flush();
                assertThat(s.status().segments()).as("step %d s, 11 s open", step / SECOND).hasSize(1);
            }
        }
    }

    @Test
    void theWriterSealsBySegmentAgeOnTheProducersClock() throws Exception {
        Path store = dir.resolve("store");
        try (PcapStore s = PcapStore.open(store, new StoreConfig(1L << 30, 256L << 20, Duration.ofSeconds(10), 65535))) {
            List<StoreFixture.Stored> written = StoreFixture.append(s, 3, 20, 5, StoreFixture.T0); // waits until written
            s.tick(StoreFixture.T0 + 5 * SECOND);
            s.flush(); // the writer looks at the clock before it answers a flush
            assertThat(s.status().segments()).isEmpty();
            assertThat(s.status().activePackets()).isEqualTo(20);
            // what the active segment holds is in the store's time range (what "pcap expired" is judged by)
            assertThat(s.status().oldestTimestamp()).isEqualTo(written.stream().mapToLong(StoreFixture.Stored::ts).min().orElseThrow());
            assertThat(s.status().newestTimestamp()).isEqualTo(written.stream().mapToLong(StoreFixture.Stored::ts).max().orElseThrow());

            s.tick(StoreFixture.T0 + 11 * SECOND);
            s.flush();
            assertThat(s.status().segments()).hasSize(1);
            assertThat(s.status().activePackets()).isZero();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(s.extractor().extract(StoreFixture.query(1, 0), out).outcome())
                    .isEqualTo(ExtractionResult.Outcome.FOUND);
        }
    }

    @Test
    void appendAllocatesNothingPerPacket() throws Exception {
        Path store = dir.resolve("store");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        Random random = new Random(6);
        ByteBuffer[] frames = new ByteBuffer[64]; // wrapped once: the loop below allocates nothing of its own
        for (int i = 0; i < frames.length; i++) {
            frames[i] = ByteBuffer.wrap(StoreFixture.frame(i % 8, true, 60 + random.nextInt(200), random));
        }
        byte[][][] ids = new byte[8][][];
        for (int f = 0; f < 8; f++) {
            ids[f] = StoreFixture.identity(f);
        }
        PacketRecord packet = new PacketRecord();
        StoreConfig config = new StoreConfig(1L << 30, 1 << 20, Duration.ofHours(1), 65535, 64L << 20);
        try (PcapStore s = PcapStore.open(store, config, BackpressurePolicy.DROP, WriteFailureListener.NONE)) {
            long ts = StoreFixture.T0;
            long measured = 0;
            for (int round = 0; round < 3; round++) { // the last round is measured, the others warm up
                s.flush(); // an empty hand-off: each round's ~15 MB fit whatever the writer does meanwhile
                long before = threads.getThreadAllocatedBytes(me);
                for (int i = 0; i < 50_000; i++) {
                    ByteBuffer frame = frames[i & 63];
                    packet.set(frame, 0, frame.capacity(), frame.capacity(), ts += 1000, 1);
                    s.append(packet, ids[i & 7][0], 0, ids[i & 7][1], 0);
                }
                measured = threads.getThreadAllocatedBytes(me) - before;
            }
            s.flush();
            assertThat(s.status().packets()).isEqualTo(150_000);
            assertThat(s.backlogDroppedPackets()).isZero();
            // One object per packet would be at least 16 bytes x 50,000 = 800 KB; what the JVM itself does
            // on this thread now and then (a deoptimization, say) is a few hundred bytes, not per packet.
            assertThat(measured).as("bytes allocated by the capturing thread over 50,000 appends").isLessThan(16 * 1024);
        }
    }
}
