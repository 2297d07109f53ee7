package io.flowtrap.probe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.api.CarveJobs;
import io.flowtrap.probe.api.ProbeApiServer;
import io.flowtrap.probe.capture.BpfCompiler;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.trigger.TriggerService;
import io.flowtrap.probe.trigger.TriggerSet;
import io.flowtrap.probe.trigger.TriggersFile;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET}/{@code POST /api/v1/triggers} and {@code DELETE /api/v1/triggers/<name>} over the
 * probe API's real HTTP server, with a real capture engine behind: the statuses and bodies a
 * manager relies on (201, 200, 400 with libpcap's words, 404, 409, 405, 413, 401), each checked
 * against its schema, and what the engine has in force after each.
 */
class ProbeApiTriggersTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path dir;

    private CapturePipeline pipeline;
    private TriggerService triggers;
    private ProbeApiServer server;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("probe.yaml"), String.join("\n", "name: api-triggers", "flows:", "  max-flows: 1000",
                "lookback:", "  size: 1MB", "store:", "  dir: " + dir.resolve("store"), "  max-size: 64MB", "  segment-size: 1MB",
                "  write-buffer: 4MB", ""));
        ProbeSettings config = ProbeSettings.read(dir.resolve("probe.yaml"));
        pipeline = CapturePipeline.open(config.store(), config.flows(), config.lookback(), new AlertIntakeCounters());
        CaptureEngine engine = pipeline.engine();
        triggers = TriggerService.start(config.name(), new TriggersFile(config.triggersFile()),
                expression -> BpfCompiler.compile(expression, 1, 262144), new TriggerService.Target() {
                    @Override
                    public void useTriggers(TriggerSet set) {
                        engine.useTriggers(set);
                    }

                    @Override
                    public long flowsArmedBy(int bit) {
                        return engine.flowsArmedBy(bit);
                    }
                }, Clock.systemUTC());
        CarveJobs carves = new CarveJobs(dir.resolve("carves"), pipeline.store().extractor(), () -> true, Duration.ofHours(1),
                Duration.ofSeconds(600));
        server = new ProbeApiServer(config.name(), new InetSocketAddress("127.0.0.1", 0), null, TOKEN, pipeline.store(),
                carves, new ProbeApiServer.Endpoints(null, null, triggers));
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        triggers.close();
        pipeline.close();
    }

    private HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        return ProbeApiCalls.send(server.port(), method, path, body, authorization);
    }

    private static JsonNode body(HttpResponse<String> response, int status, Document document) throws Exception {
        return ProbeApiCalls.body(response, status, document);
    }

    @Test
    void aManagerAddsListsAndRemovesTriggers() throws Exception {
        String auth = "Token " + TOKEN;
        assertThat(body(send("GET", "/api/v1/triggers", null, auth), 200, Document.PROBE_TRIGGERS_ANSWER).get("triggers")).isEmpty();
        JsonNode added = body(send("POST", "/api/v1/triggers",
                "{\"name\": \"suspects\", \"kind\": \"bpf\", \"filter\": \"host 192.0.2.7\"}", auth), 201,
                Document.PROBE_TRIGGERS_ANSWER);
        assertThat(added.get("added").asText()).isEqualTo("suspects");
        JsonNode list = body(send("POST", "/api/v1/triggers", "{\"name\": \"et-block\", \"kind\": \"watchlist\","
                + " \"entries\": \"198.51.100.0/24\\nnot-an-address\\n\"}", "Bearer " + TOKEN), 201, Document.PROBE_TRIGGERS_ANSWER);
        assertThat(list.get("refused_lines").get(0).get("reason").asText()).contains("not-an-address");
        assertThat(pipeline.engine().triggers().byName()).containsOnlyKeys("suspects", "et-block");

        JsonNode refused = body(send("POST", "/api/v1/triggers", "{\"name\": \"x\", \"kind\": \"bpf\", \"filter\": \"port 99999\"}",
                auth), 400, Document.ERROR);
        assertThat(refused.get("detail").asText()).contains("port 99999");
        body(send("POST", "/api/v1/triggers", "{\"name\": \"suspects\", \"kind\": \"bpf\", \"filter\": \"udp\"}", auth), 409,
                Document.ERROR);

        JsonNode removed = body(send("DELETE", "/api/v1/triggers/suspects", null, auth), 200, Document.PROBE_TRIGGERS_ANSWER);
        assertThat(removed.get("removed").asText()).isEqualTo("suspects");
        assertThat(removed.get("triggers")).hasSize(1);
        body(send("DELETE", "/api/v1/triggers/suspects", null, auth), 404, Document.ERROR);
        body(send("DELETE", "/api/v1/triggers/..%2Fetc", null, auth), 400, Document.ERROR);
        assertThat(pipeline.engine().triggers().byName()).containsOnlyKeys("et-block");
    }

    @Test
    void withoutTheKeyOrWithOtherMethodsOrHugeBodiesNothingChanges() throws Exception {
        body(send("GET", "/api/v1/triggers", null, null), 401, Document.ERROR);
        body(send("POST", "/api/v1/triggers", "{\"name\": \"x\", \"kind\": \"bpf\", \"filter\": \"tcp\"}", "Token wrong"), 401,
                Document.ERROR);
        HttpResponse<String> put = send("PUT", "/api/v1/triggers", "{}", "Token " + TOKEN);
        body(put, 405, Document.ERROR);
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, POST");
        body(send("GET", "/api/v1/triggers/x", null, "Token " + TOKEN), 405, Document.ERROR);
        String huge = "{\"name\": \"big\", \"kind\": \"watchlist\", \"entries\": \"" + "192.0.2.1\\n".repeat(1_700_000) + "\"}";
        body(send("POST", "/api/v1/triggers", huge, "Token " + TOKEN), 413, Document.ERROR);
        assertThat(pipeline.engine().triggers().isEmpty()).isTrue();
        assertThat(Files.exists(dir.resolve("triggers.json"))).isFalse();
    }
}
