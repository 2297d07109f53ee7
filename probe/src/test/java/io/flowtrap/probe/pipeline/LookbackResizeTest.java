package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.lookback.LookbackRing;
import java.nio.file.Path;
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
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    private final TcpTestTraffic traffic = new TcpTestTraffic();

    @Test
    void theNewRingIsTakenUpAtHousekeepingAndWaitingFlowsLoseWhatTheOldHeld() throws Exception {
        AlertIntakeCounters alerts = new AlertIntakeCounters();
        try (CapturePipeline p = TcpTestTraffic.smallPipeline(dir, alerts)) {
            CaptureEngine engine = p.engine();
            for (int i = 0; i < 5; i++) {
                traffic.send(engine, 1, i % 2 == 0); // flow 1 waits for an alert, its 5 packets in the ring
            }
            CompletableFuture<Void> done = engine.useLookback(new LookbackRing(2L << 20, p.flows()::waitingForAlert));
            assertThat(done).isNotDone(); // the capture thread has not had its housekeeping yet
            traffic.advance(2 * SECOND);
            traffic.send(engine, 1, true); // housekeeping first: the new ring is in use before this packet
            assertThat(done).isCompleted();
            for (int i = 0; i < 4; i++) {
                traffic.send(engine, 2, i % 2 == 0); // flow 2 starts in the new ring
            }
            engine.onAlert(traffic.alert(1));
            engine.onAlert(traffic.alert(2));
            traffic.send(engine, 1, false);
            traffic.send(engine, 2, false);
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
            old.append(traffic.frame(1, true, 100 + i % 700), -1);
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
            traffic.advance(1000);
            PacketRecord r = traffic.frame(f, true, 60 + random.nextInt(1400));
            heads[f] = ring.append(r, heads[f]);
            sent.get(f).add(traffic.now());
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
}
