package io.flowtrap.manager.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.manager.ManagerApplication;
import io.flowtrap.manager.users.Role;
import io.flowtrap.manager.users.TokenStore;
import io.flowtrap.manager.users.UserStore;
import io.flowtrap.testkit.ElasticsearchNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import io.flowtrap.api.tls.PemTls;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole system for end-to-end tests, every part real: an Elasticsearch node
 * ({@link ElasticsearchNode}), the manager (in this JVM, HTTPS, certificates from
 * ops/tls/make-certs), and a probe process started with the launcher (ops/bin/flowtrap-probe) that
 * replays a capture with its alerts, serves its API over HTTPS and ships its alerts to the manager
 * through its spool. Each system gets its own directory and index prefix, so systems never see
 * each other's data.
 */
final class FlowtrapSystem implements AutoCloseable {
    static final Path REPO = ElasticsearchNode.repository();
    static final String PROBE = "sensor-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final ElasticsearchNode elasticsearch;
    final Path ca;
    final String indexPrefix;
    final String analystToken;
    final String adminToken;
    /** A key for the probe {@link #PROBE}: probe keys deliver for their own probe only. */
    final String probeToken;
    final Path store;
    final Path eve;
    private ConfigurableApplicationContext manager;
    private int managerPort;
    private List<String> managerArguments;
    private final int probePort;
    private final ProbeStore probeStore;
    private Process probe;
    final HttpClient http;

    /**
     * @param pcap the capture the probe replays (moved in time to end now)
     * @param eve its alerts, as Suricata wrote them
     */
    FlowtrapSystem(Path dir, Path pcap, Path eve) throws Exception {
        this(dir, pcap, eve, List.of());
    }

    /** As above, with more manager arguments ({@code --key=value}), e.g. more probes. */
    FlowtrapSystem(Path dir, Path pcap, Path eve, List<String> managerArguments) throws Exception {
        this(dir, pcap, eve, managerArguments, ProbeStore.ROOMY);
    }

    /** The probe's store size and segment size ({@code store.max-size}, {@code store.segment-size}). */
    record ProbeStore(String maxSize, String segmentSize) {
        /** Room for everything the test captures: nothing rotates out. */
        static final ProbeStore ROOMY = new ProbeStore("4GB", "4MB");
    }

    /** As above, with the probe's store sized by {@code probeStore} (small: its oldest segments rotate out). */
    FlowtrapSystem(Path dir, Path pcap, Path eve, List<String> managerArguments, ProbeStore probeStore) throws Exception {
        this.dir = dir;
        this.probeStore = probeStore;
        this.eve = eve;
        this.elasticsearch = ElasticsearchNode.shared();
        run(List.of(REPO.resolve("ops/tls/make-certs").toString(), dir.resolve("tls").toString()));
        this.ca = dir.resolve("tls/ca.pem");
        this.indexPrefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-alerts-";
        Files.writeString(dir.resolve("probe-api.token"), io.flowtrap.api.auth.ApiToken.generate());
        this.probePort = freePort();
        this.store = dir.resolve("store");
        this.http = HttpClient.newBuilder().sslContext(PemTls.client(ca)).version(HttpClient.Version.HTTP_1_1).build();
        List<String> arguments = new ArrayList<>(List.of(
                "--server.port=0",
                "--server.ssl.certificate=" + dir.resolve("tls/server.pem"),
                "--server.ssl.certificate-private-key=" + dir.resolve("tls/server.key"),
                "--spring.elasticsearch.uris=" + elasticsearch.url(),
                "--flowtrap.data-dir=" + dir.resolve("manager"),
                "--flowtrap.alert-index-prefix=" + indexPrefix,
                "--flowtrap.flow-index-prefix=" + indexPrefix.replace("-alerts-", "-flows-"),
                "--flowtrap.state-index-prefix=" + indexPrefix.replace("-alerts-", "-state-"),
                "--flowtrap.probes[0].name=" + PROBE,
                "--flowtrap.probes[0].url=https://127.0.0.1:" + probePort,
                "--flowtrap.probes[0].token-file=" + dir.resolve("probe-api.token"),
                "--flowtrap.probes[0].ca-certificate=" + ca));
        arguments.addAll(managerArguments);
        this.managerArguments = arguments;
        this.manager = new SpringApplicationBuilder(ManagerApplication.class).run(arguments.toArray(String[]::new));
        this.managerPort = Integer.parseInt(manager.getEnvironment().getProperty("local.server.port"));
        // keys made through the running manager's store: in its Elasticsearch indices, and in its memory at once
        this.analystToken = tokens().create(Role.ANALYST, null, "it analyst").key();
        this.adminToken = tokens().create(Role.ADMIN, null, "it admin").key();
        this.probeToken = probeKeyFor(PROBE);
        Files.writeString(dir.resolve("shipper.token"), probeToken);
        startProbe(pcap, eve);
    }

    /** A new key of role probe that delivers events for {@code probe} only. */
    String probeKeyFor(String probe) {
        return tokens().create(Role.PROBE, probe, "it probe " + probe).key();
    }

    /** The running manager's API keys (in Elasticsearch; a change made here is seen by the manager at once). */
    TokenStore tokens() {
        return manager.getBean(TokenStore.class);
    }

    /** The running manager's GUI users (in Elasticsearch). */
    UserStore users() {
        return manager.getBean(UserStore.class);
    }

    /** What a command printed and how it ended. */
    record CommandRun(int exit, String out, String err) {}

    /** Runs {@code flowtrap-manager user ARGS} (in this JVM) with {@code where}: the manager's Elasticsearch settings. */
    static CommandRun userCommand(List<String> where, String... args) {
        return command(true, where, args);
    }

    /** Runs {@code flowtrap-manager token ARGS} (in this JVM) with {@code where}: the manager's Elasticsearch settings. */
    static CommandRun tokenCommand(List<String> where, String... args) {
        return command(false, where, args);
    }

    private static CommandRun command(boolean user, List<String> where, String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        List<String> all = new ArrayList<>(where); // first: an option's missing value stays missing
        all.addAll(List.of(args));
        java.io.PrintStream o = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
        java.io.PrintStream e = new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8);
        int exit = user ? io.flowtrap.manager.users.UserCommand.run(all.toArray(String[]::new), o, e)
                : io.flowtrap.manager.users.TokenCommand.run(all.toArray(String[]::new), o, e);
        return new CommandRun(exit, out.toString(java.nio.charset.StandardCharsets.UTF_8), err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The Spring arguments that name the manager's Elasticsearch and state indices, as the user and token commands take them. */
    List<String> stateArguments() {
        return managerArguments.stream().filter(a -> a.startsWith("--spring.elasticsearch.") || a.startsWith("--flowtrap.state-index-prefix="))
                .toList();
    }

    /** A new key that user {@code owner} owns (as one made on the Keys page), of {@code role}. */
    String ownKey(String owner, Role role) {
        return tokens().createOwn(owner, role, "it " + owner).key();
    }

    /** Stops the probe process (its API goes away), as an outage of it. */
    void stopProbe() throws InterruptedException {
        probe.destroy();
        if (!probe.waitFor(30, TimeUnit.SECONDS)) {
            probe.destroyForcibly().waitFor();
        }
    }

    /**
     * Starts the probe again on its port, store and spool, replaying {@code pcap} with the alerts of
     * {@code eve} (give a capture that alerts nothing to leave the store and the alerts as they are).
     */
    void restartProbe(Path pcap, Path eve) throws Exception {
        startProbe(pcap, eve);
    }

    private void startProbe(Path pcap, Path eve) throws Exception {
        Path config = dir.resolve("probe.yaml");
        Files.writeString(config, String.join("\n",
                "name: " + PROBE,
                "capture:",
                "  pcap-file: " + pcap,
                "  replay-clock: now",
                "alerts:",
                "  eve-file: " + eve,
                "flows:",
                "  max-flows: 100000",
                "lookback:",
                "  size: 64MB",
                "store:",
                "  dir: " + store,
                "  max-size: " + probeStore.maxSize(),
                "  segment-size: " + probeStore.segmentSize(),
                "api:",
                "  listen: 127.0.0.1:" + probePort,
                "  token-file: " + dir.resolve("probe-api.token"),
                "  tls-certificate: " + dir.resolve("tls/server.pem"),
                "  tls-key: " + dir.resolve("tls/server.key"),
                "  carve-dir: " + dir.resolve("carves"),
                "manager:",
                "  url: " + managerUrl(),
                "  token-file: " + dir.resolve("shipper.token"),
                "  ca-certificate: " + ca,
                "  spool-dir: " + dir.resolve("spool"),
                ""));
        probe = new ProcessBuilder(REPO.resolve("ops/bin/flowtrap-probe").toString(), "run", "--config", config.toString())
                .redirectOutput(dir.resolve("probe.out").toFile()).redirectError(dir.resolve("probe.err").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(dir.resolve("probe.out")).contains("flowtrap-probe: ready")) {
            if (!probe.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the probe did not come up:\n" + Files.readString(dir.resolve("probe.err")));
            }
            Thread.sleep(100);
        }
    }

    /** The manager's base URL, {@code https://127.0.0.1:PORT}. */
    String managerUrl() {
        return "https://127.0.0.1:" + managerPort;
    }

    /** {@code host:port} as the seed's client takes it. */
    String managerAddress() {
        return "127.0.0.1:" + managerPort;
    }

    /** A bean of the running manager (this JVM's), to read its counters. */
    <T> T managerBean(Class<T> type) {
        return manager.getBean(type);
    }

    /** Stops the manager, as an outage of it. */
    void stopManager() {
        manager.close();
    }

    /** Starts the manager again on the port it had. */
    void startManager() {
        startManager(List.of());
    }

    /** Starts the manager again on the port it had, with {@code more} arguments in place of the first ones of the same key. */
    void startManager(List<String> more) {
        List<String> arguments = new ArrayList<>(managerArguments);
        for (String m : more) { // a key given twice would be a list of both: drop the first
            String key = m.contains("=") ? m.substring(0, m.indexOf('=') + 1) : m;
            arguments.removeIf(a -> a.startsWith(key));
        }
        arguments.addAll(more);
        arguments.removeIf(a -> a.startsWith("--server.port="));
        arguments.add("--server.port=" + managerPort);
        manager = new SpringApplicationBuilder(ManagerApplication.class).run(arguments.toArray(String[]::new));
    }

    /** The alert lines of the eve.json the probe replayed. */
    List<JsonNode> recordedAlerts() throws IOException {
        List<JsonNode> alerts = new ArrayList<>();
        for (String line : Files.readAllLines(eve, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode n = JSON.readTree(line);
                if ("alert".equals(n.path("event_type").asText())) {
                    alerts.add(n);
                }
            }
        }
        return alerts;
    }

    /** GET with a token (null: none); status and body. */
    Response get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(managerUrl() + path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Token " + token);
        }
        HttpResponse<byte[]> r = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.body(), r.headers().map());
    }

    /** POST with a token and a body of the given type. */
    Response post(String path, String token, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(managerUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", contentType);
        if (token != null) {
            b.header("Authorization", "Token " + token);
        }
        HttpResponse<byte[]> r = http.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.body(), r.headers().map());
    }

    /** A call of the probe's own API ({@code /api/v1/...}) with its key; {@code json} the body, or null for none. */
    Response probeApi(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + probePort + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Token " + Files.readString(dir.resolve("probe-api.token")).strip());
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<byte[]> r = http.send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.body(), r.headers().map());
    }

    /** Any method with a token and a JSON body (null: none). */
    Response send(String method, String path, String token, String json) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(managerUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Token " + token).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.body(), r.headers().map());
    }

    /** DELETE with a token. */
    Response delete(String path, String token) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(managerUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Token " + token).DELETE().build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.body(), r.headers().map());
    }

    /** Waits until alerts_tail counts {@code expected} alerts over all time. */
    long awaitIndexed(long expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long count = -1;
        while (System.nanoTime() < deadline) {
            Response r = get("/rest/rules/es/alerts_tail/?from_date=0&page_size=1", analystToken);
            if (r.status() == 200) {
                count = r.json().path("count").asLong();
                if (count >= expected) {
                    return count;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("expected " + expected + " alerts indexed, have " + count + "; probe log:\n"
                + Files.readString(dir.resolve("probe.err")));
    }

    record Response(int status, byte[] body, java.util.Map<String, List<String>> headers) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    static Run run(List<String> command) throws IOException, InterruptedException {
        return run(command, null, java.util.Map.of());
    }

    static Run run(List<String> command, Path workDir, java.util.Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().putAll(env);
        Path out = Files.createTempFile("flowtrap-it", ".out");
        Path err = Files.createTempFile("flowtrap-it", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return r;
    }

    record Run(int exit, String out, String err) {}

    /** Runs Suricata offline on {@code pcap} with the repo's config and rules; its eve.json. */
    static Path suricata(Path workDir, Path pcap) throws Exception {
        Path log = Files.createDirectories(workDir.resolve("suricata"));
        Run r = run(List.of("suricata", "-r", pcap.toString(), "-c", REPO.resolve("ops/suricata/suricata.yaml").toString(),
                "-S", REPO.resolve("ops/suricata/flowtrap-test.rules").toString(), "-l", log.toString(), "-k", "none"));
        if (r.exit() != 0) {
            throw new IllegalStateException("suricata failed: " + r.out() + r.err());
        }
        return log.resolve("eve.json");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (probe != null && probe.isAlive()) {
            probe.destroy();
            try {
                probe.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (manager.isActive()) {
            manager.close();
        }
        // this system's indices only (its own prefixes); a shared node keeps no leftovers between runs
        if (elasticsearch.kind() != ElasticsearchNode.Kind.EXTERNAL) {
            try {
                elasticsearch.request("DELETE", "/" + indexPrefix + "*," + indexPrefix.replace("-alerts-", "-flows-") + "*,"
                        + indexPrefix.replace("-alerts-", "-state-") + "*", null);
                elasticsearch.request("DELETE", "/_index_template/" + indexPrefix.replace("-alerts-", "-state-") + "*", null);
            } catch (IllegalStateException e) {
                // the node is down (a test took it down and failed): nothing to clean
            }
        }
    }

    /** A multipart body with one part, {@code file}, as the seed's client (requests) sends it. */
    static byte[] multipart(byte[] content) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(content.length + 256);
        body.writeBytes(("--flowtrapboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"myalert.json\"\r\n"
                + "Content-Type: multipart/form-data\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(content);
        body.writeBytes("\r\n--flowtrapboundary--\r\n".getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }

    /** Asserts the status and the {@code {"error", "detail"}} body, valid against its schema; returns the body. */
    static JsonNode expectError(Response r, int status) throws Exception {
        org.assertj.core.api.Assertions.assertThat(r.status()).as(r.text()).isEqualTo(status);
        org.assertj.core.api.Assertions.assertThat(r.header("Content-Type")).as(r.text()).startsWith("application/json");
        JsonNode body = r.json();
        org.assertj.core.api.Assertions.assertThat(body.path("error").asText()).as(r.text()).isNotBlank();
        org.assertj.core.api.Assertions.assertThat(body.has("detail")).as(r.text()).isTrue();
        org.assertj.core.api.Assertions.assertThat(io.flowtrap.schemas.DocumentSchema.of(
                io.flowtrap.schemas.DocumentSchema.Document.ERROR).validate(body)).as(r.text()).isEmpty();
        return body;
    }
}
