package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.AlertIntakeCounters;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Activate pcap extraction on alerts" off, on the real engine, flow table, look-back and store:
 * alerts (and alerts waiting for their flow) arm nothing and are counted as unarmed, nothing is
 * stored; a flow armed before goes on being stored; switched on again, the next alert arms.
 */
class PcapExtractionSwitchTest {
    @TempDir
    Path dir;

    private final TcpTestTraffic traffic = new TcpTestTraffic();

    @Test
    void offAlertsArmNothingAndAreCountedOnAgainTheyArm() throws Exception {
        AlertIntakeCounters alerts = new AlertIntakeCounters();
        try (CapturePipeline p = TcpTestTraffic.smallPipeline(dir, alerts)) {
            CaptureEngine engine = p.engine();
            // flow 1 armed while on: it goes on being stored after the switch
            traffic.send(engine, 1, true);
            engine.onAlert(traffic.alert(1));
            assertThat(stored(p)).isEqualTo(1);

            engine.pcapExtractionOnAlerts(false);
            traffic.send(engine, 2, true);
            traffic.send(engine, 2, false);
            engine.onAlert(traffic.alert(2)); // a live flow
            engine.onAlert(traffic.alert(3)); // a flow not seen yet: would wait for it
            traffic.send(engine, 3, true);
            traffic.send(engine, 2, true);
            traffic.send(engine, 1, false);
            assertThat(alerts.unarmed()).isEqualTo(2);
            assertThat(alerts.matched()).isEqualTo(1);
            assertThat(stored(p)).as("only flow 1, armed before: its first and its later packet").isEqualTo(2);
            engine.finish();
            assertThat(p.engine().counters().snapshot().armedFlows()).isEqualTo(1);

            engine.pcapExtractionOnAlerts(true);
            traffic.send(engine, 4, true);
            traffic.send(engine, 4, false);
            engine.onAlert(traffic.alert(4));
            engine.finish();
            assertThat(stored(p)).isEqualTo(4);
            assertThat(alerts.matched()).isEqualTo(2);
            assertThat(alerts.unarmed()).isEqualTo(2);
        }
    }

    @Test
    void anAlertWaitingForItsFlowWhenTheSwitchGoesOffArmsNothing() throws Exception {
        AlertIntakeCounters alerts = new AlertIntakeCounters();
        try (CapturePipeline p = TcpTestTraffic.smallPipeline(dir, alerts)) {
            CaptureEngine engine = p.engine();
            traffic.send(engine, 9, true); // the engine's clock starts with its first packet
            engine.onAlert(traffic.alert(5)); // before its flow: waits
            engine.pcapExtractionOnAlerts(false);
            traffic.send(engine, 5, true);
            engine.finish();
            assertThat(stored(p)).isZero();
            assertThat(alerts.unarmed()).isEqualTo(1);
            assertThat(alerts.unknown()).isZero();
        }
    }

    /** What the store holds, once its writer has written everything handed to it. */
    private static long stored(CapturePipeline p) throws Exception {
        p.store().flush();
        return p.store().status().packets();
    }
}
