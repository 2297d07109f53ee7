package io.flowtrap.probe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.flowtrap.store.PcapStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe API over plain HTTP on 127.0.0.1, in front of a real store (ops/demo-data replayed). */
class ProbeApiServerTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef01234567";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static PcapStore store;
    private static EveAlert alert;
    private static ProbeApiServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() throws IOException {
        DemoStore demo = DemoStore.replay(tmp.resolve("store"));
        store = PcapStore.openReadOnly(demo.dir);
        alert = demo.storedAlert(store);
        CarveJobs carves = new CarveJobs(tmp.resolve("carves"), store.extractor(), () -> true, Duration.ofHours(1), Duration.ofSeconds(600));
        server = new ProbeApiServer("probe-t", new InetSocketAddress("127.0.0.1", 0), null, TOKEN, store, carves);
        server.start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        store.close();
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(5));
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = request(path).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(request(path).header("Authorization", "Token " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        return JSON.readTree(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String error) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("detail").isTextual()).as("detail in " + body).isTrue();
        assertThat(body.size()).isEqualTo(2);
        assertThat(DocumentSchema.of(Document.ERROR).validate(body)).isEmpty();
    }

    @Test
    void healthNeedsNoToken() throws Exception {
        HttpResponse<String> r = get("/api/v1/health", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("status").asText()).isEqualTo("ok");
        assertThat(body.path("probe").asText()).isEqualTo("probe-t");
        assertThat(body.path("version").asText()).as("the Maven project version, filtered in at build time")
                .matches("\\d+\\.\\d+\\.\\d+([.-].+)?");
        assertThat(DocumentSchema.of(Document.PROBE_HEALTH).validate(body)).isEmpty();
    }

    @Test
    void everythingElseNeedsTheToken() throws Exception {
        HttpResponse<String> none = get("/api/v1/store", null);
        assertError(none, 401, "authentication required");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Token");

        HttpResponse<String> bad = get("/api/v1/store", "Token " + TOKEN.replace('0', '1'));
        assertError(bad, 401, "invalid token");
        assertThat(bad.headers().firstValue("WWW-Authenticate")).hasValue("Token");

        assertError(get("/api/v1/store", "Basic " + TOKEN), 401, "authentication required");
        assertError(get("/api/v1/store", "Bearer " + TOKEN.replace('0', '1')), 401, "invalid token");
        assertThat(get("/api/v1/store", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertError(get("/api/v1/carves/job", null), 401, "authentication required");
        assertError(get("/api/v1/nothing-here", null), 401, "authentication required");
    }

    @Test
    void theStoreStatusDescribesTheStore() throws Exception {
        HttpResponse<String> r = get("/api/v1/store", "token " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("probe").asText()).isEqualTo("probe-t");
        assertThat(body.path("segments").asInt()).isEqualTo(store.status().segments().size()).isPositive();
        assertThat(body.path("packets").asLong()).isEqualTo(store.status().packets()).isPositive();
        assertThat(body.path("flows").asLong()).isPositive();
        assertThat(DocumentSchema.of(Document.PROBE_STORE_STATUS).validate(body)).isEmpty();
    }

    @Test
    void aCarveIsReportedAndItsPcapHandedOverByteForByte() throws Exception {
        byte[] expected = DemoStore.extract(store, alert);

        HttpResponse<String> r = post("/api/v1/carves/api-job-1", alert.json());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode report = json(r);
        assertThat(report.path("job").asText()).isEqualTo("api-job-1");
        assertThat(report.path("outcome").asText()).isEqualTo("found");
        assertThat(report.path("packets").asLong()).isPositive();
        assertThat(report.path("bytes").asLong()).isPositive();
        assertThat(report.path("size").asLong()).isEqualTo(expected.length);
        assertThat(report.path("sha256").asText())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected)));
        Instant first = Instant.parse(report.path("first_ts").asText());
        Instant last = Instant.parse(report.path("last_ts").asText());
        assertThat(first).isBeforeOrEqualTo(last);
        assertThat(report.path("includes_active_segment").asBoolean()).isTrue();
        assertThat(report.has("active_segment_sealed")).as("the name before the rename").isFalse();
        assertThat(DocumentSchema.of(Document.PROBE_CARVE_REPORT).validate(report)).isEmpty();

        HttpResponse<byte[]> pcap = http.send(request("/api/v1/carves/api-job-1")
                .header("Authorization", "Token " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(pcap.statusCode()).isEqualTo(200);
        assertThat(pcap.headers().firstValue("Content-Type")).hasValue("application/vnd.tcpdump.pcap");
        assertThat(pcap.body()).isEqualTo(expected);
        assertThat(Files.readAllBytes(tmp.resolve("carves/api-job-1.pcap"))).isEqualTo(expected);
    }

    @Test
    void anUnknownCarveIsNotFound() throws Exception {
        assertError(get("/api/v1/carves/never-made", "Token " + TOKEN), 404, "no such carve");
    }

    @Test
    void aFlowNotInTheStoreIsNotFoundAndNoCarveAppears() throws Exception {
        String stranger = alert.json().replaceAll("\"community_id\":\"[^\"]*\"", "\"community_id\":\"1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=\"");
        assertError(post("/api/v1/carves/stranger", stranger), 404, "flow not in the store");
        assertError(get("/api/v1/carves/stranger", "Token " + TOKEN), 404, "no such carve");
    }

    @Test
    void badJobNamesAndBadAlertsAreBadRequests() throws Exception {
        assertError(post("/api/v1/carves/%2e%2e", alert.json()), 400, "invalid job name");
        assertError(get("/api/v1/carves/%2e%2e", "Token " + TOKEN), 400, "invalid job name");
        assertError(get("/api/v1/carves/..%2fstore", "Token " + TOKEN), 400, "invalid job name");
        assertError(post("/api/v1/carves/bad-json", "{not json"), 400, "bad alert");
        assertError(post("/api/v1/carves/not-an-alert",
                alert.json().replace("\"event_type\":\"alert\"", "\"event_type\":\"flow\"")), 400, "bad alert");
        assertThat(tmp.resolve("carves/bad-json.pcap")).doesNotExist();
    }

    @Test
    void aBodyOverOneMegabyteIsTooLarge() throws Exception {
        String huge = alert.json() + " ".repeat((1 << 20) + 100 - alert.json().length());
        assertError(post("/api/v1/carves/huge", huge), 413, "alert too large");
        assertThat(tmp.resolve("carves/huge.pcap")).doesNotExist();
        // exactly one megabyte is still read as an alert
        String atLimit = alert.json() + " ".repeat((1 << 20) - alert.json().length());
        assertThat(post("/api/v1/carves/at-limit", atLimit).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownPathsAndMethodsAreRefused() throws Exception {
        assertError(get("/api/v1/nothing-here", "Token " + TOKEN), 404, "not found");
        assertError(get("/", "Token " + TOKEN), 404, "not found");
        assertError(http.send(request("/api/v1/carves/job").header("Authorization", "Token " + TOKEN)
                .DELETE().build(), HttpResponse.BodyHandlers.ofString()), 405, "method not allowed");
    }
}
