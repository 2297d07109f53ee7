package io.flowtrap.manager.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.ManagerProperties;
import io.flowtrap.manager.web.ApiException;
import io.flowtrap.schemas.AlertSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/ingest/events}: what probes' shippers deliver, NDJSON, one event per line:
 * {@code {"kind": "alert", "probe": name, "event": <EVE alert>}}. Valid alerts are indexed; an
 * invalid line is reported back (and logged) without holding up the rest, since sending it again
 * cannot make it valid. With Elasticsearch down the answer is 503 and nothing is taken, so the
 * shipper keeps the batch in its spool and tries again.
 */
@RestController
public class IngestController {
    private static final Logger log = LoggerFactory.getLogger(IngestController.class);
    private static final Pattern PROBE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_LINES = 100_000;

    /** What a delivery came to: indexed, and each rejected line with why. */
    public record IngestReport(int received, int indexed, List<Rejected> rejected) {}

    public record Rejected(int line, String error) {}

    private final ObjectMapper json;
    private final AlertIndexer indexer;
    private final String indexPrefix;

    public IngestController(ObjectMapper json, AlertIndexer indexer, ManagerProperties properties) {
        this.json = json;
        this.indexer = indexer;
        this.indexPrefix = properties.alertIndexPrefix();
    }

    @PostMapping(path = "/api/ingest/events")
    public IngestReport ingest(HttpServletRequest request) throws IOException {
        List<AlertDocument> documents = new ArrayList<>();
        List<Integer> documentLines = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        int lineNumber = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(request.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                if (++lineNumber > MAX_LINES) {
                    throw new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "batch too large", "at most " + MAX_LINES + " events");
                }
                try {
                    documents.add(parse(line));
                    documentLines.add(lineNumber);
                } catch (IllegalArgumentException e) {
                    rejected.add(new Rejected(lineNumber, e.getMessage()));
                }
            }
        }
        AlertIndexer.Outcome outcome;
        try {
            outcome = indexer.index(documents);
        } catch (IOException | RuntimeException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "elasticsearch unavailable",
                    "deliver the batch again later; what was indexed is not duplicated (" + e.getMessage() + ")", e);
        }
        for (AlertIndexer.Refused r : outcome.refused()) {
            rejected.add(new Rejected(documentLines.get(r.position()), "elasticsearch refused it: " + r.reason()));
        }
        for (Rejected r : rejected) {
            log.warn("ingest: line {} rejected: {}", r.line(), r.error());
        }
        return new IngestReport(lineNumber, outcome.indexed(), rejected);
    }

    private AlertDocument parse(String line) {
        JsonNode envelope;
        try {
            envelope = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (!envelope.isObject()) {
            throw new IllegalArgumentException("expected {\"kind\", \"probe\", \"event\"}");
        }
        String kind = envelope.path("kind").asText("");
        String probe = envelope.path("probe").asText("");
        JsonNode event = envelope.path("event");
        if (!kind.equals("alert")) {
            throw new IllegalArgumentException("unknown kind '" + kind + "' (this manager indexes alerts)");
        }
        if (!PROBE_NAME.matcher(probe).matches()) {
            throw new IllegalArgumentException("probe must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
        }
        if (!event.isObject()) {
            throw new IllegalArgumentException("event must be an EVE alert object");
        }
        List<String> violations = AlertSchema.get().validate(event);
        if (!violations.isEmpty()) {
            throw new IllegalArgumentException("not a valid alert: " + String.join("; ", violations));
        }
        return AlertDocument.of(indexPrefix, probe, (ObjectNode) event);
    }
}
