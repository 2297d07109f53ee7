package io.flowtrap.probe.settings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.flowtrap.probe.config.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The file that keeps the settings a PUT applied last, so that the probe starts with them: one
 * probe-settings document (schema {@code probe-settings.schema.json}, its {@code version} that of
 * the settings); when it was written is the file's modification time. Written whole or not at all,
 * mode 0640 ({@link StateFile}). Not thread-safe: one writer (the settings service, which
 * serialises PUTs).
 */
public final class SettingsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final StateFile state;

    public SettingsFile(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.state = new StateFile(this.file);
    }

    public Path path() {
        return file;
    }

    /**
     * The saved settings, or null if there is no file (the probe never had settings applied).
     *
     * @throws IOException if it cannot be read, or is not a valid probe-settings document (the
     *     message names the file and each violation)
     */
    public SavedSettings read() throws IOException {
        byte[] bytes = state.read();
        if (bytes == null) {
            return null;
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not JSON: " + e.getOriginalMessage(), e);
        }
        List<String> violations = doc == null || doc.isMissingNode() ? List.of("$: empty file")
                : DocumentSchema.of(Document.PROBE_SETTINGS).validate(doc);
        if (!violations.isEmpty()) {
            throw new IOException(file + " is not a probe-settings document: " + String.join("; ", violations));
        }
        try {
            return new SavedSettings(doc.get("version").asLong(), Files.getLastModifiedTime(file).toInstant(),
                    RuntimeSettings.fromDocument(doc));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Replaces the file with {@code saved} (its time is the file's), atomically; see the class comment. */
    public void write(SavedSettings saved) throws IOException {
        ObjectNode doc = JSON.createObjectNode().put("version", saved.version());
        doc.setAll(saved.settings().toJson(JSON));
        state.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
    }
}
