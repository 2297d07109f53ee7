package io.flowtrap.probe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.api.CarveJobs;
import io.flowtrap.probe.api.ProbeApiServer;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.settings.RuntimeSettings;
import io.flowtrap.probe.settings.SavedSettings;
import io.flowtrap.probe.settings.SettingsFile;
import io.flowtrap.probe.settings.SettingsService;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET}/{@code PUT /api/v1/settings} over the probe API's real HTTP server: the key, the
 * methods, the statuses and bodies a manager relies on (200 with the answer, 400, 409, 413, 401,
 * 405), each checked against its schema.
 */
class ProbeApiSettingsTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef01234567";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private CapturePipeline pipeline;
    private ProbeApiServer server;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("probe.yaml"), String.join("\n", "name: api-settings", "flows:", "  max-flows: 1000",
                "lookback:", "  size: 1MB", "store:", "  dir: " + dir.resolve("store"), "  max-size: 64MB", "  segment-size: 1MB",
                "  write-buffer: 4MB", ""));
        ProbeSettings config = ProbeSettings.read(dir.resolve("probe.yaml"));
        pipeline = CapturePipeline.open(config.store(), config.flows(), config.lookback(), new AlertIntakeCounters());
        SettingsService settings = new SettingsService(config.name(), new SettingsFile(config.settingsFile()),
                SavedSettings.fromConfigFile(RuntimeSettings.of(config)),
                new RunningProbeSettings(pipeline.engine(), pipeline.flows(), pipeline.store(), config.capture(), false));
        CarveJobs carves = new CarveJobs(dir.resolve("carves"), pipeline.store().extractor(), () -> true, Duration.ofHours(1),
                Duration.ofSeconds(600));
        server = new ProbeApiServer(config.name(), new InetSocketAddress("127.0.0.1", 0), null, TOKEN, pipeline.store(),
                carves, new ProbeApiServer.Endpoints(null, settings, null));
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        pipeline.close();
    }

    private HttpResponse<String> send(String method, String body, String authorization) throws Exception {
        return ProbeApiCalls.send(server.port(), method, "/api/v1/settings", body, authorization);
    }

    private static JsonNode body(HttpResponse<String> response, int status, Document document) throws Exception {
        return ProbeApiCalls.body(response, status, document);
    }

    @Test
    void aManagerReadsChangesAndIsToldOfConflicts() throws Exception {
        JsonNode current = body(send("GET", null, "Token " + TOKEN), 200, Document.PROBE_SETTINGS_ANSWER);
        assertThat(current.get("version").asLong()).isZero();
        assertThat(body(send("GET", null, "Bearer " + TOKEN), 200, Document.PROBE_SETTINGS_ANSWER)).isEqualTo(current);

        // what a manager does: take the answer's settings, change one, PUT it with the version it read
        ObjectNode change = ((ObjectNode) current.get("settings").deepCopy()).put("version", current.get("version").asLong());
        ((ObjectNode) change.get("store")).put("max_size", "8MB");
        JsonNode applied = body(send("PUT", change.toString(), "Token " + TOKEN), 200, Document.PROBE_SETTINGS_ANSWER);
        assertThat(applied.get("version").asLong()).isEqualTo(1);
        assertThat(applied.get("changes").get(0).get("setting").asText()).isEqualTo("store.max_size");
        assertThat(applied.get("changes").get(0).get("applied").asText()).isEqualTo("now");
        assertThat(pipeline.store().status().maxSizeBytes()).isEqualTo(8L << 20);

        // a second manager that read version 0 is refused, and told why
        JsonNode conflict = body(send("PUT", change.toString(), "Token " + TOKEN), 409, Document.ERROR);
        assertThat(conflict.get("error").asText()).isEqualTo("stale settings version");

        ObjectNode badFilter = change.deepCopy().put("version", 1);
        ((ObjectNode) badFilter.get("capture")).put("filter", "port 99999");
        JsonNode refused = body(send("PUT", badFilter.toString(), "Token " + TOKEN), 400, Document.ERROR);
        assertThat(refused.get("error").asText()).isEqualTo("invalid capture filter");
        assertThat(refused.get("detail").asText()).contains("port 99999");
        assertThat(body(send("GET", null, "Token " + TOKEN), 200, Document.PROBE_SETTINGS_ANSWER).get("version").asLong())
                .isEqualTo(1);
    }

    @Test
    void withoutTheKeyNothingIsShownOrChanged() throws Exception {
        HttpResponse<String> anonymous = send("GET", null, null);
        body(anonymous, 401, Document.ERROR);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Token");
        String doc = JSON.createObjectNode().put("version", 0).toString();
        body(send("PUT", doc, "Token wrong-key"), 401, Document.ERROR);
        assertThat(Files.exists(dir.resolve("settings.json"))).isFalse();
    }

    @Test
    void otherMethodsAndHugeBodiesAreRefused() throws Exception {
        HttpResponse<String> post = send("POST", "{}", "Token " + TOKEN);
        body(post, 405, Document.ERROR);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, PUT");
        body(send("PUT", "{\"version\": 0, \"pad\": \"" + "x".repeat(70_000) + "\"}", "Token " + TOKEN), 413, Document.ERROR);
        body(send("PUT", "[]", "Token " + TOKEN), 400, Document.ERROR);
    }
}
