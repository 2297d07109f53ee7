package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input (issue 8, item 5): carves read the segment being written up to its last flushed
 * record instead of sealing it, so a burst of extractions makes no segments. Before, each carve
 * sealed the active segment (three fsyncs and a manifest rewrite): 100 carves made 100 tiny
 * segments. Real writer thread, real files; every carve checked against what was appended.
 */
@Tag("hostile-input")
class ActiveSegmentCarveTest {
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    private static long segmentFilesOnDisk(Path store) throws Exception {
        try (Stream<Path> files = Files.list(store)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".pcap") || n.endsWith(".pcap.active"))
                    .count();
        }
    }

    @Test
    void aHundredCarvesBackToBackSeeEveryFreshPacketMakeNoSegmentAndDropNothing() throws Exception {
        Path store = dir.resolve("store");
        // the probe's defaults: 256 MB segments, 10 minutes, a live capture's policy (loses rather than waits)
        StoreConfig config = new StoreConfig(100L << 30, 256L << 20, Duration.ofMinutes(10), 65535, 64L << 20);
        List<StoreFixture.Stored> written = new ArrayList<>();
        long ts = StoreFixture.T0;
        long started = System.nanoTime();
        try (PcapStore s = PcapStore.open(store, config, BackpressurePolicy.DROP, WriteFailureListener.NONE)) {
            for (int carve = 0; carve < 100; carve++) {
                // a few packets of flows carve and carve + 1000 arrive, then the carve of flow carve is asked for
                written.addAll(StoreFixture.handOver(s, carve, 1, 5, carve, ts));
                written.addAll(StoreFixture.handOver(s, carve + 1000, 1, 5, carve + 7, ts + 1));
                ts = written.get(written.size() - 1).ts() + 1;
                assertThat(s.awaitReadable(s.requestReadable(), 10 * SECOND)).as("carve %d made readable", carve).isTrue();
                List<StoreFixture.Stored> got = StoreFixture.carve(s, carve, dir);
                assertThat(StoreFixture.same(got, StoreFixture.expected(written, carve)))
                        .as("carve %d: every packet of the flow, the newest included", carve).isTrue();
                if (carve > 0) { // an older flow, carved again, has what it had
                    assertThat(StoreFixture.same(StoreFixture.carve(s, carve + 999, dir), StoreFixture.expected(written, carve + 999)))
                            .isTrue();
                }
            }
            long elapsed = System.nanoTime() - started;
            assertThat(s.segmentsSealed()).as("segments sealed by 100 carves").isZero();
            assertThat(segmentFilesOnDisk(store)).as("segment files on disk after 100 carves").isEqualTo(1);
            assertThat(s.backlogDroppedPackets()).as("packets lost to the store backlog").isZero();
            assertThat(s.writeLostPackets()).isZero();
            System.out.printf("ActiveSegmentCarveTest: 100 carves of the active segment in %d ms (2 shared cores: noisy)%n",
                    TimeUnit.NANOSECONDS.toMillis(elapsed));

            // a seal after all that: the same carves, now from the sealed segment
            assertThat(s.awaitSeal(s.requestSeal(), 10 * SECOND)).isTrue();
            assertThat(s.status().segments()).hasSize(1);
            for (int flow : new int[] {0, 50, 99, 1000, 1099}) {
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, dir), StoreFixture.expected(written, flow))).isTrue();
            }
        }
        assertThat(new StoreVerifier().verify(store).clean()).isTrue();
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            assertThat(s.status().packets()).isEqualTo(written.size());
        }
    }

    @Test
    void aCarveOfTheActiveSegmentFindsAFlowWhoseStartIsOnlyThereWhenTheAlertHasNoStart() throws Exception {
        Path store = dir.resolve("store");
        try (PcapStore s = PcapStore.open(store, new StoreConfig(1L << 30, 256L << 20, Duration.ofHours(1), 65535))) {
            List<StoreFixture.Stored> written = new ArrayList<>(StoreFixture.handOver(s, 0, 3, 60, 1, StoreFixture.T0));
            assertThat(s.awaitReadable(s.requestReadable(), 10 * SECOND)).isTrue();
            long seenAt = written.get(written.size() - 1).ts();
            // seen alive at its last packet, no start, at most a second between two of its packets: the walk back
            byte[][] id = StoreFixture.identity(1);
            FlowQuery query = new FlowQuery(io.flowtrap.packet.CommunityId.hash64(id[0], 0), id[1], id[0], 0,
                    Long.MAX_VALUE, seenAt, SECOND);
            assertThat(StoreFixture.same(StoreFixture.carve(s, 1, query, dir), StoreFixture.expected(written, 1))).isTrue();
            assertThat(s.status().segments()).isEmpty();
        }
    }

    @Test
    void anotherProcessReadingTheStoreWhileItIsWrittenSeesWhatTheWriterFlushed() throws Exception {
        Path store = dir.resolve("store");
        try (PcapStore s = PcapStore.open(store, new StoreConfig(1L << 30, 256L << 20, Duration.ofHours(1), 65535))) {
            List<StoreFixture.Stored> written = StoreFixture.handOver(s, 0, 4, 200, 3, StoreFixture.T0);
            assertThat(s.awaitReadable(s.requestReadable(), 10 * SECOND)).isTrue(); // what a carve through the API does
            // flowtrap-probe extract opens the directory read-only, without the writer's lock
            try (PcapStore reader = PcapStore.openReadOnly(store)) {
                assertThat(reader.status().segments()).isEmpty();
                assertThat(reader.status().packets()).isEqualTo(200);
                for (int flow = 0; flow < 4; flow++) {
                    assertThat(StoreFixture.same(StoreFixture.carve(reader, flow, dir), StoreFixture.expected(written, flow)))
                            .as("flow %d", flow).isTrue();
                }
            }
        }
    }
}
