package io.flowtrap.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The one real Elasticsearch node of a test JVM, found or started on first use, in this order:
 * <ol>
 *   <li>{@code FLOWTRAP_ES_URL}: an external cluster someone else runs (never stopped by us);
 *   <li>a Testcontainers container, when a Docker engine answers;
 *   <li>otherwise the distribution Maven Central serves, through {@code ops/elasticsearch/start}
 *       on port {@code FLOWTRAP_TEST_ES_PORT} (9250) with its files in
 *       {@code FLOWTRAP_TEST_ES_HOME} (/var/tmp/flowtrap-es-test), stopped when the JVM exits.
 * </ol>
 * {@link #stop()} and {@link #start()} take the node down and up again with its data, for outage
 * tests (a container is paused and unpaused; an external cluster refuses).
 *
 * <p>{@link #sharedSecured()} is another node, with its security on as in production: HTTPS with
 * a certificate from {@code ops/tls/make-certs} ({@link #caCertificate()} is its CA) and a user
 * ({@link #username()}, {@link #password()}) in its file realm. It is always the local
 * distribution, on {@code FLOWTRAP_TEST_ES_SECURED_PORT} (9251) with its files in
 * {@code FLOWTRAP_TEST_ES_SECURED_HOME} (/var/tmp/flowtrap-es-test-secured); {@link #shared()}
 * stays as it was, security off.
 */
public final class ElasticsearchNode {
    /** Where the node comes from. */
    public enum Kind { EXTERNAL, CONTAINER, LOCAL_DISTRIBUTION }

    private static final String IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:8.19.21";
    private static ElasticsearchNode shared;
    private static ElasticsearchNode sharedSecured;
    private static final String SECURED_USER = "flowtrap-it";
    private static final String SECURED_PASSWORD = "flowtrap-it-password";

    private final Kind kind;
    private final String url;
    private final ElasticsearchContainer container;
    private final Path repo;
    private final String port;
    private final String home;
    /** Security on: the TLS directory (ca.pem, server.pem, server.key); null when off. */
    private final Path tls;
    private final HttpClient http;

    private ElasticsearchNode(Kind kind, String url, ElasticsearchContainer container, Path repo, String port, String home) {
        this(kind, url, container, repo, port, home, null);
    }

    private ElasticsearchNode(Kind kind, String url, ElasticsearchContainer container, Path repo, String port, String home,
            Path tls) {
        this.kind = kind;
        this.url = url;
        this.container = container;
        this.repo = repo;
        this.port = port;
        this.home = home;
        this.tls = tls;
        this.http = tls == null ? HttpClient.newHttpClient() : HttpClient.newBuilder().sslContext(trusting(tls.resolve("ca.pem"))).build();
    }

    /** The node of this JVM, started on first call. */
    public static synchronized ElasticsearchNode shared() {
        if (shared == null) {
            shared = open();
        }
        return shared;
    }

    private static ElasticsearchNode open() {
        String external = System.getenv("FLOWTRAP_ES_URL");
        if (external != null && !external.isBlank()) {
            ElasticsearchNode node = new ElasticsearchNode(Kind.EXTERNAL, external.replaceAll("/+$", ""), null, null, null, null);
            node.awaitHealthy(Duration.ofSeconds(30));
            return node;
        }
        if (DockerClientFactory.instance().isDockerAvailable()) {
            ElasticsearchContainer container = new ElasticsearchContainer(DockerImageName.parse(IMAGE))
                    .withEnv("xpack.security.enabled", "false")
                    .withEnv("ES_JAVA_OPTS", "-Xms512m -Xmx512m");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "elasticsearch-container-stop"));
            return new ElasticsearchNode(Kind.CONTAINER, "http://" + container.getHttpHostAddress(), container, null, null, null);
        }
        Path repo = repository();
        String port = env("FLOWTRAP_TEST_ES_PORT", "9250");
        String home = env("FLOWTRAP_TEST_ES_HOME", "/var/tmp/flowtrap-es-test");
        ElasticsearchNode node = new ElasticsearchNode(Kind.LOCAL_DISTRIBUTION, "http://127.0.0.1:" + port, null, repo, port, home);
        node.script("start");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> node.script("stop"), "elasticsearch-stop"));
        return node;
    }

    /** The node with its security on (HTTPS, a user and password), started on first call. */
    public static synchronized ElasticsearchNode sharedSecured() {
        if (sharedSecured == null) {
            Path repo = repository();
            String port = env("FLOWTRAP_TEST_ES_SECURED_PORT", "9251");
            String home = env("FLOWTRAP_TEST_ES_SECURED_HOME", "/var/tmp/flowtrap-es-test-secured");
            Path tls = Path.of(home + "-tls");
            // make-certs first: the client's trust is built from its CA when the node is made
            ProcessBuilder certs = new ProcessBuilder(repo.resolve("ops/tls/make-certs").toString(), tls.toString());
            run(certs, "ops/tls/make-certs");
            ElasticsearchNode node = new ElasticsearchNode(Kind.LOCAL_DISTRIBUTION, "https://127.0.0.1:" + port, null, repo,
                    port, home, tls);
            node.script("start");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> node.script("stop"), "elasticsearch-secured-stop"));
            sharedSecured = node;
        }
        return sharedSecured;
    }

    /** The user of a node with its security on; null when it is off. */
    public String username() {
        return tls == null ? null : SECURED_USER;
    }

    /** That user's password; null when security is off. */
    public String password() {
        return tls == null ? null : SECURED_PASSWORD;
    }

    /** The CA that signed the node's HTTPS certificate (PEM); null when security is off. */
    public Path caCertificate() {
        return tls == null ? null : tls.resolve("ca.pem");
    }

    public Kind kind() {
        return kind;
    }

    /** Base URL, e.g. {@code http://127.0.0.1:9250}. */
    public String url() {
        return url;
    }

    /** Takes the node down, keeping its data. */
    public void stop() {
        switch (kind) {
            case EXTERNAL -> throw new UnsupportedOperationException("an external cluster (FLOWTRAP_ES_URL) is not ours to stop");
            case CONTAINER -> container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
            case LOCAL_DISTRIBUTION -> script("stop");
        }
    }

    /** Brings the node back after {@link #stop()} and waits until it answers. */
    public void start() {
        switch (kind) {
            case EXTERNAL -> throw new UnsupportedOperationException("an external cluster (FLOWTRAP_ES_URL) is not ours to start");
            case CONTAINER -> container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
            case LOCAL_DISTRIBUTION -> script("start");
        }
        awaitHealthy(Duration.ofSeconds(120));
    }

    /** Sends one request; the status and body. For test set-up and checks. */
    public Response request(String method, String path, String jsonBody) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json");
            b.method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
            if (tls != null) {
                b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (SECURED_USER + ":" + SECURED_PASSWORD).getBytes(StandardCharsets.UTF_8)));
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + url + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** An answer of {@link #request}. */
    public record Response(int status, String body) {}

    private void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                Response r = request("GET", "/_cluster/health?wait_for_status=yellow&timeout=1s", null);
                if (r.status() == 200) {
                    return;
                }
                last = r.status() + " " + r.body();
            } catch (IllegalStateException e) {
                last = e.getMessage();
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("Elasticsearch at " + url + " is not healthy: " + last);
    }

    private void script(String verb) {
        ProcessBuilder pb = new ProcessBuilder(repo.resolve("ops/elasticsearch/" + verb).toString());
        pb.environment().put("FLOWTRAP_ES_PORT", port);
        pb.environment().put("FLOWTRAP_ES_HOME", home);
        if (tls != null) {
            pb.environment().put("FLOWTRAP_ES_SECURE", tls.toString());
            pb.environment().put("FLOWTRAP_ES_USER", SECURED_USER);
            pb.environment().put("FLOWTRAP_ES_PASSWORD", SECURED_PASSWORD);
        }
        run(pb, "ops/elasticsearch/" + verb);
    }

    private static void run(ProcessBuilder pb, String what) {
        pb.redirectErrorStream(true);
        try {
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(what + " failed:\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + what + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The repository root: {@code flowtrap.repo} (set by the build), else up from the working directory. */
    public static Path repository() {
        String property = System.getProperty("flowtrap.repo");
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("ops/elasticsearch/start"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository (ops/elasticsearch/start); set -Dflowtrap.repo");
    }

    /** An SSL context trusting the one CA in {@code caPem} (the project's own PEM loader). */
    private static SSLContext trusting(Path caPem) {
        try {
            return io.flowtrap.api.tls.PemTls.client(caPem);
        } catch (IOException e) {
            throw new IllegalStateException("cannot trust " + caPem + ": " + e, e);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
