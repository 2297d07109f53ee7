package io.flowtrap.probe.cli;

import io.flowtrap.pcap.PcapFormatException;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.pipeline.AlertSchedule;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.pipeline.Replay;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replay}: feeds a capture through the probe as a live probe would have seen it. Each EVE
 * alert is delivered when the replay clock passes its timestamp plus {@code --alert-delay}; without
 * {@code --eve} nothing is armed. An existing store is recovered and appended to.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay a pcap/pcapng through the probe, arming flows from a recorded eve.json.")
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--pcap", required = true, description = "The capture to replay (pcap or pcapng).")
    Path pcap;

    @Option(names = "--eve", description = "Suricata eve.json whose alerts arm flows (other event types are ignored).")
    Path eve;

    @Option(names = "--store", required = true, description = "The store directory (created if missing).")
    Path store;

    @Option(names = "--alert-delay", defaultValue = "0s", converter = CaptureOptions.DurationConverter.class,
            description = "How long after its timestamp an alert reaches the probe (default: ${DEFAULT-VALUE}).")
    Duration alertDelay;

    @Option(names = "--speed", defaultValue = "0",
            description = "Pacing: 0 as fast as possible (default), 1 real time, 2 twice as fast ...")
    double speed;

    @Mixin
    CaptureOptions capture;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(pcap)) {
            throw CliFailure.badInput("no capture file at " + pcap);
        }
        if (eve != null && !Files.isRegularFile(eve)) {
            throw CliFailure.badInput("no eve.json at " + eve);
        }
        if (alertDelay.isNegative() || speed < 0) {
            throw CliFailure.badInput("--alert-delay and --speed cannot be negative");
        }
        AlertIntakeCounters alertCounters = new AlertIntakeCounters();
        AlertSchedule schedule = eve == null
                ? AlertSchedule.none()
                : AlertSchedule.read(eve, alertDelay, new EveAlertParser(), alertCounters);
        long started = System.nanoTime();
        OfflinePcapSource source;
        OfflinePcapSource twin; // a second reader for a resolving thread, when replaying as fast as possible
        try {
            source = speed == 0 ? OfflinePcapSource.asFastAsPossible(pcap) : OfflinePcapSource.paced(pcap, speed);
            twin = speed == 0 && Replay.resolvingAheadHelps() ? OfflinePcapSource.asFastAsPossible(pcap) : null;
        } catch (PcapFormatException e) {
            throw CliFailure.badInput(e.getMessage(), e);
        }
        try (source; twin;
                CapturePipeline pipeline = CapturePipeline.open(
                        capture.store(store), capture.flows(), capture.lookbackSettings(), alertCounters)) {
            var recovery = pipeline.store().recoveryReport();
            if (!recovery.clean()) {
                spec.commandLine().getOut().println("recovery:\n  " + String.join("\n  ", recovery.actions()));
            }
            try {
                if (twin != null) {
                    Replay.runResolvingAhead(source, twin, schedule, pipeline, 0);
                } else {
                    Replay.run(source, schedule, pipeline);
                }
            } catch (PcapFormatException e) {
                // Keep what was captured before the damage (the pipeline still seals on close).
                spec.commandLine().getErr().println("flowtrap-probe: " + e.getMessage() + " (replay stopped there)");
                schedule.deliverRemaining(pipeline.engine());
                pipeline.engine().finish();
            }
            new ReplaySummary(pipeline, schedule.size(), System.nanoTime() - started, source.reader().truncatedTail())
                    .print(spec.commandLine().getOut());
        }
        return 0;
    }

    /** What a replay did, printed as {@code key: value} lines that scripts can grep. */
    private record ReplaySummary(CapturePipeline pipeline, int alerts, long elapsedNanos, boolean truncatedTail) {
        void print(PrintWriter out) {
            var c = pipeline.engine().counters().snapshot();
            var a = pipeline.alertCounters();
            double seconds = elapsedNanos / 1e9;
            out.printf("packets: %d (%d bytes) in %.3f s, %.0f packets/s%n", c.packets(), c.bytes(), seconds,
                    c.packets() / Math.max(seconds, 1e-9));
            out.printf("unparsed: %d%n", c.unparsed());
            if (truncatedTail) {
                out.println("capture: its last record is torn (the capture was cut); replayed up to it");
            }
            out.printf("alerts: %d read, %d matched, %d duplicate, %d late, %d unknown, %d malformed, %d other events%n",
                    alerts, a.matched(), a.duplicate(), a.late(), a.unknown(), a.malformed(),
                    a.ignored());
            out.printf("flows armed: %d (look-back held the start of %d, missed %d)%n",
                    c.armedFlows(), c.lookbackHits(), c.lookbackMisses());
            out.printf("stored: %d packets, %d bytes%n", c.storedPackets(), c.storedBytes());
            var store = pipeline.store();
            if (store.writeFailures() > 0) {
                out.printf("store write failures: %d, %d packets lost%n", store.writeFailures(), store.writeLostPackets());
            }
            out.flush();
        }
    }
}
