package io.flowtrap.probe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.probe.capture.BpfCompiler;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.StoreStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running search seen through the probe API: {@code GET .../progress} while it runs (the search
 * is held where it makes the store's newest packets readable, the writer's flush, so it is seen
 * running for sure), {@code DELETE} cancels it (its POST is answered 409 search cancelled, nothing
 * kept), and {@code GET /api/v1/store/coverage} says what the manifest holds for a window, against
 * the store's own status.
 */
class ProbeApiSearchProgressTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef01234567";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static PcapStore store;
    private static ProbeApiServer server;
    private static HttpClient http;
    private static final CountDownLatch flushing = new CountDownLatch(1);
    private static final CountDownLatch release = new CountDownLatch(1);
    /** Whether the writer's flush holds the search that reaches it. */
    private static final java.util.concurrent.atomic.AtomicBoolean holding = new java.util.concurrent.atomic.AtomicBoolean();

    @BeforeAll
    static void start() throws IOException {
        DemoStore demo = DemoStore.replay(tmp.resolve("store"));
        store = PcapStore.openReadOnly(demo.dir);
        CarveJobs carves = new CarveJobs(tmp.resolve("carves"), store.extractor(), () -> {
            if (!holding.get()) {
                return true;
            }
            flushing.countDown();
            return release.await(30, TimeUnit.SECONDS);
        }, Duration.ofHours(1), Duration.ofSeconds(600));
        server = new ProbeApiServer("probe-t", new InetSocketAddress("127.0.0.1", 0), null, TOKEN, store, carves,
                new ProbeApiServer.Endpoints(null, null, null, expression -> BpfCompiler.compile(expression, 1, 262144)));
        server.start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws IOException {
        release.countDown();
        server.close();
        store.close();
    }

    private static HttpRequest request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Token " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static HttpResponse<byte[]> call(String method, String path) throws Exception {
        return http.send(request(method, path, null), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aRunningSearchShowsItsProgressAndStopsWhenCancelled() throws Exception {
        assertThat(call("GET", "/api/v1/searches/held/progress").statusCode()).as("nothing runs yet").isEqualTo(404);
        holding.set(true);
        CompletableFuture<HttpResponse<byte[]>> search = http.sendAsync(request("POST", "/api/v1/searches/held",
                "{\"filter\": \"tcp\"}"), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(flushing.await(30, TimeUnit.SECONDS)).as("the search began").isTrue();

        HttpResponse<byte[]> progress = call("GET", "/api/v1/searches/held/progress");
        assertThat(progress.statusCode()).as(new String(progress.body())).isEqualTo(200);
        JsonNode p = JSON.readTree(progress.body());
        assertThat(DocumentSchema.of(Document.PROBE_SEARCH_PROGRESS).validate(p)).as(p.toString()).isEmpty();
        assertThat(p.path("segments_read").asLong()).isZero();
        assertThat(p.path("cancelling").asBoolean()).isFalse();

        HttpResponse<byte[]> twice = http.send(request("POST", "/api/v1/searches/held", "{\"filter\": \"tcp\"}"),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(twice.statusCode()).as("a name already running").isEqualTo(409);

        HttpResponse<byte[]> cancel = call("DELETE", "/api/v1/searches/held");
        assertThat(cancel.statusCode()).isEqualTo(202);
        assertThat(DocumentSchema.of(Document.PROBE_SEARCH_PROGRESS).validate(JSON.readTree(cancel.body()))).isEmpty();
        assertThat(JSON.readTree(call("GET", "/api/v1/searches/held/progress").body()).path("cancelling").asBoolean()).isTrue();
        holding.set(false);
        release.countDown();

        HttpResponse<byte[]> answer = search.get(30, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(new String(answer.body())).isEqualTo(409);
        assertThat(JSON.readTree(answer.body()).path("error").asText()).isEqualTo("search cancelled");
        assertThat(call("GET", "/api/v1/searches/held/progress").statusCode()).as("it ended").isEqualTo(404);
        assertThat(call("GET", "/api/v1/searches/held").statusCode()).as("nothing kept").isEqualTo(404);
        assertThat(call("DELETE", "/api/v1/searches/held").statusCode()).isEqualTo(404);
    }

    @Test
    void theCoverageIsWhatTheManifestHoldsForTheWindow() throws Exception {
        StoreStatus s = store.status();
        JsonNode all = JSON.readTree(call("GET", "/api/v1/store/coverage").body());
        assertThat(DocumentSchema.of(Document.PROBE_STORE_COVERAGE).validate(all)).as(all.toString()).isEmpty();
        assertThat(all.path("segments").asLong()).isEqualTo(s.segments().size()).isPositive();
        assertThat(all.path("bytes").asLong()).isEqualTo(s.pcapBytes());

        JsonNode before = JSON.readTree(call("GET", "/api/v1/store/coverage?from=0&to=" + (s.oldestTimestamp() - 1)).body());
        assertThat(before.path("segments").asLong()).isZero();
        assertThat(before.path("bytes").asLong()).isZero();

        assertThat(call("GET", "/api/v1/store/coverage?from=10&to=5").statusCode()).isEqualTo(400);
        assertThat(call("GET", "/api/v1/store/coverage?from=yesterday").statusCode()).isEqualTo(400);
    }
}
