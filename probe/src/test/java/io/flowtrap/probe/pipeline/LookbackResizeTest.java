package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.lookback.LookbackRing;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new look-back size on a running engine: the new ring goes on from the old one's positions, so
 * flows waiting lose what the old ring held (counted) and are stored from their next packet if
 * alerted; flows that start after it are stored whole; chains stay right across many wraps of the
 * new ring, which starts at a position that is not 0.
 */
class LookbackResizeTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    private final PacketRecord packet = new PacketRecord();
    private long ts = T0;

    @Test
    void theNewRingIsTakenUpAtHousekeepingAndWaitingFlowsLoseWhatTheOldHeld() throws Exception {
        AlertIntakeCounters alerts = new AlertIntakeCounters();
        try (CapturePipeline p = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1000, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), alerts)) {
            CaptureEngine engine = p.engine();
            for (int i = 0; i < 5; i++) {
                send(engine, 1, i % 2 == 0); // flow 1 waits for an alert, its 5 packets in the ring
            }
            CompletableFuture<Void> done = engine.useLookback(new LookbackRing(2L << 20, p.flows()::waitingForAlert));
            assertThat(done).isNotDone(); // the capture thread has not had its housekeeping yet
            ts += 2 * SECOND;
            send(engine, 1, true); // housekeeping first: the new ring is in use before this packet
            assertThat(done).isCompleted();
            for (int i = 0; i < 4; i++) {
                send(engine, 2, i % 2 == 0); // flow 2 starts in the new ring
            }
            engine.onAlert(alert(1));
            engine.onAlert(alert(2));
            send(engine, 1, false);
            send(engine, 2, false);
            engine.finish();
            CaptureCounters.Snapshot c = engine.counters().snapshot();
            assertThat(c.lookbackEvictedWaiting()).as("flow 1's 5 packets in the old ring").isEqualTo(5);
            assertThat(c.lookbackMisses()).as("flow 1: its start is gone").isEqualTo(1);
            assertThat(c.lookbackHits()).as("flow 2: whole").isEqualTo(1);
            // flow 1: its packet after the swap (held in the new ring, chain cut) and the one after the alert;
            // flow 2: its 4 packets from the new ring and the one after the alert
            assertThat(c.storedPackets()).isEqualTo(2 + 5);
        }
    }

    @Test
    void chainsStayRightAcrossManyWrapsOfARingThatStartsMidway() {
        LookbackRing old = new LookbackRing(64 * 1024);
        for (int i = 0; i < 1000; i++) {
            old.append(frame(1, true, 100 + i % 700), -1);
        }
        LookbackRing ring = new LookbackRing(96 * 1024);
        ring.continueFrom(old);
        assertThat(ring.appended()).isEqualTo(1000);
        int flows = 5;
        long[] heads = new long[flows];
        java.util.Arrays.fill(heads, -1);
        List<List<Long>> sent = new ArrayList<>();
        for (int f = 0; f < flows; f++) {
            sent.add(new ArrayList<>());
        }
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 20_000; i++) {
            int f = random.nextInt(flows);
            ts += 1000;
            PacketRecord r = frame(f, true, 60 + random.nextInt(1400));
            heads[f] = ring.append(r, heads[f]);
            sent.get(f).add(ts);
        }
        long[] scratch = new long[ring.maxRecords()];
        PacketRecord read = new PacketRecord();
        for (int f = 0; f < flows; f++) {
            int n = ring.collectChain(heads[f], scratch);
            assertThat(n).isPositive();
            List<Long> expected = sent.get(f).subList(sent.get(f).size() - n, sent.get(f).size());
            for (int i = 0; i < n; i++) {
                ring.read(scratch[i], read);
                assertThat(read.timestampNanos()).as("flow %d record %d", f, i).isEqualTo(expected.get(i));
            }
            assertThat(ring.lastChainComplete()).as("20,000 packets went through 96 KB: every flow's start is gone").isFalse();
        }
    }

    private PacketRecord frame(int client, boolean fromClient, int size) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(size, 54));
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (b.capacity() - 14)).putInt(0).put((byte) 64).put((byte) 6)
                .putShort((short) 0);
        byte[] c = {10, 0, 0, (byte) client};
        byte[] s = {(byte) 192, 0, 2, 1};
        b.put(fromClient ? c : s).put(fromClient ? s : c);
        b.putShort((short) (fromClient ? 40000 : 80)).putShort((short) (fromClient ? 80 : 40000)).putInt(1).putInt(1)
                .put((byte) 0x50).put((byte) 0x10);
        byte[] frame = b.array();
        return new PacketRecord().set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts, 1);
    }

    private void send(CaptureEngine engine, int client, boolean fromClient) throws Exception {
        ts += 1_000_000;
        PacketRecord r = frame(client, fromClient, 60);
        packet.set(r.buffer(), 0, r.capturedLength(), r.wireLength(), ts, 1);
        engine.onPacket(packet);
    }

    private io.flowtrap.probe.alert.EveAlert alert(int client) throws Exception {
        String time = Instant.ofEpochSecond(0, ts).toString().replace("Z", "+0000");
        return new EveAlertParser().parse("{\"timestamp\":\"" + time + "\",\"event_type\":\"alert\",\"src_ip\":\"10.0.0."
                + client + "\",\"src_port\":40000,\"dest_ip\":\"192.0.2.1\",\"dest_port\":80,\"proto\":\"TCP\","
                + "\"alert\":{\"signature_id\":1,\"signature\":\"test\"}}").orElseThrow();
    }
}
