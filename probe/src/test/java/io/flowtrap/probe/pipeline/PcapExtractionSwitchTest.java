package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Activate pcap extraction on alerts" off, on the real engine, flow table, look-back and store:
 * alerts (and alerts waiting for their flow) arm nothing and are counted as unarmed, nothing is
 * stored; a flow armed before goes on being stored; switched on again, the next alert arms.
 */
class PcapExtractionSwitchTest {
    private static final long T0 = 1_700_000_000_000_000_000L;

    @TempDir
    Path dir;

    private final PacketRecord packet = new PacketRecord();
    private long ts = T0;

    @Test
    void offAlertsArmNothingAndAreCountedOnAgainTheyArm() throws Exception {
        AlertIntakeCounters alerts = new AlertIntakeCounters();
        try (CapturePipeline p = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1000, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), alerts)) {
            CaptureEngine engine = p.engine();
            // flow 1 armed while on: it goes on being stored after the switch
            send(engine, 1, true);
            engine.onAlert(alert(1));
            assertThat(stored(p)).isEqualTo(1);

            engine.pcapExtractionOnAlerts(false);
            send(engine, 2, true);
            send(engine, 2, false);
            engine.onAlert(alert(2)); // a live flow
            engine.onAlert(alert(3)); // a flow not seen yet: would wait for it
            send(engine, 3, true);
            send(engine, 2, true);
            send(engine, 1, false);
            assertThat(alerts.unarmed()).isEqualTo(2);
            assertThat(alerts.matched()).isEqualTo(1);
            assertThat(stored(p)).as("only flow 1, armed before: its first and its later packet").isEqualTo(2);
            engine.finish();
            assertThat(p.engine().counters().snapshot().armedFlows()).isEqualTo(1);

            engine.pcapExtractionOnAlerts(true);
            send(engine, 4, true);
            send(engine, 4, false);
            engine.onAlert(alert(4));
            engine.finish();
            assertThat(stored(p)).isEqualTo(4);
            assertThat(alerts.matched()).isEqualTo(2);
            assertThat(alerts.unarmed()).isEqualTo(2);
        }
    }

    @Test
    void anAlertWaitingForItsFlowWhenTheSwitchGoesOffArmsNothing() throws Exception {
        AlertIntakeCounters alerts = new AlertIntakeCounters();
        try (CapturePipeline p = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1000, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), alerts)) {
            CaptureEngine engine = p.engine();
            send(engine, 9, true); // the engine's clock starts with its first packet
            engine.onAlert(alert(5)); // before its flow: waits
            engine.pcapExtractionOnAlerts(false);
            send(engine, 5, true);
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

    private void send(CaptureEngine engine, int client, boolean fromClient) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 46).putInt(0).put((byte) 64).put((byte) 6).putShort((short) 0);
        byte[] c = {10, 0, 0, (byte) client};
        byte[] s = {(byte) 192, 0, 2, 1};
        b.put(fromClient ? c : s).put(fromClient ? s : c);
        b.putShort((short) (fromClient ? 40000 : 80)).putShort((short) (fromClient ? 80 : 40000)).putInt(1).putInt(1)
                .put((byte) 0x50).put((byte) 0x10);
        byte[] frame = b.array();
        ts += 1_000_000;
        packet.set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts, 1);
        engine.onPacket(packet);
    }

    private EveAlert alert(int client) throws Exception {
        String time = Instant.ofEpochSecond(0, ts).toString().replace("Z", "+0000");
        return new EveAlertParser().parse("{\"timestamp\":\"" + time + "\",\"event_type\":\"alert\",\"src_ip\":\"10.0.0."
                + client + "\",\"src_port\":40000,\"dest_ip\":\"192.0.2.1\",\"dest_port\":80,\"proto\":\"TCP\","
                + "\"alert\":{\"signature_id\":1,\"signature\":\"test\"}}").orElseThrow();
    }
}
