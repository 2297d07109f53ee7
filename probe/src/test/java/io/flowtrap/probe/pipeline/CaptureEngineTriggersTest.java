package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.capture.BpfCompiler;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.trigger.Trigger;
import io.flowtrap.probe.trigger.TriggerSet;
import io.flowtrap.probe.trigger.Watchlist;
import io.flowtrap.store.Tcpdump;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triggers arm exactly the flows they name, whole, into the same store alerts use: what the store
 * holds is, packet for packet, what {@code tcpdump -r} of the demo capture selects with the same
 * filter (every packet of a flow matches a filter on its addresses and ports), whether the trigger
 * was in force from the start or came when the capture had been running (it reaches back through
 * the look-back ring and the flow table); and a flow armed by an alert and a trigger is stored once.
 */
class CaptureEngineTriggersTest {
    private static final Path DEMO = Tcpdump.demoData();
    private static final int DLT_EN10MB = 1;
    private static final String FILTER = "host 10.0.0.21 or host 2001:db8:2::5";
    /**
     * What a watchlist of those two addresses takes, as tcpdump says it: a watchlist matches a
     * flow's addresses whatever its VLAN tags, while {@code host} in a filter skips tagged frames
     * unless {@code vlan} comes first (each {@code vlan} moves the offsets of what follows it).
     */
    private static final String WATCHED = "(" + FILTER + ") or (vlan and ((" + FILTER + ") or (vlan and (" + FILTER + "))))";

    @TempDir
    Path tmp;

    @Test
    void aFilterInForceFromTheStartStoresWhatTcpdumpSelects() throws Exception {
        Run run = replay(tmp.resolve("filter"), set(Trigger.ofFilter("suspects", filter(FILTER))), false, false);
        assertThat(run.stored()).isNotEmpty().isEqualTo(sorted(Tcpdump.lines(DEMO.resolve("demo.pcap"), FILTER)));
        assertThat(run.flows()).isNotEmpty().allSatisfy(f -> {
            assertThat(f.armedBy()).containsExactly("suspects");
            assertThat(f.fromFlowStart()).isTrue();
        });
        assertThat(run.counters().triggerArmedFlows()).isEqualTo(run.flows().size());
    }

    @Test
    void aWatchlistStoresTheFlowsOfItsAddressesOnly() throws Exception {
        Watchlist list = Watchlist.read("et-block", new StringReader("# test list\n10.0.0.21\n2001:db8:2::5/128\n"));
        Run run = replay(tmp.resolve("list"), set(Trigger.ofWatchlist("et-block", list)), false, false);
        assertThat(run.stored()).isNotEmpty().isEqualTo(sorted(Tcpdump.lines(DEMO.resolve("demo.pcap"), WATCHED)));
        assertThat(run.stored()).hasSizeGreaterThan(sorted(Tcpdump.lines(DEMO.resolve("demo.pcap"), FILTER)).size()); // tagged flows too
        assertThat(run.flows()).allSatisfy(f -> assertThat(f.armedBy()).containsExactly("et-block"));
    }

    @Test
    void triggersThatComeLateReachBackThroughTheLookbackRingAndTheFlowTable() throws Exception {
        for (Trigger trigger : List.of(Trigger.ofFilter("late-filter", filter(FILTER)), Trigger.ofWatchlist("late-list",
                Watchlist.read("late-list", new StringReader("10.0.0.21/32\n2001:db8:2::5\n"))))) {
            Run run = replay(tmp.resolve(trigger.name()), set(trigger), true, false);
            assertThat(run.stored()).as(trigger.name()).isNotEmpty()
                    .isEqualTo(sorted(Tcpdump.lines(DEMO.resolve("demo.pcap"), trigger.isWatchlist() ? WATCHED : FILTER)));
            assertThat(run.flows()).allSatisfy(f -> assertThat(f.fromFlowStart()).isTrue());
        }
    }

    @Test
    void aFlowArmedByAnAlertAndATriggerIsStoredOnceAndSaysBoth() throws Exception {
        Run alertsOnly = replay(tmp.resolve("alerts"), TriggerSet.EMPTY, false, true);
        Run triggerOnly = replay(tmp.resolve("trigger"), set(Trigger.ofFilter("suspects", filter(FILTER))), false, false);
        Run both = replay(tmp.resolve("both"), set(Trigger.ofFilter("suspects", filter(FILTER))), false, true);
        List<String> union = new ArrayList<>(alertsOnly.stored());
        triggerOnly.stored().stream().filter(p -> !alertsOnly.stored().contains(p)).forEach(union::add);
        union.sort(null);
        assertThat(both.stored()).isEqualTo(union);
        assertThat(both.stored()).doesNotHaveDuplicates();
        assertThat(both.flows()).anySatisfy(f -> assertThat(f.armedBy()).containsExactly("alert", "suspects"));
        assertThat(alertsOnly.stored().size() + triggerOnly.stored().size()).isGreaterThan(union.size()); // they overlap
    }

    private record Run(List<String> stored, List<CaptureEngine.StoredFlow> flows, CaptureCounters.Snapshot counters) {}

    /** Replays the demo capture; a late trigger comes once every packet has been seen, before the flows end. */
    private Run replay(Path dir, TriggerSet triggers, boolean late, boolean alerts) throws Exception {
        AlertIntakeCounters alertCounters = new AlertIntakeCounters();
        AlertSchedule schedule = alerts
                ? AlertSchedule.read(DEMO.resolve("demo-eve.json"), Duration.ZERO, new EveAlertParser(), alertCounters)
                : AlertSchedule.none();
        List<CaptureEngine.StoredFlow> flows = new ArrayList<>();
        CaptureCounters.Snapshot counters;
        try (CapturePipeline pipeline = CapturePipeline.open(
                        new ProbeSettings.Store(dir, DataSize.parse("1GB"), DataSize.parse("64MB"), Duration.ofHours(1)),
                        new ProbeSettings.Flows(0, null, null, null, null, null, null),
                        new ProbeSettings.Lookback(DataSize.parse("16MB")), alertCounters);
                OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(DEMO.resolve("demo.pcap"))) {
            CaptureEngine engine = pipeline.engine();
            engine.onStoredFlow(flows::add);
            if (!late) {
                engine.useTriggers(triggers);
            }
            PacketRecord packet = new PacketRecord();
            long last = 0;
            while (source.next(packet)) {
                schedule.deliverDue(packet.timestampNanos(), engine);
                engine.onPacket(packet);
                last = packet.timestampNanos();
            }
            if (late) {
                engine.useTriggers(triggers);
                engine.idle(last); // the capture thread takes the set up when idle
                assertThat(engine.triggers()).isSameAs(triggers);
            }
            schedule.deliverRemaining(engine);
            engine.finish();
            counters = engine.counters().snapshot();
        }
        return new Run(storedPackets(dir), flows, counters);
    }

    private static List<String> sorted(List<String> lines) {
        List<String> out = new ArrayList<>(lines);
        out.sort(null);
        return out;
    }

    private static TriggerSet set(Trigger trigger) {
        return TriggerSet.EMPTY.with(trigger);
    }

    private static io.flowtrap.packet.BpfProgram filter(String expression) throws IOException {
        return BpfCompiler.compile(expression, DLT_EN10MB, 262144);
    }

    /** tcpdump's line for every packet of the store's segments, sorted. */
    private static List<String> storedPackets(Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path segment : files.filter(p -> p.toString().endsWith(".pcap")).sorted().toList()) {
                lines.addAll(Tcpdump.lines(segment, ""));
            }
        }
        lines.sort(null);
        return lines;
    }
}
