package io.flowtrap.probe.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.extraction.FlowQueries;
import io.flowtrap.probe.pipeline.AlertSchedule;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.pipeline.Replay;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.PcapStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real store made the way {@code flowtrap-probe replay} makes one: ops/demo-data/demo.pcap replayed
 * in-process with the alerts Suricata raised on it (demo-eve.json), then sealed.
 */
final class DemoStore {
    static final Path DEMO = repoRoot().resolve("ops/demo-data");

    final Path dir;
    final List<EveAlert> alerts;

    private DemoStore(Path dir, List<EveAlert> alerts) {
        this.dir = dir;
        this.alerts = alerts;
    }

    static DemoStore replay(Path dir) throws IOException {
        AlertIntakeCounters counters = new AlertIntakeCounters();
        AlertSchedule schedule = AlertSchedule.read(DEMO.resolve("demo-eve.json"), Duration.ZERO, new EveAlertParser(), counters);
        try (OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(DEMO.resolve("demo.pcap"));
                CapturePipeline pipeline = CapturePipeline.open(
                        new ProbeSettings.Store(dir, DataSize.parse("1GB"), DataSize.parse("64MB"), Duration.ofHours(1)),
                        new ProbeSettings.Flows(0, null, null, null, null, null, null),
                        new ProbeSettings.Lookback(DataSize.parse("16MB")), counters)) {
            Replay.run(source, schedule, pipeline);
            assertThat(pipeline.engine().counters().snapshot().storedPackets()).as("packets stored").isPositive();
        }
        return new DemoStore(dir, schedule.alerts());
    }

    /** The first alert whose flow the store holds. */
    EveAlert storedAlert(PcapStore store) throws IOException {
        for (EveAlert a : alerts) {
            if (a.communityId() != null && store.extractor().extract(FlowQueries.forAlert(a, java.time.Duration.ofSeconds(600)),
                    java.io.OutputStream.nullOutputStream()).outcome() == ExtractionResult.Outcome.FOUND) {
                return a;
            }
        }
        throw new AssertionError("no alerted flow in the demo store");
    }

    /** What the store's extractor writes for an alert's flow: the oracle a carve must equal. */
    static byte[] extract(PcapStore store, EveAlert alert) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExtractionResult r = store.extractor().extract(FlowQueries.forAlert(alert, java.time.Duration.ofSeconds(600)), out);
        assertThat(r.outcome()).isEqualTo(ExtractionResult.Outcome.FOUND);
        return out.toByteArray();
    }

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("ops/demo-data"))) {
                return p;
            }
        }
        throw new IllegalStateException("no ops/demo-data above " + Path.of("").toAbsolutePath());
    }
}
