package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.ManagerApplication;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.flowtrap.testkit.ElasticsearchNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The manager against an Elasticsearch with its security on, as in production (README,
 * "Elasticsearch with its security on"): HTTPS with a certificate of our own CA and a user with a
 * password (ElasticsearchNode.sharedSecured(), the real server). With the right credentials and
 * the CA it indexes an alert a probe delivers and finds it again; with a wrong password, or
 * without the CA, it stays up, says why in its log and on {@code GET /rest/health} (503), and a
 * delivery is answered 503 (the probe keeps it in its spool): nothing indexed, nothing lost.
 */
@ExtendWith(OutputCaptureExtension.class)
@Tag("hostile-input")
class SecuredElasticsearchIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBE = "sensor-secured";
    private static ElasticsearchNode elasticsearch;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void secured() {
        elasticsearch = ElasticsearchNode.sharedSecured();
    }

    @Test
    void withItsCredentialsAndCaTheManagerIndexesAndFindsAnAlert() throws Exception {
        String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-alerts-";
        // the keys made by the token command, with the manager's own settings for the secured node
        String probeKey = tokenCommand(prefix, "create", "--role", "probe", "--probe", PROBE, "--label", "it probe");
        String analystKey = tokenCommand(prefix, "create", "--role", "analyst", "--label", "it analyst");
        try (ConfigurableApplicationContext manager = manager(prefix, elasticsearch.password(), true)) {
            String base = "http://127.0.0.1:" + manager.getEnvironment().getProperty("local.server.port");
            HttpResponse<String> health = get(base + "/rest/health", null);
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            assertThat(DocumentSchema.of(Document.MANAGER_HEALTH).validate(JSON.readTree(health.body()))).isEmpty();
            assertThat(JSON.readTree(health.body()).path("elasticsearch").path("status").asText()).isEqualTo("ok");

            long flowId = 880_000_000L + (System.nanoTime() & 0xffff);
            HttpResponse<String> ingest = post(base + "/api/ingest/events", probeKey, envelope(flowId));
            assertThat(ingest.statusCode()).as(ingest.body()).isEqualTo(200);
            assertThat(JSON.readTree(ingest.body()).path("indexed").asInt()).as(ingest.body()).isEqualTo(1);

            // made searchable now rather than at the next periodic refresh
            assertThat(elasticsearch.request("POST", "/" + prefix + "*/_refresh", null).status()).isEqualTo(200);
            HttpResponse<String> tail = get(base + "/rest/rules/es/alerts_tail/?qfilter="
                    + URLEncoder.encode("flow_id:" + flowId, StandardCharsets.UTF_8), analystKey);
            assertThat(tail.statusCode()).as(tail.body()).isEqualTo(200);
            JsonNode found = JSON.readTree(tail.body());
            assertThat(found.path("count").asInt()).as(tail.body()).isEqualTo(1);
            assertThat(found.path("results").get(0).path("host").asText()).isEqualTo(PROBE);
            assertThat(found.path("results").get(0).path("flow_id").asLong()).isEqualTo(flowId);
            // and it is in the secured node itself, read with the node's own credentials
            ElasticsearchNode.Response count = elasticsearch.request("GET", "/" + prefix + "*/_count?q=flow_id:" + flowId, null);
            assertThat(JSON.readTree(count.body()).path("count").asLong()).as(count.body()).isEqualTo(1);
        }
    }

    @Test
    void withAWrongPasswordItSaysSoInItsLogAndHealthAndTakesNothing(CapturedOutput output) throws Exception {
        String probeKey = io.flowtrap.api.auth.ApiToken.generate(); // the manager cannot read its keys: any key is unknown to it
        String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-alerts-";
        try (ConfigurableApplicationContext manager = manager(prefix, "not-" + elasticsearch.password(), true)) {
            String base = "http://127.0.0.1:" + manager.getEnvironment().getProperty("local.server.port");
            HttpResponse<String> health = get(base + "/rest/health", null);
            assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
            assertThat(DocumentSchema.of(Document.MANAGER_HEALTH).validate(JSON.readTree(health.body()))).isEmpty();
            JsonNode es = JSON.readTree(health.body()).path("elasticsearch");
            assertThat(es.path("status").asText()).isEqualTo("refused");
            assertThat(es.path("detail").asText()).contains("refused the manager's credentials (401)", "spring.elasticsearch.username");
            assertThat(output.getOut()).contains("ERROR", "refused the manager's credentials (401)");

            HttpResponse<String> ingest = post(base + "/api/ingest/events", probeKey, envelope(881_000_001L));
            assertThat(ingest.statusCode()).as("the shipper keeps the batch and delivers it later: " + ingest.body()).isEqualTo(503);
            assertThat(JSON.readTree(ingest.body()).path("error").asText()).isEqualTo("authentication unavailable");
            assertThat(JSON.readTree(ingest.body()).path("detail").asText()).contains("API keys are not read yet");
            ElasticsearchNode.Response indices = elasticsearch.request("GET", "/_cat/indices/" + prefix + "*?format=json", null);
            assertThat(JSON.readTree(indices.body())).as(indices.body()).isEmpty();
        }
    }

    @Test
    void withoutItsCaItSaysTheTlsIsNotTrusted(CapturedOutput output) throws Exception {
        String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-alerts-";
        try (ConfigurableApplicationContext manager = manager(prefix, elasticsearch.password(), false)) {
            String base = "http://127.0.0.1:" + manager.getEnvironment().getProperty("local.server.port");
            HttpResponse<String> health = get(base + "/rest/health", null);
            assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
            assertThat(DocumentSchema.of(Document.MANAGER_HEALTH).validate(JSON.readTree(health.body()))).isEmpty();
            JsonNode es = JSON.readTree(health.body()).path("elasticsearch");
            assertThat(es.path("status").asText()).isEqualTo("untrusted");
            assertThat(es.path("detail").asText()).contains("TLS failed", "spring.elasticsearch.restclient.ssl.bundle");
            assertThat(output.getOut()).contains("ERROR", "TLS failed");
        }
    }

    /** The manager on a free port (plain HTTP: this test is about its Elasticsearch side). */
    /** Runs {@code flowtrap-manager token ...} with the manager's settings for the secured node; its stdout, stripped. */
    private String tokenCommand(String prefix, String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(managerArguments(prefix, elasticsearch.password(), true).stream().filter(a -> !a.startsWith("--server.")).toList());
        int exit = io.flowtrap.manager.users.TokenCommand.run(all.toArray(String[]::new), new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true));
        assertThat(exit).as(err.toString()).isZero();
        return out.toString().strip();
    }

    private ConfigurableApplicationContext manager(String prefix, String password, boolean withCa) {
        return new SpringApplicationBuilder(ManagerApplication.class).run(managerArguments(prefix, password, withCa).toArray(String[]::new));
    }

    private List<String> managerArguments(String prefix, String password, boolean withCa) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--flowtrap.state-index-prefix=" + prefix.replace("-alerts-", "-state-"),
                "--spring.elasticsearch.uris=" + elasticsearch.url(),
                "--spring.elasticsearch.username=" + elasticsearch.username(),
                "--spring.elasticsearch.password=" + password,
                "--flowtrap.data-dir=" + dir.resolve("manager"),
                "--flowtrap.alert-index-prefix=" + prefix,
                "--flowtrap.flow-index-prefix=" + prefix.replace("-alerts-", "-flows-")));
        if (withCa) {
            args.add("--spring.ssl.bundle.pem.elasticsearch.truststore.certificate=file:" + elasticsearch.caCertificate());
            args.add("--spring.elasticsearch.restclient.ssl.bundle=elasticsearch");
        }
        return args;
    }

    /** One alert of the demo's, stamped now, as a probe's shipper delivers it. */
    private static String envelope(long flowId) throws Exception {
        Path eve = ElasticsearchNode.repository().resolve("ops/demo-data/demo-eve.json");
        String line = Files.readAllLines(eve).stream().filter(l -> l.contains("\"event_type\":\"alert\"")).findFirst().orElseThrow();
        ObjectNode alert = (ObjectNode) JSON.readTree(line);
        alert.put("timestamp", OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ")));
        alert.put("flow_id", flowId);
        alert.put("host", PROBE);
        return "{\"kind\":\"alert\",\"probe\":\"" + PROBE + "\",\"event\":" + alert + "}\n";
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Token " + token);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, String token, String ndjson) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Token " + token).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson, StandardCharsets.UTF_8)).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }
}
