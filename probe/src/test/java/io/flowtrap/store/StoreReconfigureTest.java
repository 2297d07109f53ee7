package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * New limits for an open store (PUT /api/v1/settings): the writer takes them up itself, a lower
 * size deletes the oldest segments at once (before any new packet), a smaller segment size seals
 * a segment already larger, and what was kept is still carved whole.
 */
class StoreReconfigureTest {
    private static final long SEGMENT = 64 * 1024;
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    Path dir;

    @Test
    void aLowerSizeDeletesTheOldestSegmentsAtOnceAndKeepsTheRestWhole() throws Exception {
        StoreConfig roomy = new StoreConfig(64 * SEGMENT, SEGMENT, Duration.ofHours(1), 65535);
        try (PcapStore store = PcapStore.open(dir.resolve("store"), roomy)) {
            List<StoreFixture.Stored> written = StoreFixture.append(store, 0, 20, 3000, 7, StoreFixture.T0);
            long ticket = store.requestSeal();
            assertThat(store.awaitSeal(ticket, TIMEOUT)).isTrue();
            StoreStatus before = store.status();
            assertThat(before.segments().size()).as("a store of many segments").isGreaterThan(20);
            assertThat(before.rotatedSegments()).isZero();

            long lower = 8 * SEGMENT;
            long reconfigured = store.reconfigure(new StoreConfig(lower, SEGMENT, Duration.ofHours(1), 65535));
            assertThat(store.awaitReconfigured(reconfigured, TIMEOUT)).isTrue();

            StoreStatus after = store.status();
            assertThat(after.maxSizeBytes()).isEqualTo(lower);
            assertThat(store.config().maxSizeBytes()).isEqualTo(lower);
            assertThat(after.totalBytes()).as("sealed + one segment under the new size, with no packet since")
                    .isLessThanOrEqualTo(lower - SEGMENT);
            assertThat(StoreFixture.directoryBytes(dir.resolve("store"))).isLessThanOrEqualTo(lower);
            assertThat(after.rotatedSegments()).isEqualTo(before.segments().size() - after.segments().size()).isPositive();
            // what was kept is every packet written from the oldest kept segment on, and new flows store as before
            long keptFrom = after.segments().get(0).minTimestamp();
            assertThat(after.packets()).isEqualTo(written.stream().filter(p -> p.ts() >= keptFrom).count());
            List<StoreFixture.Stored> fresh = StoreFixture.append(store, 100, 1, 50, 8, StoreFixture.T0 + 60_000_000_000L);
            assertThat(store.awaitReadable(store.requestReadable(), TIMEOUT)).isTrue();
            assertThat(StoreFixture.same(StoreFixture.carve(store, 100, dir), fresh)).isTrue();
        }
    }

    @Test
    void aSmallerSegmentSizeSealsTheActiveSegmentIfAlreadyLarger() throws Exception {
        StoreConfig big = new StoreConfig(64 * SEGMENT, 8 * SEGMENT, Duration.ofHours(1), 65535);
        try (PcapStore store = PcapStore.open(dir.resolve("store"), big)) {
            StoreFixture.append(store, 0, 3, 300, 11, StoreFixture.T0);
            assertThat(store.status().activeBytes()).isGreaterThan(SEGMENT);
            long sealedBefore = store.segmentsSealed();
            long ticket = store.reconfigure(new StoreConfig(64 * SEGMENT, SEGMENT, Duration.ofMinutes(5), 65535));
            assertThat(store.awaitReconfigured(ticket, TIMEOUT)).isTrue();
            assertThat(store.segmentsSealed()).isEqualTo(sealedBefore + 1);
            assertThat(store.status().activeBytes()).isZero();
            StoreFixture.append(store, 0, 3, 300, 12, StoreFixture.T0 + 10_000_000_000L);
            assertThat(store.status().segments()).allMatch(s -> s.pcapBytes() <= SEGMENT || s.sequence() == 1);
        }
    }

    @Test
    void theSnaplenAndWriteBufferOfAnOpenStoreStay() throws Exception {
        try (PcapStore store = PcapStore.open(dir.resolve("store"), new StoreConfig(64 * SEGMENT, SEGMENT, Duration.ofHours(1), 65535))) {
            assertThatIllegalArgumentException().isThrownBy(() -> store.reconfigure(
                    new StoreConfig(64 * SEGMENT, SEGMENT, Duration.ofHours(1), 1500)))
                    .withMessageContaining("snaplen and the write buffer");
            assertThat(store.config().snaplen()).isEqualTo(65535);
        }
    }
}
