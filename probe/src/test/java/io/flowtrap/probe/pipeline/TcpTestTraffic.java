package io.flowtrap.probe.pipeline;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Tests' TCP traffic on a clock of their own: client {@code 10.0.0.<client>}:40000 and server
 * 192.0.2.1:80, one flow per client; each packet sent is 1 ms after the last, and an alert names a
 * client's flow at the current time. Also the small real pipeline (1 MB look-back, 1 MB segments,
 * 1,000 flows) these tests run it through.
 */
final class TcpTestTraffic {
    static final long T0 = 1_700_000_000_000_000_000L;
    private static final long MILLISECOND = 1_000_000L;

    private final PacketRecord packet = new PacketRecord();
    private long ts = T0;

    /** A pipeline with a 1 MB look-back, 1 MB segments in a 1 GB store under {@code dir}, and 1,000 flows. */
    static CapturePipeline smallPipeline(Path dir, AlertIntakeCounters alerts) throws IOException {
        return CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1000, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), alerts);
    }

    /** The current time, ns since the epoch. */
    long now() {
        return ts;
    }

    /** Moves the clock on by {@code nanos}. */
    void advance(long nanos) {
        ts += nanos;
    }

    /** A packet of {@code client}'s flow, {@code size} bytes (at least 54), at the current time; a new record each call. */
    PacketRecord frame(int client, boolean fromClient, int size) {
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

    /** Sends a 60-byte packet of {@code client}'s flow to {@code engine}, 1 ms after the last. */
    void send(CaptureEngine engine, int client, boolean fromClient) throws IOException {
        ts += MILLISECOND;
        PacketRecord r = frame(client, fromClient, 60);
        packet.set(r.buffer(), 0, r.capturedLength(), r.wireLength(), ts, 1);
        engine.onPacket(packet);
    }

    /** Suricata's alert on {@code client}'s flow, at the current time. */
    EveAlert alert(int client) throws Exception {
        String time = Instant.ofEpochSecond(0, ts).toString().replace("Z", "+0000");
        return new EveAlertParser().parse("{\"timestamp\":\"" + time + "\",\"event_type\":\"alert\",\"src_ip\":\"10.0.0."
                + client + "\",\"src_port\":40000,\"dest_ip\":\"192.0.2.1\",\"dest_port\":80,\"proto\":\"TCP\","
                + "\"alert\":{\"signature_id\":1,\"signature\":\"test\"}}").orElseThrow();
    }
}
