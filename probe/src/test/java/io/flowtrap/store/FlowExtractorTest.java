package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The time-bounded search against two oracles: what was written (the flow's packets in time
 * order) and a brute-force scan of every segment (the same query without any time bound). And
 * that the bound narrows: a carve searches the segments of its flow's time, not the store.
 */
class FlowExtractorTest {
    private static final long S = 1_000_000_000L;
    private static final long GAP = 120 * S;
    private static final long SLACK = 2 * S;

    @TempDir
    Path dir;

    /** One packet to write: its flow, its time, and when the writer gets it (later for look-back packets). */
    private record Event(int flow, long ts, long writtenAt) {}

    private static StoreConfig config(Duration segmentAge) {
        return new StoreConfig(1L << 40, 64 * 1024, segmentAge, 65535);
    }

    /** A query as an alert on {@code alertPacket} of the flow makes it: from its start, seen then, gap-bounded. */
    private static FlowQuery alertQuery(int flow, List<StoreFixture.Stored> packets, int alertPacket) {
        FlowQuery all = StoreFixture.query(flow, 0);
        return new FlowQuery(all.flowHash(), all.flowKey(), all.communityId(), packets.get(0).ts() - SLACK,
                Long.MAX_VALUE, packets.get(alertPacket).ts(), GAP);
    }

    /** The same, for an alert that does not say when its flow started. */
    private static FlowQuery alertQueryWithoutStart(int flow, List<StoreFixture.Stored> packets, int alertPacket) {
        FlowQuery q = alertQuery(flow, packets, alertPacket);
        return new FlowQuery(q.flowHash(), q.flowKey(), q.communityId(), 0, Long.MAX_VALUE, q.seenAtNanos(), GAP);
    }

    private static List<StoreFixture.Stored> write(PcapStore store, List<Event> events, long seed) throws IOException {
        Random random = new Random(seed);
        List<Event> order = new ArrayList<>(events);
        order.sort(Comparator.comparingLong(Event::writtenAt).thenComparingLong(Event::ts));
        List<StoreFixture.Stored> written = new ArrayList<>();
        for (Event e : order) {
            written.add(StoreFixture.appendAt(store, e.flow(), e.ts(), random));
        }
        return written;
    }

    /**
     * Long flows whose gaps go up to exactly the bound, short ones, and flows armed late (their
     * first packets written with newer ones, as the look-back hands them over), over many segments.
     */
    private static List<Event> traffic(Random random, int longFlows, int shortFlows, long span) {
        List<Event> events = new ArrayList<>();
        long t0 = StoreFixture.T0;
        for (int f = 0; f < longFlows; f++) {
            long ts = t0 + (long) (random.nextDouble() * span);
            int packets = 5 + random.nextInt(30);
            List<Long> times = new ArrayList<>();
            for (int p = 0; p < packets; p++) {
                times.add(ts);
                long gap = random.nextInt(4) == 0 ? GAP : 1 + (long) (random.nextDouble() * (GAP - 1));
                ts += random.nextInt(6) == 0 ? GAP - 1 : gap;
            }
            addFlow(events, f, times, random.nextInt(4) == 0 ? 1 + random.nextInt(packets - 1) : 0);
        }
        for (int f = 0; f < shortFlows; f++) {
            long ts = t0 + (long) (random.nextDouble() * span);
            List<Long> times = new ArrayList<>();
            for (int p = 0, n = 2 + random.nextInt(5); p < n; p++) {
                times.add(ts);
                ts += 1 + (long) (random.nextDouble() * 30 * S);
            }
            addFlow(events, longFlows + f, times, 0);
        }
        return events;
    }

    /** The flow's first {@code armedAt} packets reach the writer with packet {@code armedAt}. */
    private static void addFlow(List<Event> events, int flow, List<Long> times, int armedAt) {
        for (int p = 0; p < times.size(); p++) {
            events.add(new Event(flow, times.get(p), p < armedAt ? times.get(armedAt) : times.get(p)));
        }
    }

    @Test
    void theBoundedSearchReturnsExactlyWhatAFullScanReturnsAcrossSegments() throws IOException {
        Random random = new Random(7);
        int longFlows = 40;
        int shortFlows = 200;
        List<Event> events = traffic(random, longFlows, shortFlows, 4000 * S);
        Path store = dir.resolve("store");
        List<StoreFixture.Stored> written;
        try (PcapStore s = PcapStore.open(store, config(Duration.ofSeconds(30)))) {
            written = write(s, events, 1);
        }
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            int segments = s.status().segments().size();
            assertThat(segments).isGreaterThan(100);
            int spanningMany = 0;
            for (int flow = 0; flow < longFlows + shortFlows; flow++) {
                List<StoreFixture.Stored> expected = StoreFixture.expected(written, flow);
                List<StoreFixture.Stored> fullScan = StoreFixture.carve(s, flow, dir);
                assertThat(StoreFixture.same(fullScan, expected)).as("full scan of flow %d", flow).isTrue();
                int alertPacket = random.nextInt(expected.size());
                FlowQuery bounded = alertQuery(flow, expected, alertPacket);
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, bounded, dir), expected))
                        .as("bounded search of flow %d (%d packets, alert on packet %d)", flow, expected.size(), alertPacket)
                        .isTrue();
                FlowQuery withoutStart = alertQueryWithoutStart(flow, expected, alertPacket);
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, withoutStart, dir), expected))
                        .as("search of flow %d back and forth from its alert on packet %d", flow, alertPacket).isTrue();
                ExtractionResult r = s.extractor().extract(bounded, OutputStream.nullOutputStream());
                if (r.segmentsSearched() > 20) {
                    spanningMany++;
                }
                assertThat(r.segmentsSearched()).as("flow %d", flow).isLessThan(segments);
            }
            assertThat(spanningMany).as("long flows spread over many segments").isGreaterThan(5);
        }
    }

    @Test
    void aFlowIsFollowedAcrossGapsUpToTheBoundAndNoFurther() throws IOException {
        Random random = new Random(3);
        Path store = dir.resolve("store");
        long t0 = StoreFixture.T0;
        List<Event> events = new ArrayList<>();
        int clock = 1; // another flow, a packet every 5 s, so segments keep sealing
        for (long ts = t0; ts < t0 + 1200 * S; ts += 5 * S) {
            events.add(new Event(clock, ts + 1, ts + 1));
        }
        int flow = 2;
        long[] times = {t0 + 10 * S, t0 + 10 * S + GAP - 1, t0 + 10 * S + 2 * GAP - 1, t0 + 10 * S + 3 * GAP - 1,
            t0 + 10 * S + 5 * GAP}; // the last one comes after a gap twice the bound: a later flow
        for (long ts : times) {
            events.add(new Event(flow, ts, ts));
        }
        List<StoreFixture.Stored> written;
        try (PcapStore s = PcapStore.open(store, config(Duration.ofSeconds(20)))) {
            written = write(s, events, 2);
        }
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            List<StoreFixture.Stored> all = StoreFixture.expected(written, flow);
            assertThat(StoreFixture.carve(s, flow, dir)).hasSize(5);
            FlowQuery bounded = alertQuery(flow, all, 1);
            assertThat(StoreFixture.same(StoreFixture.carve(s, flow, bounded, dir), all.subList(0, 4))).isTrue();
            assertThat(StoreFixture.same(StoreFixture.carve(s, flow, alertQueryWithoutStart(flow, all, 3), dir),
                    all.subList(0, 4))).as("walked back from the alert").isTrue();
            assertThat(s.extractor().extract(bounded, OutputStream.nullOutputStream()).segmentsSearched())
                    .isLessThan(s.status().segments().size() * 2 / 3);
        }
    }

    @Test
    void aCarveSearchesAHandfulOfSegmentsHoweverManyTheStoreHolds() throws IOException {
        Random random = new Random(11);
        List<Event> events = new ArrayList<>();
        long t0 = StoreFixture.T0;
        long span = 4000 * S;
        for (long ts = t0; ts < t0 + span; ts += 5 * S) {
            events.add(new Event(random.nextInt(50), ts, ts)); // 50 flows, each with gaps of minutes
        }
        int firstShort = 100;
        int shortFlows = 30;
        for (int f = 0; f < shortFlows; f++) {
            long start = t0 + (long) (random.nextDouble() * (span - 100 * S));
            for (int p = 0; p < 6; p++) {
                events.add(new Event(firstShort + f, start + p * 10 * S + 3, start + p * 10 * S + 3));
            }
        }
        long[] searchedFew = storeAndCarve(dir.resolve("few"), events, Duration.ofHours(10), firstShort, shortFlows);
        long[] searchedMany = storeAndCarve(dir.resolve("many"), events, Duration.ofSeconds(20), firstShort, shortFlows);
        assertThat(searchedMany[2]).as("segments in the store").isGreaterThan(150);
        // the flow's 50 s, the gap bound and the slack cover 174 s: about 9 segments of 20 s
        assertThat(searchedMany[0]).as("most segments one carve searched").isLessThanOrEqualTo(12);
        assertThat(searchedMany[1]).as("indexes mapped by the carves").isLessThanOrEqualTo(12L * shortFlows);
        assertThat(searchedFew[0]).isLessThanOrEqualTo(2);
        // without the flow's start: back from the alert over the gap bound, then forward as before
        assertThat(searchedMany[3]).as("most segments one carve without a flow start searched").isLessThanOrEqualTo(30);
        assertThat(searchedFew[3]).isLessThanOrEqualTo(4);
    }

    /** Writes the events into a store of segments of {@code age}; returns the most segments one carve searched,
     * the indexes the extractor mapped for them all, the store's segment count, and the most segments one carve
     * searched when the alert did not say when the flow started. */
    private long[] storeAndCarve(Path store, List<Event> events, Duration age, int firstFlow, int flows)
            throws IOException {
        List<StoreFixture.Stored> written;
        try (PcapStore s = PcapStore.open(store, config(age))) {
            written = write(s, events, 5);
        }
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            long most = 0;
            long mostWithoutStart = 0;
            for (int flow = firstFlow; flow < firstFlow + flows; flow++) {
                List<StoreFixture.Stored> expected = StoreFixture.expected(written, flow);
                FlowQuery bounded = alertQuery(flow, expected, expected.size() - 1);
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, bounded, dir), expected)).as("flow %d", flow).isTrue();
                most = Math.max(most, s.extractor().extract(bounded, OutputStream.nullOutputStream()).segmentsSearched());
                FlowQuery withoutStart = alertQueryWithoutStart(flow, expected, expected.size() / 2);
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, withoutStart, dir), expected)).as("flow %d", flow).isTrue();
                mostWithoutStart = Math.max(mostWithoutStart,
                        s.extractor().extract(withoutStart, OutputStream.nullOutputStream()).segmentsSearched());
            }
            long mapped = s.extractor().indexesMapped();
            ExtractionResult full = s.extractor().extract(StoreFixture.query(firstFlow, 0), OutputStream.nullOutputStream());
            assertThat(full.segmentsSearched()).as("a query without time searches everything").isEqualTo(s.status().segments().size());
            return new long[] {most, mapped, s.status().segments().size(), mostWithoutStart};
        }
    }
}
