package io.flowtrap.manager.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.ManagerProperties;
import io.flowtrap.manager.tokens.Role;
import io.flowtrap.manager.tokens.TokenStore;
import io.flowtrap.manager.web.ApiException;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/ingest/events}: what probes' shippers deliver, NDJSON, one event per line:
 * {@code {"kind": "alert", "probe": name, "event": <EVE alert>}}, or {@code "kind": "flow"} with a
 * flow record (what the probe's store holds of an alerted flow that ended). Valid events are indexed; an
 * invalid line (schema, or a timestamp that names no real time) or one that cannot be made into a
 * document is reported back (and logged) without holding up the rest, since sending it again
 * cannot make it valid. With Elasticsearch down the answer is 503 and nothing is taken, so the
 * shipper keeps the batch in its spool and tries again.
 *
 * <p>Bounds ({@link IngestProperties}): a body over {@code max-body} is refused whole (413), a line
 * over {@code max-line} and an event stamped outside [now - oldest-alert, now + newest-alert] are
 * rejected lines (each event's day names an index: old dates would make new indices without end).
 *
 * <p>A probe key speaks for its own probe only: a line naming another probe is a rejected line, and
 * a probe key bound to no probe (made before keys were bound) delivers nothing (403). Admin keys
 * may deliver for any probe.
 */
@RestController
public class IngestController {
    private static final Logger log = LoggerFactory.getLogger(IngestController.class);
    private static final int MAX_LINES = 20_000; // shippers send 1,000; a batch is held in memory whole
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    /** What a delivery came to: indexed, and each rejected line with why. */
    public record IngestReport(int received, int indexed, List<Rejected> rejected) {}

    public record Rejected(int line, String error) {}

    private final ObjectMapper json;
    private final BulkIndexer indexer;
    private final String alertIndexPrefix;
    private final String flowIndexPrefix;
    private final IngestProperties limits;

    public IngestController(ObjectMapper json, BulkIndexer indexer, ManagerProperties properties, IngestProperties limits) {
        this.json = json;
        this.indexer = indexer;
        this.alertIndexPrefix = properties.alertIndexPrefix();
        this.flowIndexPrefix = properties.flowIndexPrefix();
        this.limits = limits;
    }

    @PostMapping(path = "/api/ingest/events")
    public IngestReport ingest(HttpServletRequest request, Authentication caller) throws IOException {
        String boundProbe = boundProbe(caller);
        List<IndexedDocument> documents = new ArrayList<>();
        List<Integer> documentLines = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        int lineNumber = 0; // physical lines, blank ones too, so a report points at the line sent
        int received = 0;
        Instant now = Instant.now();
        Instant oldest = now.minus(limits.oldestAlert());
        Instant newest = now.plus(limits.newestAlert());
        NdjsonLines lines = new NdjsonLines(request.getInputStream(), (int) Math.min(Integer.MAX_VALUE, limits.maxLine().toBytes()),
                limits.maxBody().toBytes());
        try {
            String line;
            while ((line = lines.next()) != null) {
                lineNumber++;
                if (lines.lastOversized()) {
                    received++;
                    rejected.add(new Rejected(lineNumber, "line longer than " + limits.maxLine().toBytes() + " bytes"));
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                if (++received > MAX_LINES) {
                    throw new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "batch too large", "at most " + MAX_LINES + " events");
                }
                try {
                    IndexedDocument document = parse(line, boundProbe);
                    if (document.time().isBefore(oldest) || document.time().isAfter(newest)) {
                        throw new IllegalArgumentException("stamped " + document.time() + ", outside what is taken now: "
                                + DAY.format(oldest) + " to " + DAY.format(newest) + " (flowtrap.ingest.oldest-alert, newest-alert)");
                    }
                    documents.add(document);
                    documentLines.add(lineNumber);
                } catch (IllegalArgumentException e) {
                    rejected.add(new Rejected(lineNumber, e.getMessage()));
                } catch (RuntimeException e) {
                    // A line our own code cannot turn into a document is a bug here, but sending it again
                    // cannot help: it is refused on its own so it never holds back the lines after it.
                    log.error("ingest: line {} could not be made into a document", lineNumber, e);
                    rejected.add(new Rejected(lineNumber, "cannot be indexed: " + e));
                }
            }
        } catch (NdjsonLines.BodyTooLarge e) {
            throw new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "batch too large", e.getMessage()
                    + " (flowtrap.ingest.max-body); nothing of it was taken", e);
        }
        BulkIndexer.Outcome outcome;
        try {
            outcome = indexer.index(documents);
        } catch (IOException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "elasticsearch unavailable",
                    "deliver the batch again later; what was indexed is not duplicated (" + e.getMessage() + ")", e);
        }
        for (BulkIndexer.Refused r : outcome.refused()) {
            rejected.add(new Rejected(documentLines.get(r.position()), "elasticsearch refused it: " + r.reason()));
        }
        for (Rejected r : rejected) {
            log.warn("ingest: line {} rejected: {}", r.line(), r.error());
        }
        return new IngestReport(received, outcome.indexed(), rejected);
    }

    /** The only probe the caller may deliver for; null for an admin, who may deliver for any. */
    private static String boundProbe(Authentication caller) {
        TokenStore.Entry key = (TokenStore.Entry) caller.getPrincipal();
        if (key.role() != Role.PROBE) {
            return null;
        }
        if (key.probe() == null) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "this probe key names no probe; make one for this"
                    + " probe with: flowtrap-manager token create --role probe --probe NAME");
        }
        return key.probe();
    }

    private IndexedDocument parse(String line, String boundProbe) {
        JsonNode envelope;
        try {
            envelope = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        List<String> violations = DocumentSchema.of(DocumentSchema.Document.INGEST_EVENT).validate(envelope);
        if (!violations.isEmpty()) {
            throw new IllegalArgumentException("not a valid event: " + String.join("; ", violations));
        }
        String probe = envelope.path("probe").asText();
        if (boundProbe != null && !boundProbe.equals(probe)) {
            throw new IllegalArgumentException("this key delivers events of probe '" + boundProbe + "' only, not of '" + probe + "'");
        }
        ObjectNode event = (ObjectNode) envelope.path("event");
        return envelope.path("kind").asText().equals("flow")
                ? FlowRecordDocument.of(flowIndexPrefix, probe, event)
                : AlertDocument.of(alertIndexPrefix, probe, event);
    }
}
