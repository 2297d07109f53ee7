package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.extraction.FlowQueries;
import io.flowtrap.store.BackpressurePolicy;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.WriterPause;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An armed flow's look-back packets go to the store by position: the store's real writer copies
 * them from the look-back ring, which must not overwrite them first. Held still (a slow disk), the
 * writer makes a live capture give up new look-back packets (counted) and a replay wait, and the
 * armed flow is stored whole and byte-exact either way.
 */
class HeldPacketsHandOffTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final int HELD = 20;

    @TempDir
    Path dir;

    private final PacketRecord packet = new PacketRecord();
    private long ts = T0;
    private final List<byte[]> armedFrames = new ArrayList<>();
    private final List<CaptureEngine.StoredFlow> told = new ArrayList<>();

    /** A 256 KB look-back ring and the real store, whose engine tells {@link #told} of each armed flow's end. */
    private CapturePipeline pipeline(BackpressurePolicy backpressure) throws Exception {
        CapturePipeline p = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("16MB"),
                        Duration.ofHours(1), DataSize.parse("4MB")),
                new ProbeSettings.Flows(10_000, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("256KB")), new AlertIntakeCounters(), backpressure);
        p.engine().onStoredFlow(told::add);
        return p;
    }

    /** A 1,000-byte TCP frame of 10.0.0.{client}:{port} -> 192.0.2.1:80 whose payload says which packet it is. */
    private static byte[] frame(int client, int port, int seq) {
        ByteBuffer b = ByteBuffer.allocate(1000);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (b.capacity() - 14)).putInt(0).put((byte) 64).put((byte) 6)
                .putShort((short) 0);
        b.put(new byte[] {10, 0, 0, (byte) client}).put(new byte[] {(byte) 192, 0, 2, 1});
        b.putShort((short) port).putShort((short) 80).putInt(seq).putInt(1).put((byte) 0x50).put((byte) 0x10);
        while (b.hasRemaining()) {
            b.put((byte) (seq * 31 + b.position()));
        }
        return b.array();
    }

    private void send(CaptureEngine engine, int client, int port, int seq) throws Exception {
        byte[] f = frame(client, port, seq);
        ts += 1_000_000;
        packet.set(ByteBuffer.wrap(f), 0, f.length, f.length, ts, 1);
        engine.onPacket(packet);
    }

    private EveAlert alert() throws Exception {
        String time = Instant.ofEpochSecond(0, ts).toString().replace("Z", "+0000");
        return new EveAlertParser().parse("{\"timestamp\":\"" + time + "\",\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\","
                + "\"src_port\":1000,\"dest_ip\":\"192.0.2.1\",\"dest_port\":80,\"proto\":\"TCP\","
                + "\"alert\":{\"signature_id\":1,\"signature\":\"test\"}}").orElseThrow();
    }

    /** Flow 1 holds {@link #HELD} packets in the ring, then an alert arms it: they are handed over by position. */
    private EveAlert armFlowWithHeldPackets(CaptureEngine engine) throws Exception {
        for (int i = 0; i < HELD; i++) {
            send(engine, 1, 1000, i);
            armedFrames.add(frame(1, 1000, i));
        }
        EveAlert alert = alert();
        engine.onAlert(alert);
        return alert;
    }

    /** 600 KB of other flows through a 256 KB ring: it wraps onto the armed flow's records. */
    private void wrapTheRing(CaptureEngine engine) throws Exception {
        for (int i = 0; i < 600; i++) {
            send(engine, 2 + i % 50, 2000 + i % 50, 100 + i);
        }
    }

    /** The flow carved back from the store is exactly the frames sent, in order. */
    private void assertStoredWholeAndExact(CapturePipeline p, EveAlert alert) throws Exception {
        Path carved = dir.resolve("flow.pcap");
        try (OutputStream out = Files.newOutputStream(carved)) {
            ExtractionResult r = p.store().extractor().extract(FlowQueries.forAlert(alert, Duration.ofSeconds(600)), out);
            assertThat(r.outcome()).isEqualTo(ExtractionResult.Outcome.FOUND);
        }
        List<byte[]> got = new ArrayList<>();
        try (PcapFileReader reader = PcapFileReader.open(carved)) {
            PacketRecord read = new PacketRecord();
            while (reader.next(read)) {
                byte[] b = new byte[read.capturedLength()];
                read.copyTo(b, 0);
                got.add(b);
            }
        }
        assertThat(got).hasSameSizeAs(armedFrames);
        for (int i = 0; i < got.size(); i++) {
            assertThat(Arrays.equals(got.get(i), armedFrames.get(i))).as("packet %d byte-exact", i).isTrue();
        }
        assertThat(told).hasSize(1);
        assertThat(told.get(0).whole()).isTrue();
        assertThat(told.get(0).storedPackets()).isEqualTo(armedFrames.size());
    }

    @Test
    void aLiveCaptureGivesUpNewLookbackPacketsRatherThanOverwriteAChainTheWriterHasNotCopied() throws Exception {
        try (CapturePipeline p = pipeline(BackpressurePolicy.DROP)) {
            CaptureEngine engine = p.engine();
            EveAlert alert;
            WriterPause.pause(p.store());
            try {
                alert = armFlowWithHeldPackets(engine);
                wrapTheRing(engine);
            } finally {
                WriterPause.resume(p.store()); // a failure must not leave the pipeline's close waiting for it
            }
            engine.finish(); // publishes the counters once the writer has taken everything
            CaptureCounters.Snapshot c = engine.counters().snapshot();
            assertThat(c.lookbackBlocked()).as("packets the ring could not hold while the writer was behind").isPositive();
            assertThat(c.lookbackTooLarge()).isZero();
            assertThat(c.lookbackWrites() + c.lookbackBlocked()).isEqualTo(HELD + 600);
            assertThat(p.store().backlogDroppedPackets()).isZero();
            assertThat(p.store().awaitSeal(p.store().requestSeal(), 10_000_000_000L)).isTrue();
            assertStoredWholeAndExact(p, alert);
        }
    }

    @Test
    void aReplayWaitsForTheWriterInsteadOfOverwritingAChainItHasNotCopied() throws Exception {
        try (CapturePipeline p = pipeline(BackpressurePolicy.WAIT)) {
            CaptureEngine engine = p.engine();
            EveAlert alert;
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread capture = new Thread(() -> {
                try {
                    wrapTheRing(engine);
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "test-capture");
            WriterPause.pause(p.store());
            try {
                alert = armFlowWithHeldPackets(engine);
                capture.start();
                // the capture thread parks in the store until the writer has taken the chain
                while (Arrays.stream(capture.getStackTrace()).noneMatch(f -> f.getMethodName().equals("awaitTaken"))) {
                    assertThat(capture.isAlive()).as("the capture thread finished without waiting for the writer").isTrue();
                    Thread.onSpinWait();
                }
            } finally {
                WriterPause.resume(p.store());
                capture.join();
            }
            assertThat(failed.get()).isNull();
            engine.finish();
            CaptureCounters.Snapshot c = engine.counters().snapshot();
            assertThat(c.lookbackBlocked()).isZero();
            assertThat(c.lookbackWrites()).isEqualTo(HELD + 600);
            assertThat(p.store().awaitSeal(p.store().requestSeal(), 10_000_000_000L)).isTrue();
            assertStoredWholeAndExact(p, alert);
        }
    }
}
