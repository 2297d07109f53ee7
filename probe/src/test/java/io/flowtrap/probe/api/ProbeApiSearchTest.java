package io.flowtrap.probe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.probe.capture.BpfCompiler;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.Tcpdump;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST}/{@code GET /api/v1/searches/<job>} in front of a real store (ops/demo-data replayed):
 * the pcap handed over holds what {@code tcpdump -r} of the store's segments keeps with the same
 * filter inside the window, in time order, capped; the report says so; bad filters get libpcap's words.
 */
class ProbeApiSearchTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef01234567";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static PcapStore store;
    private static ProbeApiServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() throws IOException {
        DemoStore demo = DemoStore.replay(tmp.resolve("store"));
        store = PcapStore.openReadOnly(demo.dir);
        CarveJobs carves = new CarveJobs(tmp.resolve("carves"), store.extractor(), () -> true, Duration.ofHours(1),
                Duration.ofSeconds(600));
        server = new ProbeApiServer("probe-t", new InetSocketAddress("127.0.0.1", 0), null, TOKEN, store, carves,
                new ProbeApiServer.Endpoints(null, null, null, expression -> BpfCompiler.compile(expression, 1, 262144)));
        server.start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        store.close();
    }

    private static HttpResponse<byte[]> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Token " + TOKEN);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode report(HttpResponse<byte[]> r) throws IOException {
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(DocumentSchema.of(Document.PROBE_SEARCH_REPORT).validate(body)).as(body.toString()).isEmpty();
        return body;
    }

    /** tcpdump's lines of every segment for {@code filter}, inside [from, to], in time order (stable). */
    private static List<String> oracle(String filter, long from, long to) throws Exception {
        List<String> lines = new ArrayList<>();
        List<Path> segments;
        try (Stream<Path> files = Files.walk(store.status().dir())) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".pcap")).sorted().toList();
        }
        for (Path segment : segments) {
            for (String line : Tcpdump.lines(segment, filter)) {
                long t = Tcpdump.nanos(line);
                if (t >= from && t <= to) {
                    lines.add(line);
                }
            }
        }
        lines.sort(Comparator.comparingLong(Tcpdump::nanos));
        return lines;
    }

    @Test
    void aSearchHandsOverWhatTcpdumpKeepsInTheWindowInTimeOrder() throws Exception {
        long oldest = store.status().oldestTimestamp();
        long newest = store.status().newestTimestamp();
        long from = oldest + (newest - oldest) / 4;
        long to = oldest + (newest - oldest) * 3 / 4;
        List<String> expected = oracle("tcp", from, to);
        assertThat(expected).hasSizeGreaterThan(10);
        // from as RFC 3339, to as ns: both forms are taken
        JsonNode report = report(call("POST", "/api/v1/searches/s1", JSON.createObjectNode().put("filter", "tcp")
                .put("from", Instant.ofEpochSecond(0, from).toString()).put("to", to).toString()));
        assertThat(report.path("outcome").asText()).isEqualTo("found");
        assertThat(report.path("packets").asLong()).isEqualTo(expected.size());
        assertThat(report.path("first_ts_ns").asLong()).isEqualTo(Tcpdump.nanos(expected.get(0)));
        assertThat(report.path("last_ts_ns").asLong()).isEqualTo(Tcpdump.nanos(expected.get(expected.size() - 1)));

        HttpResponse<byte[]> pcap = call("GET", "/api/v1/searches/s1", null);
        assertThat(pcap.statusCode()).isEqualTo(200);
        assertThat(pcap.headers().firstValue("Content-Type")).hasValue("application/vnd.tcpdump.pcap");
        assertThat(pcap.body().length).isEqualTo(report.path("size").asLong());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pcap.body())))
                .isEqualTo(report.path("sha256").asText());
        Path got = Files.write(tmp.resolve("s1.pcap"), pcap.body());
        assertThat(Tcpdump.lines(got, "")).containsExactlyElementsOf(expected);

        // capped: the earliest N; counted only: the same numbers and no file
        JsonNode capped = report(call("POST", "/api/v1/searches/s2", JSON.createObjectNode().put("filter", "tcp")
                .put("from", from).put("to", to).put("max_packets", 5).toString()));
        assertThat(capped.path("packets").asLong()).isEqualTo(5);
        assertThat(capped.path("matched").asLong()).isEqualTo(expected.size());
        Path five = Files.write(tmp.resolve("s2.pcap"), call("GET", "/api/v1/searches/s2", null).body());
        assertThat(Tcpdump.lines(five, "")).containsExactlyElementsOf(expected.subList(0, 5));
        JsonNode counted = report(call("POST", "/api/v1/searches/s3", JSON.createObjectNode().put("filter", "tcp")
                .put("from", from).put("to", to).put("count_only", true).toString()));
        assertThat(counted.path("matched").asLong()).isEqualTo(expected.size());
        assertThat(counted.has("sha256")).isFalse();
        assertThat(call("GET", "/api/v1/searches/s3", null).statusCode()).isEqualTo(404);
    }

    @Test
    void nothingMatchedIsNoneAndNoFile() throws Exception {
        JsonNode report = report(call("POST", "/api/v1/searches/empty", "{\"filter\": \"host 203.0.113.254\"}"));
        assertThat(report.path("outcome").asText()).isEqualTo("none");
        assertThat(report.path("packets").asLong()).isZero();
        HttpResponse<byte[]> r = call("GET", "/api/v1/searches/empty", null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("no such search");
    }

    @Test
    void aBadFilterIsRefusedWithLibpcapsWords() throws Exception {
        HttpResponse<byte[]> r = call("POST", "/api/v1/searches/bad", "{\"filter\": \"tcp port eleventy\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("error").asText()).isEqualTo("invalid filter");
        assertThat(body.path("detail").asText()).contains("rejected:").contains("eleventy");
        assertThat(DocumentSchema.of(Document.ERROR).validate(body)).isEmpty();

        for (String bad : List.of("{}", "{\"filter\": \"tcp\", \"from\": 10, \"to\": 5}", "{\"filter\": \"tcp\", \"from\": \"yesterday\"}",
                "{\"filter\": \"tcp\", \"max_packets\": -1}", "not json")) {
            HttpResponse<byte[]> refused = call("POST", "/api/v1/searches/bad", bad);
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
        }
        assertThat(call("POST", "/api/v1/searches/..%2Fx", "{\"filter\": \"tcp\"}").statusCode()).isEqualTo(400);
        assertThat(call("DELETE", "/api/v1/searches/x", null).statusCode()).as("no search x runs").isEqualTo(404);
        assertThat(call("PUT", "/api/v1/searches/x", null).statusCode()).isEqualTo(405);
    }
}
