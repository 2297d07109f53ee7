package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alerts handed to a capture thread that is not draining: the inbox fills, and what it refuses is counted. */
@Tag("hostile-input")
class CaptureEngineInboxTest {
    @TempDir
    Path dir;

    @Test
    void anAlertRefusedByAFullInboxIsCountedAndTheRestAreApplied() throws Exception {
        AlertIntakeCounters counters = new AlertIntakeCounters();
        EveAlert alert = new EveAlertParser().parse("{\"timestamp\":\"2025-01-02T03:04:05.123456+0000\","
                + "\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\",\"src_port\":1234,\"dest_ip\":\"10.0.0.2\","
                + "\"dest_port\":80,\"proto\":\"TCP\",\"alert\":{\"signature_id\":1,\"signature\":\"t\"}}").orElseThrow();
        try (CapturePipeline pipeline = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1000, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), counters)) {
            CaptureEngine engine = pipeline.engine();
            for (int i = 0; i < CaptureEngine.INBOX_CAPACITY; i++) {
                assertThat(engine.submit(alert)).isTrue();
            }
            assertThat(engine.submit(alert)).isFalse();
            assertThat(engine.submit(alert)).isFalse();
            assertThat(counters.inboxFull()).isEqualTo(2);
            assertThat(counters.lost()).isEqualTo(2);

            engine.finish(); // drains the inbox: every queued alert gets an outcome (no flow: unknown)
            assertThat(counters.unknown() + counters.late() + counters.matched() + counters.duplicate())
                    .isEqualTo(CaptureEngine.INBOX_CAPACITY);
            assertThat(engine.submit(alert)).isTrue(); // room again
            assertThat(counters.inboxFull()).isEqualTo(2);
        }
    }
}
