package io.flowtrap.manager.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * What probes' shippers deliver ({@code POST /api/ingest/events}), NDJSON, one event per line:
 * {@code {"kind": "alert", "probe": name, "event": <EVE alert>}}, or {@code "kind": "flow"} with a
 * flow record (what the probe's store holds of an alerted flow that ended). Valid events are indexed; an
 * invalid line (schema, or a timestamp that names no real time) or one that cannot be made into a
 * document is reported back (and logged) without holding up the rest, since sending it again
 * cannot make it valid. With Elasticsearch down the answer is 503 and nothing is taken, so the
 * shipper keeps the batch in its spool and tries again.
 *
 * <p>Bounds ({@link AlertsProperties.Ingest}): a body over {@code max-body} is refused whole (413), a line
 * over {@code max-line} and an event stamped outside [now - oldest-alert, now + newest-alert] are
 * rejected lines (each event's day names an index: old dates would make new indices without end).
 *
 * <p>A caller bound to one probe (a probe key) speaks for that probe only: a line naming another
 * probe is a rejected line.
 */
@Service
public class EventIngest {
    private static final Logger log = LoggerFactory.getLogger(EventIngest.class);
    private static final int MAX_LINES = 20_000; // shippers send 1,000; a batch is held in memory whole
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    /**
     * What a delivery came to: indexed, each rejected line with why, and each indexed line with parts
     * of its alert kept unindexed (moved into its unindexed_fields) because they conflicted.
     */
    public record IngestReport(int received, int indexed, List<Rejected> rejected, List<Unindexed> unindexed) {}

    public record Rejected(int line, String error) {}

    /** An indexed line whose alert's {@code fields} (dotted paths; {@code *}: all but its time) are unindexed. */
    public record Unindexed(int line, List<String> fields) {}

    private record Parsed(IndexedDocument document, List<String> moved) {}

    private final ObjectMapper json;
    private final BulkIndexer indexer;
    private final String alertIndexPrefix;
    private final String flowIndexPrefix;
    private final AlertsProperties.Ingest limits;

    public EventIngest(ObjectMapper json, BulkIndexer indexer, AlertsProperties properties) {
        this.json = json;
        this.indexer = indexer;
        this.alertIndexPrefix = properties.alertIndexPrefix();
        this.flowIndexPrefix = properties.flowIndexPrefix();
        this.limits = properties.ingest();
    }

    /**
     * Indexes what {@code body} holds.
     *
     * @param boundProbe the only probe the caller may deliver for; null: any
     */
    public IngestReport ingest(InputStream body, String boundProbe) throws IOException {
        List<IndexedDocument> documents = new ArrayList<>();
        List<Integer> documentLines = new ArrayList<>();
        List<List<String>> documentMoves = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        int lineNumber = 0; // physical lines, blank ones too, so a report points at the line sent
        int received = 0;
        Instant now = Instant.now();
        Instant oldest = now.minus(limits.oldestAlert());
        Instant newest = now.plus(limits.newestAlert());
        NdjsonLines lines = new NdjsonLines(body, (int) Math.min(Integer.MAX_VALUE, limits.maxLine().toBytes()),
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
                    throw new DomainException(Kind.TOO_LARGE, "batch too large", "at most " + MAX_LINES + " events");
                }
                try {
                    Parsed parsed = parse(line, boundProbe);
                    IndexedDocument document = parsed.document();
                    if (document.time().isBefore(oldest) || document.time().isAfter(newest)) {
                        throw new IllegalArgumentException("stamped " + document.time() + ", outside what is taken now: "
                                + DAY.format(oldest) + " to " + DAY.format(newest) + " (flowtrap.ingest.oldest-alert, newest-alert)");
                    }
                    documents.add(document);
                    documentLines.add(lineNumber);
                    documentMoves.add(parsed.moved());
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
            throw new DomainException(Kind.TOO_LARGE, "batch too large", e.getMessage()
                    + " (flowtrap.ingest.max-body); nothing of it was taken", e);
        }
        BulkIndexer.Outcome outcome;
        try {
            outcome = indexer.index(documents);
        } catch (IOException e) {
            throw new DomainException(Kind.UNAVAILABLE, "elasticsearch unavailable",
                    "deliver the batch again later; what was indexed is not duplicated (" + e.getMessage() + ")", e);
        }
        for (BulkIndexer.Refused r : outcome.refused()) {
            rejected.add(new Rejected(documentLines.get(r.position()), "elasticsearch refused it: " + r.reason()));
        }
        rejected.sort((a, b) -> Integer.compare(a.line(), b.line()));
        for (Rejected r : rejected) {
            log.warn("ingest: line {} rejected: {}", r.line(), r.error());
        }
        List<Unindexed> unindexed = unindexed(documentLines, documentMoves, outcome);
        for (Unindexed u : unindexed) {
            log.warn("ingest: line {} indexed with {} kept unindexed (in {})", u.line(), u.fields(), UnindexedFields.FIELD);
        }
        return new IngestReport(received, outcome.indexed(), rejected, unindexed);
    }

    /** The indexed lines with parts unindexed: moved for the schema here, or for the mapping by the indexer. */
    private static List<Unindexed> unindexed(List<Integer> lines, List<List<String>> schemaMoves, BulkIndexer.Outcome outcome) {
        List<List<String>> moves = new ArrayList<>(schemaMoves);
        for (BulkIndexer.Unindexed u : outcome.unindexed()) {
            List<String> all = new ArrayList<>(moves.get(u.position()));
            all.addAll(u.fields());
            moves.set(u.position(), all);
        }
        Set<Integer> refused = new HashSet<>();
        outcome.refused().forEach(r -> refused.add(r.position()));
        List<Unindexed> out = new ArrayList<>();
        for (int i = 0; i < moves.size(); i++) {
            if (!moves.get(i).isEmpty() && !refused.contains(i)) {
                out.add(new Unindexed(lines.get(i), List.copyOf(moves.get(i))));
            }
        }
        return out;
    }

    private Parsed parse(String line, String boundProbe) {
        JsonNode envelope;
        try {
            envelope = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        List<String> violations = DocumentSchema.of(DocumentSchema.Document.INGEST_EVENT).validate(envelope);
        List<String> moved = List.of();
        if (!violations.isEmpty() && "alert".equals(envelope.path("kind").asText()) && envelope.path("event").isObject()
                && envelope.path("probe").isTextual()) {
            // a field of the wrong kind outside those that find the flow is kept unindexed, not the alert lost
            moved = UnindexedFields.moveSchemaViolations((ObjectNode) envelope.get("event"), violations);
            if (!moved.isEmpty()) {
                List<String> moves = moved;
                violations = DocumentSchema.of(DocumentSchema.Document.INGEST_EVENT).validate(envelope).stream()
                        .filter(v -> !UnindexedFields.onlyMissingBecauseMoved(v, moves)).toList();
            }
        }
        if (!violations.isEmpty()) {
            throw new IllegalArgumentException("not a valid event: " + String.join("; ", violations));
        }
        String probe = envelope.path("probe").asText();
        if (boundProbe != null && !boundProbe.equals(probe)) {
            throw new IllegalArgumentException("this key delivers events of probe '" + boundProbe + "' only, not of '" + probe + "'");
        }
        ObjectNode event = (ObjectNode) envelope.path("event");
        return envelope.path("kind").asText().equals("flow")
                ? new Parsed(FlowRecordDocument.of(flowIndexPrefix, probe, event), List.of())
                : new Parsed(AlertDocument.of(alertIndexPrefix, probe, event), moved);
    }
}
