package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.packet.BpfProgram;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.capture.BpfCompiler;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.AlertSchedule;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.pipeline.Replay;
import io.flowtrap.probe.trigger.Trigger;
import io.flowtrap.probe.trigger.TriggerSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search keeps, packet for packet, what {@code tcpdump -r} of each segment with the same filter
 * keeps inside the window, in time order, over a store of several segments whose packets are not in
 * time order (look-back packets are written when their flow is armed); it caps at the earliest
 * packets, says when nothing matched (and writes nothing), reports progress and can be cancelled.
 */
class PacketSearchTest {
    private static final Path DEMO = Tcpdump.demoData();
    private static final int DLT_EN10MB = 1;

    @TempDir
    static Path tmp;
    private static Path storeDir;

    /** The demo capture replayed with its alerts and a trigger into small segments. */
    @BeforeAll
    static void buildStore() throws Exception {
        storeDir = tmp.resolve("store");
        AlertIntakeCounters counters = new AlertIntakeCounters();
        AlertSchedule schedule = AlertSchedule.read(DEMO.resolve("demo-eve.json"), Duration.ZERO, new EveAlertParser(), counters);
        try (CapturePipeline pipeline = CapturePipeline.open(
                        new ProbeSettings.Store(storeDir, DataSize.parse("1GB"), DataSize.parse("64KB"), Duration.ofHours(1)),
                        new ProbeSettings.Flows(0, null, null, null, null, null, null),
                        new ProbeSettings.Lookback(DataSize.parse("16MB")), counters);
                OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(DEMO.resolve("demo.pcap"))) {
            pipeline.engine().useTriggers(TriggerSet.EMPTY.with(Trigger.ofFilter("udp", filter("udp"))));
            Replay.run(source, schedule, pipeline);
        }
    }

    @Test
    void keepsWhatTcpdumpKeepsInsideTheWindowInTimeOrder() throws Exception {
        List<Path> segments = segments();
        assertThat(segments).hasSizeGreaterThan(3);
        for (String expression : List.of("tcp", "udp and ip6", "tcp[tcpflags] & tcp-syn != 0", "vlan and tcp")) {
            long from = 1_700_000_000_300_000_000L;
            long to = 1_700_000_001_200_000_000L;
            Path out = tmp.resolve("search-" + expression.hashCode() + ".pcap");
            PacketSearch.Result result;
            try (PcapStore store = PcapStore.openReadOnly(storeDir)) {
                result = store.search().searchTo(new PacketSearch.Query(filter(expression), from, to, 0), out,
                        (read, of, bytes, total, newest) -> { }, () -> false);
            }
            List<String> expected = new ArrayList<>();
            for (Path segment : segments) {
                for (String line : Tcpdump.lines(segment, expression)) {
                    long t = Tcpdump.nanos(line);
                    if (t >= from && t <= to) {
                        expected.add(line);
                    }
                }
            }
            expected.sort((a, b) -> Long.compare(Tcpdump.nanos(a), Tcpdump.nanos(b))); // stable: segment, then file order
            assertThat(expected).as(expression).isNotEmpty();
            assertThat(Tcpdump.lines(out, "")).as(expression).isEqualTo(expected);
            assertThat(result.packets()).isEqualTo(expected.size());
            assertThat(result.matched()).isEqualTo(expected.size());
            assertThat(result.firstNanos()).isEqualTo(Tcpdump.nanos(expected.get(0)));
            assertThat(result.lastNanos()).isEqualTo(Tcpdump.nanos(expected.get(expected.size() - 1)));
            assertThat(result.size()).isEqualTo(Files.size(out));
            assertThat(result.sha256()).hasSize(64);
        }
    }

    @Test
    void capsAtTheEarliestPacketsAndSaysWhenNothingMatched() throws Exception {
        try (PcapStore store = PcapStore.openReadOnly(storeDir)) {
            Path capped = tmp.resolve("capped.pcap");
            PacketSearch.Result all = store.search().searchTo(new PacketSearch.Query(filter("tcp"), 0, Long.MAX_VALUE, 0),
                    tmp.resolve("all.pcap"), (r, o, b, t, n) -> { }, () -> false);
            PacketSearch.Result first = store.search().searchTo(new PacketSearch.Query(filter("tcp"), 0, Long.MAX_VALUE, 100),
                    capped, (r, o, b, t, n) -> { }, () -> false);
            assertThat(first.packets()).isEqualTo(100);
            assertThat(first.matched()).isEqualTo(all.packets()).isGreaterThan(100);
            assertThat(Tcpdump.lines(capped, "")).isEqualTo(Tcpdump.lines(tmp.resolve("all.pcap"), "").subList(0, 100));
            Path none = tmp.resolve("none.pcap");
            PacketSearch.Result nothing = store.search().searchTo(new PacketSearch.Query(filter("ip proto 47"), 0,
                    Long.MAX_VALUE, 0), none, (r, o, b, t, n) -> { }, () -> false);
            assertThat(nothing.empty()).isTrue();
            assertThat(nothing.segmentsRead()).isPositive();
            assertThat(none).doesNotExist();
        }
    }

    @Test
    void reportsProgressAndStopsWhenCancelled() throws Exception {
        try (PcapStore store = PcapStore.openReadOnly(storeDir)) {
            List<long[]> steps = new ArrayList<>();
            PacketSearch.Result result = store.search().searchTo(new PacketSearch.Query(filter("tcp"), 0, Long.MAX_VALUE, 0),
                    tmp.resolve("progress.pcap"), (read, of, bytes, total, newest) -> steps.add(new long[] {read, of, bytes, total}),
                    () -> false);
            assertThat(steps).hasSize(result.segmentsRead());
            long[] last = steps.get(steps.size() - 1);
            assertThat(last[0]).isEqualTo(last[1]);
            assertThat(last[2]).isEqualTo(last[3]).isEqualTo(result.bytesRead());
            int[] asked = {0};
            Path cancelled = tmp.resolve("cancelled.pcap");
            assertThatThrownBy(() -> store.search().searchTo(new PacketSearch.Query(filter("tcp"), 0, Long.MAX_VALUE, 0),
                    cancelled, (r, o, b, t, n) -> { }, () -> ++asked[0] > 2)).isInstanceOf(PacketSearch.Cancelled.class);
            assertThat(cancelled).doesNotExist();
        }
    }

    private static BpfProgram filter(String expression) throws Exception {
        return BpfCompiler.compile(expression, DLT_EN10MB, 262144);
    }

    private static List<Path> segments() throws Exception {
        try (Stream<Path> files = Files.list(storeDir)) {
            return files.filter(p -> p.getFileName().toString().matches("segment-\\d{16}\\.pcap")).sorted().toList();
        }
    }
}
