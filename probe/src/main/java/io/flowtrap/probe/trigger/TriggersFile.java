package io.flowtrap.probe.trigger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.probe.config.StateFile;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The triggers in force, kept across restarts: {@code {"triggers": [...]}}, each a probe-trigger
 * document with the time it was added; written atomically by {@link StateFile} (mode 0640).
 */
public final class TriggersFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StateFile file;

    public TriggersFile(Path path) {
        this.file = new StateFile(path);
    }

    public Path path() {
        return file.path();
    }

    /**
     * The saved triggers (none if there is no file).
     *
     * @throws IOException if it cannot be read or is not a triggers file (naming each violation)
     */
    public List<ObjectNode> read() throws IOException {
        byte[] bytes = file.read();
        if (bytes == null) {
            return List.of();
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IOException(file.path() + " is not JSON: " + e.getOriginalMessage(), e);
        }
        if (doc == null || !doc.path("triggers").isArray()) {
            throw new IOException(file.path() + " is not a triggers file: no \"triggers\" array");
        }
        List<ObjectNode> out = new ArrayList<>();
        int i = 0;
        for (JsonNode t : doc.get("triggers")) {
            List<String> violations = DocumentSchema.of(Document.PROBE_TRIGGER).validate(t);
            if (!violations.isEmpty() || !t.hasNonNull("added")) {
                throw new IOException(file.path() + ": trigger " + i + " is not a saved trigger: "
                        + (violations.isEmpty() ? "no \"added\" time" : String.join("; ", violations)));
            }
            out.add((ObjectNode) t);
            i++;
        }
        return out;
    }

    public void write(List<ObjectNode> triggers) throws IOException {
        ObjectNode doc = JSON.createObjectNode();
        triggers.forEach(doc.putArray("triggers")::add);
        file.write(JSON.writeValueAsBytes(doc));
    }
}
