package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.extraction.FlowQueries;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.BackpressurePolicy;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.WriterPause;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine over a real flow table, look-back ring and store: arming, dedup, look-back misses, early and late alerts. */
class CaptureEngineTest {
    private static final long T0 = 1_700_000_000_000_000_000L;

    @TempDir
    Path dir;

    private final PacketRecord packet = new PacketRecord();
    private long ts = T0;

    private CapturePipeline pipeline(String lookback, Duration tcpClosed) throws Exception {
        return CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1000, null, null, tcpClosed, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse(lookback)), new AlertIntakeCounters());
    }

    /** A TCP frame of client 10.0.0.{client}:{port} <-> 192.0.2.1:80. */
    private void send(CaptureEngine engine, int client, int port, boolean fromClient, int flags, int size) throws Exception {
        byte[] frame = frame(client, port, fromClient, flags, size);
        ts += 1_000_000;
        packet.set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts, 1);
        engine.onPacket(packet);
    }

    private static byte[] frame(int client, int port, boolean fromClient, int flags, int size) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(size, 54));
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (b.capacity() - 14)).putInt(0).put((byte) 64).put((byte) 6)
                .putShort((short) 0);
        byte[] c = {10, 0, 0, (byte) client};
        byte[] s = {(byte) 192, 0, 2, 1};
        b.put(fromClient ? c : s).put(fromClient ? s : c);
        b.putShort((short) (fromClient ? port : 80)).putShort((short) (fromClient ? 80 : port)).putInt(1).putInt(1)
                .put((byte) 0x50).put((byte) flags);
        return b.array();
    }

    /** The Community ID of a test flow, computed from one of its frames. */
    private static String communityId(int client, int port) {
        byte[] f = frame(client, port, true, 0x10, 60);
        FlowResolver resolver = new FlowResolver();
        resolver.resolve(new PacketRecord().set(ByteBuffer.wrap(f), 0, f.length, f.length, 0, 1), new byte[FlowKey.SIZE], 0);
        byte[] digest = new byte[20];
        resolver.communityId(digest, 0);
        return CommunityId.format(digest, 0);
    }

    private EveAlert alert(int client, int port) throws Exception {
        return alert(client, port, false);
    }

    private EveAlert alert(int client, int port, boolean withCommunityId) throws Exception {
        String time = Instant.ofEpochSecond(0, ts).toString().replace("Z", "+0000");
        String cid = withCommunityId ? "\"community_id\":\"" + communityId(client, port) + "\"," : "";
        return new EveAlertParser().parse("{\"timestamp\":\"" + time + "\",\"event_type\":\"alert\"," + cid + "\"src_ip\":\"10.0.0."
                + client + "\",\"src_port\":" + port + ",\"dest_ip\":\"192.0.2.1\",\"dest_port\":80,\"proto\":\"TCP\","
                + "\"alert\":{\"signature_id\":1,\"signature\":\"test\"}}").orElseThrow();
    }

    private static long stored(CapturePipeline p) {
        return p.engine().counters().snapshot().storedPackets();
    }

    @Test
    @Tag("hostile-input")
    void withMonotonicTimersABackwardStepOfTheWallClockHoldsNoFlowOpen() throws Exception {
        long hour = 3_600_000_000_000L;
        try (CapturePipeline p = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1000, Duration.ofMillis(200), null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), new AlertIntakeCounters())) {
            CaptureEngine engine = p.engine();
            engine.useMonotonicTimers();
            long wall = System.currentTimeMillis() * 1_000_000L;
            byte[] a = frame(1, 40000, true, 0x02, 60);
            engine.onPacket(packet.set(ByteBuffer.wrap(a), 0, a.length, a.length, wall, 1));
            // The wall clock goes back an hour: packets, and what idle() is told, are stamped an hour earlier.
            byte[] b = frame(2, 40000, true, 0x02, 60);
            engine.onPacket(packet.set(ByteBuffer.wrap(b), 0, b.length, b.length, wall - hour, 1));
            long giveUp = System.nanoTime() + 30_000_000_000L;
            while (p.flows().ended(io.flowtrap.probe.flow.FlowEndReason.IDLE_TIMEOUT) < 2 && System.nanoTime() < giveUp) {
                engine.idle(System.currentTimeMillis() * 1_000_000L - hour);
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L); // polls what the engine did
            }
            assertThat(p.flows().ended(io.flowtrap.probe.flow.FlowEndReason.IDLE_TIMEOUT))
                    .as("both flows ended by their 200 ms timeout, on the monotonic clock").isEqualTo(2);
            assertThat(engine.clockNanos() - wall).as("the timer clock kept going forward").isPositive()
                    .isLessThan(hour);
        }
    }

    @Test
    void aFlowIsStoredOnceFromItsStartHoweverManyAlertsNameIt() throws Exception {
        try (CapturePipeline p = pipeline("1MB", Duration.ofSeconds(60))) {
            CaptureEngine e = p.engine();
            for (int i = 0; i < 5; i++) {
                send(e, 1, 1000, i % 2 == 0, 0x10, 100);
                send(e, 2, 2000, true, 0x10, 100); // never alerted
            }
            e.onAlert(alert(1, 1000, true)); // matched by Community ID
            send(e, 1, 1000, true, 0x10, 100);
            e.onAlert(alert(1, 1000)); // by 5-tuple
            send(e, 1, 1000, false, 0x10, 100);
            e.submit(alert(1, 1000)); // from another thread's point of view: applied before the next packet
            send(e, 2, 2000, true, 0x10, 100);
            e.finish();
            assertThat(stored(p)).isEqualTo(7);
            assertThat(p.alertCounters().matched()).isEqualTo(1);
            assertThat(p.alertCounters().duplicate()).isEqualTo(2);
            assertThat(p.engine().counters().snapshot().lookbackHits()).isEqualTo(1);
        }
        try (PcapStore s = PcapStore.openReadOnly(dir.resolve("store"))) {
            assertThat(s.status().packets()).isEqualTo(7);
        }
    }

    @Test
    void eachAlertedFlowThatEndsIsToldWithWhatTheStoreHoldsOfIt() throws Exception {
        List<CaptureEngine.StoredFlow> told = new ArrayList<>();
        try (CapturePipeline p = pipeline("1MB", Duration.ofSeconds(60))) {
            CaptureEngine e = p.engine();
            e.onStoredFlow(told::add);
            for (int i = 0; i < 4; i++) {
                send(e, 1, 1000, i % 2 == 0, 0x10, 100);
                send(e, 2, 2000, true, 0x10, 100); // never alerted: never told
            }
            e.onAlert(alert(1, 1000, true));
            send(e, 1, 1000, true, 0x10, 100);
            send(e, 1, 1000, false, 0x10, 80);
            assertThat(told).isEmpty(); // still open
            e.finish();
        }
        assertThat(told).singleElement().satisfies(f -> {
            assertThat(f.communityId()).isEqualTo(communityId(1, 1000));
            assertThat(f.storedPackets()).isEqualTo(6);
            assertThat(f.flowPackets()).isEqualTo(6);
            assertThat(f.storedBytes()).isEqualTo(5 * 100 + 80);
            assertThat(f.fromFlowStart()).isTrue();
            assertThat(f.firstStoredNanos()).isEqualTo(T0 + 1_000_000);
            assertThat(f.lastSeenNanos()).isEqualTo(T0 + 10 * 1_000_000);
        });
    }

    @Test
    void aFlowWhoseStartLeftTheRingIsStoredFromWhatIsHeldAndCountedAsAMiss() throws Exception {
        try (CapturePipeline p = pipeline("64KB", Duration.ofSeconds(60))) {
            CaptureEngine e = p.engine();
            send(e, 1, 1000, true, 0x02, 100);
            send(e, 1, 1000, false, 0x12, 100);
            for (int i = 0; i < 200; i++) {
                send(e, 3, 3000 + i, true, 0x10, 1000); // pushes flow 1's start out of the ring
            }
            send(e, 1, 1000, true, 0x10, 100);
            e.onAlert(alert(1, 1000));
            send(e, 1, 1000, true, 0x10, 100);
            e.finish();
            assertThat(stored(p)).isEqualTo(2);
            assertThat(p.engine().counters().snapshot().lookbackMisses()).isEqualTo(1);
        }
    }

    @Test
    void aPacketTooLargeForTheRingBreaksTheFlowsChainAndArmingCountsAMiss() throws Exception {
        try (CapturePipeline p = pipeline("64KB", Duration.ofSeconds(60))) {
            CaptureEngine e = p.engine();
            send(e, 1, 1000, true, 0x02, 100);
            send(e, 1, 1000, true, 0x10, 20_000); // over a quarter of the ring: not held
            send(e, 1, 1000, true, 0x10, 100);
            e.onAlert(alert(1, 1000));
            e.finish();
            assertThat(p.engine().counters().snapshot().lookbackTooLarge()).isEqualTo(1);
            assertThat(p.engine().counters().snapshot().lookbackMisses()).isEqualTo(1);
            assertThat(p.engine().counters().snapshot().lookbackHits()).isZero();
            assertThat(stored(p)).isEqualTo(1); // only what followed the refused packet
        }
    }

    @Test
    void anAlertAheadOfItsFlowWaitsForItAndOneForANeverSeenFlowEndsUnknown() throws Exception {
        try (CapturePipeline p = pipeline("1MB", Duration.ofSeconds(60))) {
            CaptureEngine e = p.engine();
            send(e, 9, 9000, true, 0x10, 100); // starts the clock
            e.onAlert(alert(1, 1000));
            e.onAlert(alert(7, 7000));
            for (int i = 0; i < 4; i++) {
                send(e, 1, 1000, i % 2 == 0, 0x10, 100);
            }
            e.finish();
            assertThat(stored(p)).isEqualTo(4);
            assertThat(p.engine().counters().snapshot().lookbackHits()).isEqualTo(1);
            assertThat(p.alertCounters().matched()).isEqualTo(1);
            assertThat(p.alertCounters().unknown()).isEqualTo(1);
        }
    }

    @Test
    void anAlertAfterItsFlowEndedIsLate() throws Exception {
        try (CapturePipeline p = pipeline("1MB", Duration.ZERO)) {
            CaptureEngine e = p.engine();
            send(e, 1, 1000, true, 0x04, 100); // RST: closed at once
            for (int i = 0; i < 3; i++) {
                ts += 2_000_000_000L; // housekeeping runs once per second of packet time
                send(e, 2, 2000, true, 0x10, 100);
            }
            e.onAlert(alert(1, 1000, true));
            e.finish();
            assertThat(p.alertCounters().late()).isEqualTo(1);
            assertThat(p.alertCounters().unknown()).isZero();
            assertThat(stored(p)).isZero();
        }
    }

    @Test
    void aSealRequestedFromTheApiIsServedByTheStoresWriterWithoutTheCaptureThread() throws Exception {
        try (CapturePipeline p = pipeline("1MB", Duration.ofSeconds(60))) {
            CaptureEngine e = p.engine();
            PcapStore store = p.store();
            for (int i = 0; i < 4; i++) {
                send(e, 1, 1000, i % 2 == 0, 0x10, 100);
            }
            EveAlert alert = alert(1, 1000, true);
            e.onAlert(alert);
            send(e, 1, 1000, true, 0x10, 100);
            store.flush(); // the writer has written them: they are in the active segment
            assertThat(store.status().activePackets()).isEqualTo(5);
            ByteArrayOutputStream before = new ByteArrayOutputStream();
            assertThat(store.extractor().extract(FlowQueries.forAlert(alert, java.time.Duration.ofSeconds(600)), before).outcome())
                    .isNotEqualTo(ExtractionResult.Outcome.FOUND); // the active segment is not readable yet

            // the capture thread is not called again: the store's writer serves the request on its own
            long ticket = store.requestSeal();
            assertThat(store.awaitSeal(ticket, 10_000_000_000L)).isTrue();

            assertThat(store.status().activePackets()).isZero();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ExtractionResult r = store.extractor().extract(FlowQueries.forAlert(alert, java.time.Duration.ofSeconds(600)), out);
            assertThat(r.outcome()).isEqualTo(ExtractionResult.Outcome.FOUND);
            assertThat(r.packets()).isEqualTo(5);
            assertThat(out.size()).isPositive();

            long next = store.requestSeal();
            assertThat(next).isGreaterThan(ticket);
            // nothing new was written: sealing with no active segment is harmless and makes none
            assertThat(store.awaitSeal(next, 10_000_000_000L)).isTrue();
            assertThat(store.awaitSeal(ticket, 0)).as("an earlier ticket stays served").isTrue();
            assertThat(store.status().segments()).hasSize(1);
        }
    }

    @Test
    void aFlowThatLostPacketsToTheStoreBacklogIsNotToldAsWholeAndItsCountsStayTrue() throws Exception {
        List<CaptureEngine.StoredFlow> told = new ArrayList<>();
        long taken;
        // A live store (DROP) with a hand-off of ~530 KB; its real writer is held still, so the
        // hand-off fills exactly as it would behind a slow disk.
        try (CapturePipeline p = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"),
                        Duration.ofHours(1), new DataSize(530_000)),
                new ProbeSettings.Flows(1000, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), new AlertIntakeCounters(), BackpressurePolicy.DROP)) {
            CaptureEngine e = p.engine();
            PcapStore store = p.store();
            e.onStoredFlow(told::add);
            WriterPause.pause(store);
            for (int i = 0; i < 40; i++) {
                if (i < 4) {
                    send(e, 1, 1000, i % 2 == 0, 0x10, 100);
                }
                send(e, 2, 2000, i % 2 == 0, 0x10, 100);
            }
            e.onAlert(alert(1, 1000, true)); // its 4 held packets go to the store first
            for (int i = 0; i < 3000; i++) {
                send(e, 1, 1000, true, 0x10, 100); // more than the hand-off holds
            }
            // its start meets a full hand-off: the 40 positions (a 408-byte record) do not fit in what a
            // 192-byte packet record left
            e.onAlert(alert(2, 2000, true));
            assertThat(store.backlogDroppedPackets()).isPositive();
            taken = stored(p);
            WriterPause.resume(store);
            e.finish();
            assertThat(stored(p) + store.backlogDroppedPackets()).isEqualTo(3004 + 40);
        }
        assertThat(told).hasSize(2);
        CaptureEngine.StoredFlow one = told.stream().filter(f -> f.communityId().equals(communityId(1, 1000))).findFirst()
                .orElseThrow();
        CaptureEngine.StoredFlow two = told.stream().filter(f -> f.communityId().equals(communityId(2, 2000))).findFirst()
                .orElseThrow();
        assertThat(one.fromFlowStart()).as("its start was taken").isTrue();
        assertThat(one.backlogLostPackets()).isPositive();
        assertThat(one.storedPackets() + one.backlogLostPackets()).isEqualTo(one.flowPackets()).isEqualTo(3004);
        assertThat(one.whole()).isFalse();
        assertThat(two.storedPackets()).isZero();
        assertThat(two.backlogLostPackets()).isEqualTo(40);
        assertThat(two.fromFlowStart()).as("its first packet was lost").isFalse();
        assertThat(two.whole()).isFalse();
        try (PcapStore s = PcapStore.openReadOnly(dir.resolve("store"))) {
            assertThat(s.status().packets()).as("the store holds what the engine says it took").isEqualTo(taken);
        }
    }
}
