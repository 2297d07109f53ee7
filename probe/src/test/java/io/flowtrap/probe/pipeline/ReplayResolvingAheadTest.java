package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.store.Tcpdump;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay with a resolving thread stores exactly what the plain one, a packet at a time, stores:
 * the same packets in the same order, the same counts, with a look-back ring and a flow table small
 * enough that misses and evictions happen too.
 */
class ReplayResolvingAheadTest {
    private enum Mode { ONE_BY_ONE, RESOLVING_AHEAD }

    private static final Path DEMO = Tcpdump.demoData();

    private record Outcome(String storedPackets, CaptureCounters.Snapshot counters, String alerts, String flowEnds,
            List<CaptureEngine.StoredFlow> storedFlows) {}

    @Test
    void storesTheSamePacketsAndCountsAsTheReplayOfOnePacketAtATime(@TempDir Path tmp) throws Exception {
        for (String[] sizes : List.of(new String[] {"0", "16MB"}, new String[] {"16", "64KB"})) {
            int maxFlows = Integer.parseInt(sizes[0]);
            Outcome alone = replay(tmp.resolve("alone-" + maxFlows), maxFlows, sizes[1], Mode.ONE_BY_ONE);
            assertThat(alone.counters().storedPackets()).isPositive();
            for (Mode mode : List.of(Mode.RESOLVING_AHEAD)) {
                Outcome other = replay(tmp.resolve(mode + "-" + maxFlows), maxFlows, sizes[1], mode);
                String setup = mode + ", flows " + maxFlows + ", look-back " + sizes[1];
                assertThat(other.storedPackets()).as("stored packets, " + setup).isEqualTo(alone.storedPackets());
                assertThat(other.counters()).as("capture counters, " + setup).isEqualTo(alone.counters());
                assertThat(other.alerts()).as("alert counters, " + setup).isEqualTo(alone.alerts());
                assertThat(other.flowEnds()).as("flow ends, " + setup).isEqualTo(alone.flowEnds());
                assertThat(other.storedFlows()).as("stored flows, " + setup).isEqualTo(alone.storedFlows());
            }
        }
    }

    private static Outcome replay(Path dir, int maxFlows, String lookback, Mode mode) throws Exception {
        AlertIntakeCounters alertCounters = new AlertIntakeCounters();
        AlertSchedule schedule = AlertSchedule.read(DEMO.resolve("demo-eve.json"), Duration.ZERO, new EveAlertParser(),
                alertCounters);
        CaptureCounters.Snapshot counters;
        List<CaptureEngine.StoredFlow> storedFlows = new java.util.ArrayList<>();
        StringBuilder flowEnds = new StringBuilder();
        try (CapturePipeline pipeline = CapturePipeline.open(
                        new ProbeSettings.Store(dir, DataSize.parse("1GB"), DataSize.parse("64MB"), Duration.ofHours(1)),
                        new ProbeSettings.Flows(maxFlows, null, null, null, null, null, null),
                        new ProbeSettings.Lookback(DataSize.parse(lookback)), alertCounters);
                OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(DEMO.resolve("demo.pcap"));
                OfflinePcapSource twin = OfflinePcapSource.asFastAsPossible(DEMO.resolve("demo.pcap"))) {
            pipeline.engine().onStoredFlow(storedFlows::add);
            long packets = switch (mode) {
                case ONE_BY_ONE -> Replay.run(source, schedule, pipeline);
                case RESOLVING_AHEAD -> Replay.runResolvingAhead(source, twin, schedule, pipeline, 0);
            };
            counters = pipeline.engine().counters().snapshot();
            assertThat(counters.packets()).isEqualTo(packets);
            for (io.flowtrap.probe.flow.FlowEndReason reason : io.flowtrap.probe.flow.FlowEndReason.values()) {
                flowEnds.append(reason).append('=').append(pipeline.flows().ended(reason)).append(' ');
            }
            flowEnds.append("created=").append(pipeline.flows().created());
        }
        return new Outcome(storedPackets(dir), counters, alertCounters.toString(), flowEnds.toString(), storedFlows);
    }

    /** A digest of every packet record in the store's segments, in order. */
    private static String storedPackets(Path dir) throws IOException, java.security.NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir)) {
            segments = files.filter(p -> p.getFileName().toString().endsWith(".pcap")).sorted().toList();
        }
        PacketRecord packet = new PacketRecord();
        for (Path segment : segments) {
            try (PcapFileReader reader = PcapFileReader.open(segment)) {
                while (reader.next(packet)) {
                    md.update(ByteBuffer.allocate(16).putLong(packet.timestampNanos()).putInt(packet.wireLength())
                            .putInt(packet.capturedLength()).flip());
                    md.update(packet.buffer().duplicate().position(packet.offset())
                            .limit(packet.offset() + packet.capturedLength()));
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
