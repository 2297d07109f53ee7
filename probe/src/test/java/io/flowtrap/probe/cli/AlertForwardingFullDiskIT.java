package io.flowtrap.probe.cli;

import io.flowtrap.store.SmallFileSystem;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.AlertSink;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.pipeline.CapturePipeline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input (issue 8, item 4): the daemon's alert path with its spool on a real 8 MB tmpfs filled
 * to the last byte. An alert still arms its flow (the real capture engine over a real flow table,
 * look-back and store), the alert the spool could not write is counted (and in the status line's
 * spool part), and once space returns the next alert is spooled and shipped to a real HTTP server on
 * loopback, with nothing restarted.
 */
@Tag("hostile-input")
class AlertForwardingFullDiskIT {
    private static final long T0 = 1_700_000_000_000_000_000L;

    @TempDir
    Path work;

    private SmallFileSystem small;
    private Path fs;
    private long ts = T0;
    private final PacketRecord packet = new PacketRecord();


    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        small = SmallFileSystem.mount(work.resolve("fs"), "8m");
        fs = small.path();
    }

    @AfterEach
    void unmount() throws Exception {
        small.close();
    }

    /** A TCP frame of client 10.0.0.{client}:{port} to 192.0.2.1:80. */
    private void send(CaptureEngine engine, int client, int port) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(100);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (b.capacity() - 14)).putInt(0).put((byte) 64).put((byte) 6)
                .putShort((short) 0);
        b.put(new byte[] {10, 0, 0, (byte) client}).put(new byte[] {(byte) 192, 0, 2, 1});
        b.putShort((short) port).putShort((short) 80).putInt(1).putInt(1).put((byte) 0x50).put((byte) 0x10);
        byte[] frame = b.array();
        ts += 1_000_000;
        packet.set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts, 1);
        engine.onPacket(packet);
    }

    private EveAlert alert(int client, int port) throws Exception {
        String time = Instant.ofEpochSecond(0, ts).toString().replace("Z", "+0000");
        return new EveAlertParser().parse("{\"timestamp\":\"" + time + "\",\"event_type\":\"alert\",\"src_ip\":\"10.0.0."
                + client + "\",\"src_port\":" + port + ",\"dest_ip\":\"192.0.2.1\",\"dest_port\":80,\"proto\":\"TCP\","
                + "\"alert\":{\"signature_id\":1,\"signature\":\"test\"}}").orElseThrow();
    }

    private static void fillUp(Path filler) {
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).containsIgnoringCase("space");
        }
    }

    @Test
    @Timeout(120)
    void hostileInputAFullSpoolDiskStillArmsEveryFlowCountsTheUnspooledAlertAndSpoolsAgainWhenSpaceReturns() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer manager = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        manager.createContext("/api/ingest/events", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                received.addAll(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")));
                byte[] answer = "{\"received\":1,\"indexed\":1,\"rejected\":[]}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        manager.start();
        Path token = Files.writeString(work.resolve("probe.token"), "k\n");
        Path yaml = Files.writeString(work.resolve("probe.yaml"), String.join("\n", "name: full-disk", "manager:",
                "  url: http://127.0.0.1:" + manager.getAddress().getPort(), "  token-file: " + token,
                "  spool-dir: " + fs.resolve("spool"), "  spool-min-free: 1MB", ""));
        ProbeSettings settings = ProbeSettings.read(yaml);
        AlertIntakeCounters counters = new AlertIntakeCounters();
        try (CapturePipeline pipeline = CapturePipeline.open(
                new ProbeSettings.Store(work.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1000, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), counters);
             AlertForwarding forwarding = AlertForwarding.start(settings)) {
            CaptureEngine engine = pipeline.engine();
            AlertSink intake = forwarding.armThenSpool(engine::submit); // what the daemon's EVE intake delivers to
            send(engine, 1, 1000);
            send(engine, 2, 2000);

            Path filler = fs.resolve("filler");
            fillUp(filler);
            intake.accept(alert(1, 1000));
            send(engine, 1, 1000); // the engine applies submitted alerts before its next packet
            assertThat(counters.matched()).as("the alert armed its flow with the spool's disk full").isEqualTo(1);
            assertThat(forwarding.unspooled()).isEqualTo(1);
            assertThat(forwarding.describe()).contains("unspooled 1");

            Files.delete(filler); // space returns
            intake.accept(alert(2, 2000));
            send(engine, 2, 2000);
            assertThat(counters.matched()).isEqualTo(2);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.stream().noneMatch(l -> l.contains("\"src_ip\":\"10.0.0.2\""))) {
                assertThat(System.nanoTime()).as("the alert spooled after space returned is shipped").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(received).noneMatch(l -> l.contains("\"src_ip\":\"10.0.0.1\""));
            assertThat(forwarding.unspooled()).as("only the alert that did not fit").isEqualTo(1);
            assertThat(forwarding.describe()).contains("unspooled 1", "dead letters 0");
        } finally {
            manager.stop(0);
        }
    }
}
