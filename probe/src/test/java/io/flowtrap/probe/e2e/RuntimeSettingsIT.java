package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe daemon's run-time settings, end to end: {@code flowtrap-probe run} capturing live (with
 * each engine: the kernel's ring, libpcap) on a veth pair in a network namespace of its own, its alerts from a tailed eve.json
 * the test writes, its spool shipping to a manager stand-in (a real HTTP server in the namespace),
 * its API over HTTP in the namespace. Through {@code PUT /api/v1/settings}: with pcap extraction
 * off an alerted flow is not stored though its alert still reaches the manager, on again the next
 * one is; a BPF filter libpcap refuses gets 400 and changes nothing, one it takes is in force at
 * once (its packets are no longer captured); a larger look-back ring is swapped in live and the next
 * alerted flow is stored whole from it; a lower store size deletes segments at once; a stale
 * version gets 409; and after a restart the probe runs with the saved settings and says so. A
 * watchlist added through {@code POST /api/v1/triggers} arms the flow of a listed address without
 * an alert (and not the others), and is in force again after a restart.
 *
 * <p>No sleeps: each step waits for what the probe reports (its metrics, its store status, its
 * log, what the manager stand-in received).
 */
class RuntimeSettingsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "5e77165e77165e77165e77165e77165e77165e77";
    private static final Pattern API = Pattern.compile("flowtrap-probe: api http://127\\.0\\.0\\.1:(\\d+)");
    private static final int SEGMENT = 64 * 1024;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failure leaves probe.err to read
    Path work;

    private TestNetwork net;
    private int port;
    private final List<JsonNode> shipped = new CopyOnWriteArrayList<>();

    @ParameterizedTest(name = "capture.engine: {0}")
    @ValueSource(strings = {"ring", "pcap"})
    void settingsChangeARunningProbeAndSurviveItsRestart(String engine) throws Exception {
        Process probe = null;
        HttpServer manager = null;
        try (TestNetwork network = TestNetwork.create(work)) {
            net = network;
            Tools.Run lo = Tools.run(work, net.command("ip", "link", "set", "lo", "up")); // the API and the stand-in listen there
            assertThat(lo.exit()).as(lo.err()).isZero();
            manager = net.inside(this::managerStandIn);
            Path eve = work.resolve("eve.json");
            Files.createFile(eve);
            Files.writeString(work.resolve("api.token"), TOKEN + "\n");
            Files.writeString(work.resolve("probe.token"), "probe-key\n");
            Path store = work.resolve("state/store");
            Files.writeString(work.resolve("probe.yaml"), String.join("\n",
                    "name: settings-it", "capture:", "  interface-name: " + TestNetwork.CAPTURE, "  engine: " + engine,
                    "flows:", "  max-flows: 10000", "lookback:", "  size: 8MB",
                    "store:", "  dir: " + store, "  max-size: 8MB", "  segment-size: 64KB", "  write-buffer: 4MB",
                    "alerts:", "  eve-file: " + eve,
                    "api:", "  listen: 127.0.0.1:0", "  token-file: " + work.resolve("api.token"),
                    "  carve-dir: " + work.resolve("state/carves"),
                    "manager:", "  url: http://127.0.0.1:" + manager.getAddress().getPort(),
                    "  token-file: " + work.resolve("probe.token"), "  spool-dir: " + work.resolve("state/spool"), ""));
            probe = start("probe-1");

            JsonNode initial = settings();
            assertThat(initial.get("version").asLong()).isZero();
            assertThat(initial.get("source").asText()).isEqualTo("config-file");

            // 1. pcap extraction off: the alert reaches the manager, its flow is not stored
            JsonNode off = put(change(initial, s -> s.put("pcap_extraction_on_alerts", false)), 200);
            assertThat(off.get("version").asLong()).isEqualTo(1);
            assertThat(off.get("changes").get(0).get("applied").asText()).isEqualTo("now");
            // the wire carries only what this test sends: the probe's capture count is known exactly
            Flow a = new Flow(1, 40001, 20, 600);
            send(a, 0, 10);
            alert(eve, a, 1001);
            awaitMetric("flowtrap_alerts_unarmed_total", v -> v == 1);
            send(a, 10, 20);
            awaitMetric("flowtrap_packets_captured_total", v -> v == 20);
            assertThat(metric("flowtrap_flows_armed_total")).isZero();
            assertThat(storedPackets()).as("nothing stored with pcap extraction off").isZero();
            awaitShipped(1001);

            // 2. on again, with a larger look-back ring swapped in live: the next alert arms its flow, from its start
            JsonNode on = put(change(off, s -> {
                s.put("pcap_extraction_on_alerts", true);
                ((ObjectNode) s.get("lookback")).put("size", "16MB");
            }), 200);
            assertThat(on.get("version").asLong()).isEqualTo(2);
            assertThat(on.get("changes")).extracting(c -> c.get("setting").asText() + "=" + c.get("applied").asText())
                    .containsExactlyInAnyOrder("pcap_extraction_on_alerts=now", "lookback.size=now");
            assertThat(on.get("running").get("lookback").get("size").asText()).isEqualTo("16MB");
            assertThat(on.get("requires_restart")).isEmpty();
            Flow b = new Flow(2, 40002, 600, 1400); // ~840 KB: many 64 KB segments
            send(b, 0, 10);
            alert(eve, b, 1002);
            awaitMetric("flowtrap_alerts_matched_total", v -> v == 1);
            send(b, 10, 600);
            awaitStore(s -> s.get("packets").asLong() == 600);
            awaitMetric("flowtrap_packets_captured_total", v -> v == 620);
            assertThat(metric("flowtrap_lookback_hits_total")).as("flow B stored whole from the new ring").isEqualTo(1);
            awaitShipped(1002);
            JsonNode full = storeStatus();
            assertThat(full.get("segments").asInt()).isGreaterThan(8);

            // 3. a filter libpcap cannot compile: 400 with its words, nothing changed
            JsonNode bad = put(change(on, s -> ((ObjectNode) s.get("capture")).put("filter", "tcp port eighty")), 400);
            assertThat(bad.get("error").asText()).isEqualTo("invalid capture filter");
            assertThat(bad.get("detail").asText()).contains("BPF filter 'tcp port eighty' rejected");
            JsonNode unchanged = settings();
            assertThat(unchanged.get("version").asLong()).isEqualTo(2);
            assertThat(unchanged.get("running").get("capture").get("filter").asText()).isEmpty();

            // 4. a filter it takes is in force at once: its packets are no longer captured
            JsonNode filtered = put(change(on, s -> ((ObjectNode) s.get("capture")).put("filter", "not udp")), 200);
            assertThat(filtered.get("version").asLong()).isEqualTo(3);
            assertThat(filtered.get("changes").get(0).get("setting").asText()).isEqualTo("capture.filter");
            assertThat(filtered.get("changes").get(0).get("applied").asText()).isEqualTo("now");
            send(new Flow(3, 40003, 50, 200, true), 0, 50); // UDP: filtered out in the kernel
            send(new Flow(4, 40004, 7, 200), 0, 7); // TCP: a marker that the UDP packets went first
            awaitMetric("flowtrap_packets_captured_total", v -> v >= 620 + 7);
            assertThat(metric("flowtrap_packets_captured_total")).as("only the TCP marker was captured").isEqualTo(620 + 7);

            // 5. a lower store size: the oldest segments are deleted at once
            long lower = 4L * SEGMENT;
            JsonNode smaller = put(change(filtered, s -> ((ObjectNode) s.get("store")).put("max_size", "256KB")), 200);
            JsonNode sizeChange = smaller.get("changes").get(0);
            assertThat(sizeChange.get("setting").asText()).isEqualTo("store.max_size");
            assertThat(sizeChange.get("from").asText()).isEqualTo("8MB");
            assertThat(sizeChange.get("to").asText()).isEqualTo("256KB");
            assertThat(sizeChange.get("detail").asText()).contains("deleted at once");
            JsonNode rotated = storeStatus();
            assertThat(rotated.get("max_bytes").asLong()).isEqualTo(lower);
            assertThat(rotated.get("total_bytes").asLong()).isLessThanOrEqualTo(lower);
            assertThat(rotated.get("rotated_segments").asLong()).isPositive();
            assertThat(directoryBytes(store)).as("on disk too").isLessThanOrEqualTo(lower);

            // 6. a manager that read an older version is refused
            JsonNode stale = put(change(filtered, s -> s.put("pcap_extraction_on_alerts", false)), 409);
            assertThat(stale.get("error").asText()).isEqualTo("stale settings version");
            assertThat(settings().get("version").asLong()).isEqualTo(4);
            Path saved = work.resolve("state/settings.json");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(saved))).isEqualTo("rw-r-----");

            // 7. restarted, the probe runs with the saved settings, not the config file's, and says so
            stop(probe);
            probe = start("probe-2");
            assertThat(Files.readString(work.resolve("probe-2.err"))).contains("settings: using " + saved + " (version 4")
                    .contains("store.max_size 256KB (probe.yaml: 8MB)").contains("capture.filter not udp (probe.yaml: )")
                    .contains("lookback.size 16MB (probe.yaml: 8MB)");
            JsonNode restarted = settings();
            assertThat(restarted.get("version").asLong()).isEqualTo(4);
            assertThat(restarted.get("source").asText()).isEqualTo("settings-file");
            assertThat(restarted.get("running")).isEqualTo(smaller.get("settings"));
            assertThat(storeStatus().get("max_bytes").asLong()).isEqualTo(lower);
            send(new Flow(5, 40005, 30, 200, true), 0, 30);
            send(new Flow(6, 40006, 5, 200), 0, 5);
            awaitMetric("flowtrap_packets_captured_total", v -> v >= 5);
            assertThat(metric("flowtrap_packets_captured_total")).as("the saved filter is in force").isEqualTo(5);

            // 8. a watchlist trigger arms the flows of a listed address, without an alert, and survives a restart
            Answer listed = http("POST", "/api/v1/triggers", "{\"name\": \"bad-hosts\", \"kind\": \"watchlist\","
                    + " \"entries\": \"# test list\\n10.0.0.7\\n10.0.0.9/32\\n\"}");
            assertThat(listed.status()).as(listed.body()).isEqualTo(201);
            assertThat(DocumentSchema.of(Document.PROBE_TRIGGERS_ANSWER).validate(JSON.readTree(listed.body()))).isEmpty();
            long storedBefore = metric("flowtrap_packets_stored_total"); // the store itself may rotate under its 256KB
            send(new Flow(8, 40008, 12, 200), 0, 12); // not listed: nothing stored
            send(new Flow(7, 40007, 20, 200), 0, 20); // listed: stored whole, though no alert names it
            awaitMetric("flowtrap_flows_armed_by_trigger_total", v -> v == 1);
            awaitMetric("flowtrap_packets_stored_total", v -> v == storedBefore + 20);
            assertThat(metric("flowtrap_flows_armed_total")).isEqualTo(1);
            stop(probe);
            probe = start("probe-3");
            assertThat(Files.readString(work.resolve("probe-3.err"))).contains("restored 1 triggers from "
                    + work.resolve("state/triggers.json"));
            Answer restored = http("GET", "/api/v1/triggers", null);
            assertThat(JSON.readTree(restored.body()).get("triggers").get(0).get("name").asText()).isEqualTo("bad-hosts");
            send(new Flow(9, 40009, 6, 200), 0, 6);
            awaitMetric("flowtrap_flows_armed_by_trigger_total", v -> v == 1);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(work.resolve("state/triggers.json"))))
                    .isEqualTo("rw-r-----");
            stop(probe);
            probe = null;
        } finally {
            if (probe != null) {
                probe.destroyForcibly();
            }
            if (manager != null) {
                manager.stop(0);
            }
        }
    }

    // ---- the probe

    private Process start(String name) throws Exception {
        Path out = work.resolve(name + ".out");
        Process p = new ProcessBuilder(net.command(Tools.REPO.resolve("ops/bin/flowtrap-probe").toString(), "run",
                "--config", work.resolve("probe.yaml").toString()))
                .redirectOutput(out.toFile()).redirectError(work.resolve(name + ".err").toFile()).start();
        Tools.awaitText(out, "flowtrap-probe: ready", 60);
        Matcher m = API.matcher(Files.readString(out));
        assertThat(m.find()).as(Files.readString(out)).isTrue();
        port = Integer.parseInt(m.group(1));
        return p;
    }

    private static void stop(Process p) throws Exception {
        p.destroy(); // SIGTERM: the probe ends its flows and seals the store
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isIn(0, 143);
    }

    private JsonNode settings() throws Exception {
        Answer a = http("GET", "/api/v1/settings", null);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode json = JSON.readTree(a.body());
        assertThat(DocumentSchema.of(Document.PROBE_SETTINGS_ANSWER).validate(json)).isEmpty();
        return json;
    }

    /** A PUT body: {@code answer}'s settings, changed by {@code edit}, based on {@code answer}'s version. */
    private static ObjectNode change(JsonNode answer, java.util.function.Consumer<ObjectNode> edit) {
        ObjectNode doc = ((ObjectNode) answer.get("settings").deepCopy()).put("version", answer.get("version").asLong());
        edit.accept(doc);
        return doc;
    }

    private JsonNode put(ObjectNode doc, int status) throws Exception {
        Answer a = http("PUT", "/api/v1/settings", doc.toString());
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        JsonNode json = JSON.readTree(a.body());
        assertThat(DocumentSchema.of(status == 200 ? Document.PROBE_SETTINGS_ANSWER : Document.ERROR).validate(json))
                .as(a.body()).isEmpty();
        return json;
    }

    private JsonNode storeStatus() throws Exception {
        Answer a = http("GET", "/api/v1/store", null);
        assertThat(a.status()).isEqualTo(200);
        return JSON.readTree(a.body());
    }

    private long storedPackets() throws Exception {
        return storeStatus().get("packets").asLong();
    }

    private void awaitStore(java.util.function.Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode status = storeStatus();
        while (!done.test(status)) {
            assertThat(System.nanoTime()).as("store status %s", status).isLessThan(deadline);
            Thread.sleep(100); // polling what the probe reports
            status = storeStatus();
        }
    }

    /** One sample of a meter of GET /metrics (0 when it is not there yet). */
    private long metric(String name) throws Exception {
        Answer a = http("GET", "/metrics", null);
        assertThat(a.status()).isEqualTo(200);
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.eE+]+)$").matcher(a.body());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    /** Waits until the meter satisfies {@code done}; the capture thread publishes its counts once a second. */
    private void awaitMetric(String name, LongPredicate done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long value = metric(name);
        while (!done.test(value)) {
            assertThat(System.nanoTime()).as("%s = %d", name, value).isLessThan(deadline);
            Thread.sleep(100); // polling what the probe reports
            value = metric(name);
        }
    }

    private record Answer(int status, String body) {}

    /** One HTTP/1.1 exchange with the probe API, over a socket opened inside the namespace. */
    private Answer http(String method, String path, String body) throws Exception {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = net.inside(() -> new Socket(InetAddress.getLoopbackAddress(), port))) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: probe\r\nAuthorization: Token " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(answer.substring(9, 12));
            int bodyAt = answer.indexOf("\r\n\r\n");
            return new Answer(status, bodyAt < 0 ? "" : answer.substring(bodyAt + 4));
        }
    }

    private static long directoryBytes(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().equals("LOCK") && !f.getFileName().toString().equals("MANIFEST"))
                    .mapToLong(f -> f.toFile().length()).sum();
        }
    }

    // ---- the manager stand-in: what the probe's spool delivered

    private HttpServer managerStandIn() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/ingest/events", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank()) {
                        shipped.add(JSON.readTree(line));
                    }
                }
                byte[] answer = "{\"status\":200}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        server.start();
        return server;
    }

    private void awaitShipped(int signatureId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (shipped.stream().noneMatch(e -> "alert".equals(e.path("kind").asText())
                && e.path("event").path("alert").path("signature_id").asInt() == signatureId)) {
            assertThat(System.nanoTime()).as("alert %d delivered to the manager; got %s", signatureId, shipped)
                    .isLessThan(deadline);
            Thread.sleep(100); // polling what the stand-in received
        }
    }

    // ---- traffic and alerts

    /** A flow of 10.0.0.{client}:{port} <-> 192.0.2.1:80, {@code packets} frames of {@code size} bytes, TCP or UDP. */
    private record Flow(int client, int port, int packets, int size, boolean udp) {
        Flow(int client, int port, int packets, int size) {
            this(client, port, packets, size, false);
        }

        byte[] frame(int i) {
            boolean fromClient = i % 2 == 0;
            int transport = udp ? 8 : 20;
            ByteBuffer b = ByteBuffer.allocate(Math.max(size, 14 + 20 + transport));
            b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) 0x0800);
            byte[] c = {10, 0, 0, (byte) client};
            byte[] s = {(byte) 192, 0, 2, 1};
            b.put((byte) 0x45).put((byte) 0).putShort((short) (b.capacity() - 14)).putShort((short) i).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) (udp ? 17 : 6)).putShort((short) 0);
            b.put(fromClient ? c : s).put(fromClient ? s : c);
            b.putShort((short) (fromClient ? port : 80)).putShort((short) (fromClient ? 80 : port));
            if (udp) {
                b.putShort((short) (b.capacity() - 34)).putShort((short) 0);
            } else {
                int flags = i == 0 ? 0x02 : i == 1 ? 0x12 : 0x18;
                b.putInt(1000 + i).putInt(i == 0 ? 0 : 2000 + i).put((byte) 0x50).put((byte) flags).putShort((short) 65535)
                        .putInt(0);
            }
            return b.array();
        }

        String communityId() {
            byte[] f = frame(0);
            FlowResolver resolver = new FlowResolver();
            resolver.resolve(new PacketRecord().set(ByteBuffer.wrap(f), 0, f.length, f.length, 0, 1), new byte[FlowKey.SIZE], 0);
            byte[] digest = new byte[CommunityId.DIGEST_SIZE];
            resolver.communityId(digest, 0);
            return CommunityId.format(digest, 0);
        }
    }

    /** Sends frames {@code from} to {@code to} (exclusive) of {@code flow} into the namespace's wire. */
    private void send(Flow flow, int from, int to) throws Exception {
        ByteArrayOutputStream pcap = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        pcap.write(header.array());
        long micros = System.currentTimeMillis() * 1000;
        for (int i = from; i < to; i++) {
            byte[] frame = flow.frame(i);
            ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            long t = micros + (i - from) * 50L;
            record.putInt((int) (t / 1_000_000)).putInt((int) (t % 1_000_000)).putInt(frame.length).putInt(frame.length);
            pcap.write(record.array());
            pcap.write(frame);
        }
        Path file = Files.createTempFile(work, "send", ".pcap");
        Files.write(file, pcap.toByteArray());
        net.replay(file);
    }

    /** Appends the EVE alert Suricata would raise on {@code flow} to the tailed eve.json. */
    private static void alert(Path eve, Flow flow, int signatureId) throws IOException {
        String time = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ")
                .withZone(java.time.ZoneOffset.UTC).format(Instant.now());
        String line = "{\"timestamp\":\"" + time + "\",\"flow_id\":" + signatureId + ",\"event_type\":\"alert\",\"src_ip\":\"10.0.0."
                + flow.client() + "\",\"src_port\":" + flow.port() + ",\"dest_ip\":\"192.0.2.1\",\"dest_port\":80,\"proto\":\""
                + (flow.udp() ? "UDP" : "TCP") + "\",\"community_id\":\"" + flow.communityId() + "\",\"alert\":{\"action\":\"allowed\","
                + "\"gid\":1,\"signature_id\":" + signatureId + ",\"rev\":1,\"signature\":\"settings-it\",\"category\":\"\","
                + "\"severity\":3}}\n";
        Files.writeString(eve, line, StandardOpenOption.APPEND);
    }

}
