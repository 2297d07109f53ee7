package io.flowtrap.probe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.settings.RuntimeSettings;
import io.flowtrap.probe.settings.SavedSettings;
import io.flowtrap.probe.settings.SettingsFile;
import io.flowtrap.probe.settings.SettingsRejected;
import io.flowtrap.probe.settings.SettingsService;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings service over a real probe's parts (a pipeline with its store, the run command's
 * {@link RunningProbeSettings} as in a replay, libpcap compiling filters, a real settings file):
 * validation, versions, what each change did, and that a refused PUT changes nothing.
 */
class SettingsServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ProbeSettings config;
    private CapturePipeline pipeline;
    private SettingsFile file;
    private SettingsService service;
    private volatile boolean capturing = true;
    private Thread captureThread;

    @BeforeEach
    void probe() throws Exception {
        Files.writeString(dir.resolve("probe.yaml"), String.join("\n", "name: settings-t", "flows:", "  max-flows: 1000",
                "lookback:", "  size: 1MB", "store:", "  dir: " + dir.resolve("store"), "  max-size: 64MB", "  segment-size: 1MB",
                "  segment-age: 10m", "  write-buffer: 4MB", ""));
        config = ProbeSettings.read(dir.resolve("probe.yaml"));
        pipeline = CapturePipeline.open(config.store(), config.flows(), config.lookback(), new AlertIntakeCounters());
        file = new SettingsFile(config.settingsFile());
        service = new SettingsService("settings-t", file,
                SavedSettings.fromConfigFile(RuntimeSettings.of(config)),
                new RunningProbeSettings(pipeline.engine(), pipeline.flows(), pipeline.store(), config.capture(), false));
        // the capture thread of a replay that has ended, as run does: housekeeping while idle
        captureThread = new Thread(() -> {
            while (capturing) {
                try {
                    pipeline.engine().idle(System.currentTimeMillis() * 1_000_000L);
                    Thread.sleep(20);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }, "capture");
        captureThread.start();
    }

    @AfterEach
    void close() throws Exception {
        capturing = false;
        captureThread.join();
        pipeline.close();
    }

    private ObjectNode document(long version) {
        ObjectNode doc = JSON.createObjectNode().put("version", version).put("pcap_extraction_on_alerts", true);
        doc.putObject("capture").put("filter", "");
        doc.putObject("lookback").put("size", "1MB");
        doc.putObject("store").put("max_size", "64MB").put("segment_size", "1MB").put("segment_age", "10m");
        return doc;
    }

    private ObjectNode put(JsonNode doc) throws SettingsRejected {
        ObjectNode answer = service.put(doc.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(DocumentSchema.of(Document.PROBE_SETTINGS_ANSWER).validate(answer)).as("%s", answer).isEmpty();
        return answer;
    }

    private void assertRejected(JsonNode doc, int status, String error, String detailPart) throws Exception {
        byte[] fileBefore = Files.isRegularFile(file.path()) ? Files.readAllBytes(file.path()) : null;
        JsonNode before = service.answer();
        assertThatThrownBy(() -> service.put(doc.toString().getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(SettingsRejected.class, e -> {
                    assertThat(e.status()).isEqualTo(status);
                    assertThat(e.error()).isEqualTo(error);
                    assertThat(e.detail()).contains(detailPart);
                });
        assertThat((JsonNode) service.answer()).as("nothing changed").isEqualTo(before);
        assertThat(Files.isRegularFile(file.path()) ? Files.readAllBytes(file.path()) : null).isEqualTo(fileBefore);
        assertThat(pipeline.store().config().maxSizeBytes()).isEqualTo(64L << 20);
    }

    @Test
    void startsAtVersionZeroFromTheConfigFile() {
        ObjectNode answer = service.answer();
        assertThat(DocumentSchema.of(Document.PROBE_SETTINGS_ANSWER).validate(answer)).isEmpty();
        assertThat(answer.get("version").asLong()).isZero();
        assertThat(answer.get("source").asText()).isEqualTo("config-file");
        assertThat(answer.get("updated_at").isNull()).isTrue();
        assertThat(answer.get("settings")).isEqualTo(answer.get("running"));
        assertThat(answer.get("settings").get("store").get("max_size").asText()).isEqualTo("64MB");
        assertThat(answer.get("requires_restart")).isEmpty();
        assertThat(config.settingsFile()).isEqualTo(dir.resolve("settings.json"));
    }

    @Test
    void aPutAppliesSavesAndSaysWhatEachChangeDid() throws Exception {
        ObjectNode doc = document(0).put("pcap_extraction_on_alerts", false);
        ((ObjectNode) doc.get("store")).put("max_size", "16MB").put("segment_age", "30s");
        ((ObjectNode) doc.get("lookback")).put("size", "2MB");
        ((ObjectNode) doc.get("capture")).put("filter", "tcp port 80");
        ObjectNode answer = put(doc);

        assertThat(answer.get("version").asLong()).isEqualTo(1);
        assertThat(answer.get("source").asText()).isEqualTo("settings-file");
        assertThat(answer.get("settings").get("store").get("max_size").asText()).isEqualTo("16MB");
        assertThat(answer.get("running").get("store").get("max_size").asText()).isEqualTo("16MB");
        assertThat(answer.get("running").get("lookback").get("size").asText()).isEqualTo("2MB");
        assertThat(answer.get("requires_restart")).isEmpty();
        assertThat(answer.get("changes")).extracting(c -> c.get("setting").asText() + "=" + c.get("applied").asText())
                .containsExactlyInAnyOrder("capture.filter=live_capture_only", "pcap_extraction_on_alerts=now",
                        "store.max_size=now", "store.segment_age=now", "lookback.size=now");
        assertThat(pipeline.store().config().maxSizeBytes()).isEqualTo(16L << 20);
        assertThat(pipeline.store().status().maxSizeBytes()).isEqualTo(16L << 20);
        assertThat(pipeline.store().config().segmentMaxAge()).hasSeconds(30);

        SavedSettings saved = file.read();
        assertThat(saved.version()).isEqualTo(1);
        assertThat(saved.settings().pcapExtractionOnAlerts()).isFalse();
        assertThat(saved.settings().captureFilter()).isEqualTo("tcp port 80");
        assertThat(saved.settings().lookbackSize()).isEqualTo(DataSize.ofMegabytes(2));
        assertThat(answer.get("updated_at").asText()).isEqualTo(saved.updatedAt().toString());

        // and what the next start uses: the saved settings over the config file's
        ProbeSettings next = saved.settings().over(config);
        assertThat(next.store().maxSize()).isEqualTo(DataSize.ofMegabytes(16));
        assertThat(next.lookback().size()).isEqualTo(DataSize.ofMegabytes(2));
        assertThat(next.alerts().pcapExtractionOnAlerts()).isFalse();
        assertThat(next.capture().filter()).isEqualTo("tcp port 80");
        assertThat(next.store().dir()).isEqualTo(config.store().dir());
        assertThat(next.store().writeBuffer()).isEqualTo(config.store().writeBuffer());

        // the same settings again: a new version, nothing to change
        ObjectNode same = put(doc.deepCopy().put("version", 1));
        assertThat(same.get("version").asLong()).isEqualTo(2);
        assertThat(same.get("changes")).isEmpty();
    }

    @Test
    void aStaleVersionIsAConflict() throws Exception {
        put(document(0));
        assertRejected(document(0).put("pcap_extraction_on_alerts", false), 409, "stale settings version",
                "based on version 0 but the probe's settings are at version 1");
        assertRejected(document(7), 409, "stale settings version", "at version 1");
        assertThat(put(document(1)).get("version").asLong()).isEqualTo(2);
    }

    @Test
    void aFilterLibpcapCannotCompileIsRefusedWithItsWords() throws Exception {
        ObjectNode doc = document(0);
        ((ObjectNode) doc.get("capture")).put("filter", "tcp port eighty");
        assertRejected(doc, 400, "invalid capture filter", "BPF filter 'tcp port eighty' rejected: ");
        ((ObjectNode) doc.get("capture")).put("filter", "tcp and (");
        assertRejected(doc, 400, "invalid capture filter", "syntax error");
        ((ObjectNode) doc.get("capture")).put("filter", "vlan 7");
        assertRejected(doc, 400, "invalid capture filter", "the ring engine cannot filter on 'vlan'");
    }

    @Test
    void aDocumentTheSchemaRefusesIsRefusedWithEachViolation() throws Exception {
        ObjectNode doc = document(0).put("pcap_extraction_on_alerts", "yes");
        ((ObjectNode) doc.get("store")).remove("segment_age");
        assertRejected(doc, 400, "invalid settings", "$.pcap_extraction_on_alerts: boolean expected, string found");
        assertRejected(doc, 400, "invalid settings", "$.store: required property 'segment_age' not found");
        assertThatThrownBy(() -> service.put("{\"version\": ".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(SettingsRejected.class, e -> assertThat(e.detail()).startsWith("not JSON"));
        assertThatThrownBy(() -> service.put(new byte[0]))
                .isInstanceOfSatisfying(SettingsRejected.class, e -> assertThat(e.detail()).startsWith("empty body"));
    }

    @Test
    void sizesTheStoreOrTheLookbackCannotTakeAreRefused() throws Exception {
        ObjectNode doc = document(0);
        ((ObjectNode) doc.get("store")).put("max_size", "1MB");
        assertRejected(doc, 400, "invalid settings", "store: the store's max size (1048576 bytes) must hold at least two segments");
        doc = document(0);
        ((ObjectNode) doc.get("store")).put("segment_size", "4KB");
        assertRejected(doc, 400, "invalid settings", "segment size must be between 64KB and 2GB");
        doc = document(0);
        ((ObjectNode) doc.get("lookback")).put("size", "4TB");
        assertRejected(doc, 400, "invalid settings", "lookback.size must be between 64KB and 2GB, not 4TB");
    }

    @Test
    void aSettingsFileThatCannotBeWrittenChangesNothing() throws Exception {
        Files.createDirectories(file.path()); // a directory where the file should be: the rename fails
        ObjectNode doc = document(0);
        ((ObjectNode) doc.get("store")).put("max_size", "16MB");
        assertRejected(doc, 500, "settings not saved", "nothing was changed");
    }

    @Test
    void aRestartedProbeGoesOnFromTheSavedVersion() throws Exception {
        ObjectNode doc = document(0);
        ((ObjectNode) doc.get("store")).put("max_size", "32MB");
        put(doc);
        SavedSettings saved = file.read();
        SettingsService restarted = new SettingsService("settings-t", file, saved,
                new RunningProbeSettings(pipeline.engine(), pipeline.flows(), pipeline.store(), config.capture(), false));
        ObjectNode answer = restarted.answer();
        assertThat(answer.get("version").asLong()).isEqualTo(1);
        assertThat(answer.get("source").asText()).isEqualTo("settings-file");
        assertThat(answer.get("settings").get("store").get("max_size").asText()).isEqualTo("32MB");
        assertThat(restarted.put(document(1).toString().getBytes(StandardCharsets.UTF_8)).get("version").asLong())
                .isEqualTo(2);
    }
}
