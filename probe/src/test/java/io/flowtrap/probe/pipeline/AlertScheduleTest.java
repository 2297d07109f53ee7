package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recorded eve.json moved in time ({@link AlertSchedule#shifted}) and delivered on the packet clock. */
class AlertScheduleTest {
    private static final long DELTA = Duration.ofDays(800).plusMillis(1234).plusNanos(5_000).toNanos();

    @TempDir
    Path dir;

    private static String alert(String time, int port) {
        return "{\"timestamp\":\"" + time + "\",\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\",\"src_port\":" + port
                + ",\"dest_ip\":\"192.0.2.1\",\"dest_port\":80,\"proto\":\"TCP\",\"alert\":{\"signature_id\":1,"
                + "\"signature\":\"t\"},\"flow\":{\"start\":\"" + time + "\"}}";
    }

    private AlertSchedule read(AlertIntakeCounters counters) throws Exception {
        Path eve = dir.resolve("eve.json");
        Files.write(eve, List.of(
                alert("2023-11-14T22:13:21.000002+0000", 2000),
                "{\"timestamp\":\"2023-11-14T22:13:20.5+0000\",\"event_type\":\"flow\"}",
                alert("2023-11-14T22:13:20.000001+0000", 1000)));
        return AlertSchedule.read(eve, Duration.ofSeconds(2), new EveAlertParser(), counters);
    }

    private CapturePipeline pipeline(AlertIntakeCounters counters) throws Exception {
        return CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1000, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("64KB")), counters);
    }

    @Test
    void everyAlertMovesByTheDeltaInItsJsonTooAndTheOriginalStaysAsItWas() throws Exception {
        AlertIntakeCounters counters = new AlertIntakeCounters();
        AlertSchedule original = read(counters);
        assertThat(counters.ignored()).isEqualTo(1);

        AlertSchedule shifted = original.shifted(DELTA);

        assertThat(shifted.size()).isEqualTo(2);
        List<EveAlert> before = original.alerts();
        List<EveAlert> after = shifted.alerts();
        for (int i = 0; i < 2; i++) {
            assertThat(after.get(i).timestampNanos()).isEqualTo(before.get(i).timestampNanos() + DELTA);
            assertThat(after.get(i).srcPort()).isEqualTo(before.get(i).srcPort());
        }
        assertThat(after).extracting(EveAlert::srcPort).containsExactly(1000, 2000); // still in time order
        assertThat(after.get(0).json()).contains("\"timestamp\":\"2026-01-22T22:13:21.234006+0000\"")
                .contains("\"start\":\"2026-01-22T22:13:21.234006+0000\"");
        assertThat(before.get(0).json()).contains("2023-11-14T22:13:20.000001+0000");
        assertThat(original.shifted(0).alerts()).isEqualTo(before);
    }

    @Test
    void aShiftedScheduleKeepsItsDelayAndDeliversOnTheShiftedClock() throws Exception {
        AlertIntakeCounters counters = new AlertIntakeCounters();
        AlertSchedule shifted = read(counters).shifted(DELTA);
        long first = shifted.alerts().get(0).timestampNanos();
        long dueAt = first + Duration.ofSeconds(2).toNanos() + 1_000; // delay, then the next microsecond
        try (CapturePipeline p = pipeline(counters)) {
            CaptureEngine engine = p.engine();
            shifted.deliverDue(dueAt - 1, engine);
            engine.finish(); // every alert delivered so far waited for a flow that never came: unknown
            assertThat(counters.unknown()).isZero();

            shifted.deliverDue(dueAt, engine);
            engine.finish();
            assertThat(counters.unknown()).isEqualTo(1);

            shifted.deliverDue(dueAt, engine);
            engine.finish();
            assertThat(counters.unknown()).isEqualTo(1);

            shifted.deliverRemaining(engine);
            engine.finish();
            assertThat(counters.unknown()).isEqualTo(2);
        }
    }
}
