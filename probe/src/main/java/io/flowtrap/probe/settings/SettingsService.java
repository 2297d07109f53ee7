package io.flowtrap.probe.settings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET}/{@code PUT /api/v1/settings}: the versioned settings of a running probe. A PUT is a
 * whole probe-settings document based on the current version; it is checked entirely before
 * anything changes (schema, sizes as the store takes them, the version: a stale one is 409, the BPF
 * filter compiled by libpcap), then the filter is put in force, the document saved
 * ({@link SettingsFile}: a failure there puts the old filter back and changes nothing), and the
 * rest applied at once: arming, the store's limits, the look-back size (a new ring, which gives up
 * what the old one held). The answer says, per setting changed, what was done (a look-back ring
 * that cannot be allocated now is left for the next start). Thread-safe: PUTs
 * are applied one at a time.
 */
public final class SettingsService {
    private static final Logger log = LoggerFactory.getLogger(SettingsService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String probeName;
    private final SettingsFile file;
    private final SettingsTarget target;
    private SavedSettings accepted;
    private RuntimeSettings running;

    /**
     * @param started the settings the probe started with (the saved ones, or the config file's as version 0)
     */
    public SettingsService(String probeName, SettingsFile file, SavedSettings started, SettingsTarget target) {
        this.probeName = probeName;
        this.file = file;
        this.target = target;
        this.accepted = started;
        this.running = started.settings();
    }

    /** The answer to GET: version, where the settings come from, accepted and running values, what waits for a restart. */
    public synchronized ObjectNode answer() {
        ObjectNode answer = JSON.createObjectNode().put("probe", probeName).put("version", accepted.version())
                .put("source", accepted.fromConfigFile() ? "config-file" : "settings-file");
        if (accepted.updatedAt() == null) {
            answer.putNull("updated_at");
        } else {
            answer.put("updated_at", accepted.updatedAt().toString());
        }
        answer.set("settings", accepted.settings().toJson(JSON));
        answer.set("running", running.toJson(JSON));
        ArrayNode restart = answer.putArray("requires_restart");
        Map<String, Object> wanted = accepted.settings().values();
        running.values().forEach((name, value) -> {
            if (!value.equals(wanted.get(name))) {
                restart.add(name);
            }
        });
        return answer;
    }

    /** The version a PUT must carry now. */
    public synchronized long version() {
        return accepted.version();
    }

    /**
     * Checks and applies a PUT's body; returns the answer (with {@code changes}).
     *
     * @throws SettingsRejected with nothing changed
     */
    public synchronized ObjectNode put(byte[] body) throws SettingsRejected {
        JsonNode doc;
        try {
            doc = JSON.readTree(body);
        } catch (IOException e) {
            throw new SettingsRejected(400, "invalid settings", "not JSON: " + (e instanceof JsonProcessingException j
                    ? j.getOriginalMessage() : e.getMessage()));
        }
        if (doc == null || doc.isMissingNode()) {
            throw new SettingsRejected(400, "invalid settings", "empty body: send a probe-settings document");
        }
        List<String> violations = DocumentSchema.of(Document.PROBE_SETTINGS).validate(doc);
        if (!violations.isEmpty()) {
            throw new SettingsRejected(400, "invalid settings", String.join("; ", violations));
        }
        RuntimeSettings wanted;
        try {
            wanted = RuntimeSettings.fromDocument(doc);
            target.check(wanted);
        } catch (IllegalArgumentException e) {
            throw new SettingsRejected(400, "invalid settings", e.getMessage());
        }
        long based = doc.get("version").asLong();
        if (based != accepted.version()) {
            throw new SettingsRejected(409, "stale settings version", "the change is based on version " + based
                    + " but the probe's settings are at version " + accepted.version()
                    + ": GET /api/v1/settings, make the change on what it answers, and PUT that with its version");
        }
        RuntimeSettings before = accepted.settings();
        boolean filterChanged = !wanted.captureFilter().equals(running.captureFilter());
        if (filterChanged) {
            try {
                target.checkFilter(wanted.captureFilter());
            } catch (IOException e) {
                throw new SettingsRejected(400, "invalid capture filter", e.getMessage());
            }
        }

        List<ObjectNode> changes = new ArrayList<>();
        Map<String, Object> from = before.values();
        Map<String, Object> to = wanted.values();
        RuntimeSettings nowRunning = running;
        if (filterChanged) {
            SettingsTarget.Applied applied;
            try {
                applied = target.applyFilter(wanted.captureFilter());
            } catch (IOException e) {
                throw new SettingsRejected(500, "capture filter not applied", e.getMessage() + "; nothing was changed");
            }
            changes.add(change(RuntimeSettings.CAPTURE_FILTER, from, to, applied));
            nowRunning = new RuntimeSettings(nowRunning.pcapExtractionOnAlerts(), wanted.captureFilter(),
                    nowRunning.lookbackSize(), nowRunning.storeMaxSize(), nowRunning.segmentSize(), nowRunning.segmentAge());
        }
        SavedSettings saved;
        try {
            SavedSettings next = new SavedSettings(accepted.version() + 1, Instant.now(), wanted);
            file.write(next);
            saved = new SavedSettings(next.version(), Files.getLastModifiedTime(file.path()).toInstant(), wanted);
        } catch (IOException | RuntimeException e) {
            if (filterChanged) {
                try {
                    target.applyFilter(running.captureFilter());
                } catch (IOException again) {
                    log.error("settings: the capture filter '{}' could not be put back after a failed save: {}",
                            running.captureFilter(), again.getMessage());
                }
            }
            throw new SettingsRejected(500, "settings not saved", file.path() + ": " + e.getMessage()
                    + "; nothing was changed");
        }
        accepted = saved;
        running = nowRunning;

        if (wanted.pcapExtractionOnAlerts() != running.pcapExtractionOnAlerts()) {
            changes.add(change(RuntimeSettings.PCAP_EXTRACTION_ON_ALERTS, from, to,
                    target.applyPcapExtractionOnAlerts(wanted.pcapExtractionOnAlerts())));
        }
        boolean storeChanged = !wanted.storeMaxSize().equals(running.storeMaxSize())
                || !wanted.segmentSize().equals(running.segmentSize()) || !wanted.segmentAge().equals(running.segmentAge());
        SettingsTarget.Applied storeApplied = null;
        if (storeChanged) {
            try {
                storeApplied = target.applyStoreLimits(wanted.storeMaxSize(), wanted.segmentSize(), wanted.segmentAge());
            } catch (IOException e) {
                storeApplied = new SettingsTarget.Applied(SettingsTarget.Applied.AT_RESTART, e.getMessage());
            }
        }
        boolean storeNow = storeApplied == null || storeApplied.applied().equals(SettingsTarget.Applied.NOW);
        running = new RuntimeSettings(wanted.pcapExtractionOnAlerts(), running.captureFilter(), running.lookbackSize(),
                storeNow ? wanted.storeMaxSize() : running.storeMaxSize(),
                storeNow ? wanted.segmentSize() : running.segmentSize(),
                storeNow ? wanted.segmentAge() : running.segmentAge());
        if (storeApplied != null) {
            for (String name : List.of(RuntimeSettings.STORE_MAX_SIZE, RuntimeSettings.STORE_SEGMENT_SIZE,
                    RuntimeSettings.STORE_SEGMENT_AGE)) {
                if (!Objects.equals(from.get(name), to.get(name))) {
                    changes.add(change(name, from, to, storeApplied));
                }
            }
        }
        if (!wanted.lookbackSize().equals(running.lookbackSize())) {
            SettingsTarget.Applied applied;
            try {
                applied = target.applyLookbackSize(wanted.lookbackSize());
            } catch (IOException e) {
                applied = new SettingsTarget.Applied(SettingsTarget.Applied.AT_RESTART, e.getMessage()
                        + "; saved: the probe allocates it at its next start");
            }
            if (applied.applied().equals(SettingsTarget.Applied.NOW)) {
                running = running.withLookbackSize(wanted.lookbackSize());
            }
            changes.add(change(RuntimeSettings.LOOKBACK_SIZE, from, to, applied));
        } else if (!wanted.lookbackSize().equals(before.lookbackSize())) {
            changes.add(change(RuntimeSettings.LOOKBACK_SIZE, from, to, new SettingsTarget.Applied(
                    SettingsTarget.Applied.NOW, "the size in force already")));
        }
        log.info("settings: version {} applied and saved to {}: {}", accepted.version(), file.path(),
                changes.isEmpty() ? "nothing changed" : changes.stream().map(c -> c.get("setting").asText() + " "
                        + c.get("from") + " -> " + c.get("to") + " (" + c.get("applied").asText() + ": "
                        + c.get("detail").asText() + ")").reduce((a, b) -> a + "; " + b).orElse(""));
        ObjectNode answer = answer();
        ArrayNode list = answer.putArray("changes");
        changes.forEach(list::add);
        return answer;
    }

    private static ObjectNode change(String name, Map<String, Object> from, Map<String, Object> to,
            SettingsTarget.Applied applied) {
        ObjectNode c = JSON.createObjectNode().put("setting", name);
        c.set("from", JSON.valueToTree(from.get(name)));
        c.set("to", JSON.valueToTree(to.get(name)));
        return c.put("applied", applied.applied()).put("detail", applied.detail());
    }
}
