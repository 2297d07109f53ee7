package io.flowtrap.manager.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.api.manager.IngestReport;
import io.flowtrap.api.manager.IngestReport.Rejected;
import io.flowtrap.api.manager.IngestReport.Unindexed;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.InputStream;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * What probes' shippers deliver ({@code POST /api/ingest/events}), NDJSON, one event per line:
 * {@code {"kind": "alert", "probe": name, "event": <EVE alert>}}, or {@code "kind": "flow"} with a
 * flow record (what the probe's store holds of an alerted flow that ended), or {@code "kind": "watchlist"}
 * with a watchlist event (a flow a watchlist armed: indexed with the alerts, told to the {@link
 * WatchlistEventListener}s once indexed). Valid events are indexed; an
 * invalid line (schema, or a timestamp that names no real time) or one that cannot be made into a
 * document is reported back (and logged) without holding up the rest, since sending it again
 * cannot make it valid. With Elasticsearch down the answer is 503 and nothing is taken, so the
 * shipper keeps the batch in its spool and tries again.
 *
 * <p>Bounds ({@link AlertsProperties.Ingest}): a body over {@code max-body} is refused whole (413), a line
 * over {@code max-line} and an event stamped outside [now - oldest-alert, now + newest-alert] are
 * rejected lines (each event's day names an index: old dates would make new indices without end).
 *
 * <p>Meters (README "Manager metrics"): events indexed by probe and kind, rejected lines by {@link Reason}
 * (the probe's shipper dead-letters each), batches by outcome (one answered 503 is delivered again,
 * and dead-lettered by the shipper after its last attempt), lines indexed with fields kept unindexed.
 *
 * <p>A caller bound to one probe (a probe key) speaks for that probe only: a line naming another
 * probe is a rejected line.
 */
@Service
public class EventIngest {
    private static final Logger log = LoggerFactory.getLogger(EventIngest.class);
    private static final int MAX_LINES = 20_000; // shippers send 1,000; a batch is held in memory whole
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    private record Parsed(IndexedDocument document, String probe, List<String> moved) {}

    /** Why a line is rejected: the {@code reason} of {@code flowtrap.ingest.rejected.lines}. */
    public enum Reason {
        /** longer than flowtrap.ingest.max-line */
        TOO_LONG,
        /** not a JSON document */
        NOT_JSON,
        /** not a valid event (schemas/ingest-event) */
        INVALID,
        /** a timestamp that names no real date and time */
        BAD_TIME,
        /** stamped outside [now - oldest-alert, now + newest-alert] */
        OUT_OF_WINDOW,
        /** names a probe the caller's key does not speak for */
        WRONG_PROBE,
        /** Elasticsearch refused the document (a 4xx of its own) */
        ELASTICSEARCH,
        /** the manager's own code could not make it a document (a bug) */
        INTERNAL;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A line refused on its own, for {@code reason}. */
    private static final class LineRejected extends Exception {
        private static final long serialVersionUID = 1L;
        final Reason reason;

        LineRejected(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    private final ObjectMapper json;
    private final BulkIndexer indexer;
    private final String alertIndexPrefix;
    private final String flowIndexPrefix;
    private final AlertsProperties.Ingest limits;
    private final Map<Reason, Counter> rejectedLines = new EnumMap<>(Reason.class);
    private final MeterRegistry meters;
    private final Counter unindexedLines;
    private final Counter batchesTaken;
    private final Counter batchesUnavailable;
    private final Counter batchesTooLarge;
    private final List<WatchlistEventListener> watchlistListeners;

    public EventIngest(ObjectMapper json, BulkIndexer indexer, AlertsProperties properties, MeterRegistry meters,
            List<WatchlistEventListener> watchlistListeners) {
        this.json = json;
        this.watchlistListeners = List.copyOf(watchlistListeners);
        this.indexer = indexer;
        this.alertIndexPrefix = properties.alertIndexPrefix();
        this.flowIndexPrefix = properties.flowIndexPrefix();
        this.limits = properties.ingest();
        for (Reason r : Reason.values()) {
            rejectedLines.put(r, Counter.builder("flowtrap.ingest.rejected.lines").tag("reason", r.tag())
                    .description("ingest lines rejected on their own (the probe dead-letters each)").register(meters));
        }
        this.meters = meters;
        unindexedLines = Counter.builder("flowtrap.ingest.unindexed.lines")
                .description("alerts indexed with fields kept in unindexed_fields").register(meters);
        String batches = "flowtrap.ingest.batches";
        String what = "ingest deliveries by outcome";
        batchesTaken = Counter.builder(batches).tag("outcome", "taken").description(what).register(meters);
        batchesUnavailable = Counter.builder(batches).tag("outcome", "elasticsearch_unavailable").description(what).register(meters);
        batchesTooLarge = Counter.builder(batches).tag("outcome", "too_large").description(what).register(meters);
    }

    /**
     * Indexes what {@code body} holds.
     *
     * @param boundProbe the only probe the caller may deliver for; null: any
     */
    public IngestReport ingest(InputStream body, String boundProbe) throws IOException {
        List<IndexedDocument> documents = new ArrayList<>();
        List<Integer> documentLines = new ArrayList<>();
        List<String> documentProbes = new ArrayList<>();
        List<List<String>> documentMoves = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        Map<Reason, Integer> reasons = new EnumMap<>(Reason.class); // counted once the batch is taken
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
                    reasons.merge(Reason.TOO_LONG, 1, Integer::sum);
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                if (++received > MAX_LINES) {
                    batchesTooLarge.increment();
                    throw new DomainException(Kind.TOO_LARGE, "batch too large", "at most " + MAX_LINES + " events");
                }
                try {
                    Parsed parsed = parse(line, boundProbe);
                    IndexedDocument document = parsed.document();
                    if (document.time().isBefore(oldest) || document.time().isAfter(newest)) {
                        throw new LineRejected(Reason.OUT_OF_WINDOW, "stamped " + document.time() + ", outside what is taken now: "
                                + DAY.format(oldest) + " to " + DAY.format(newest) + " (flowtrap.ingest.oldest-alert, newest-alert)");
                    }
                    documents.add(document);
                    documentProbes.add(parsed.probe());
                    documentLines.add(lineNumber);
                    documentMoves.add(parsed.moved());
                } catch (LineRejected e) {
                    rejected.add(new Rejected(lineNumber, e.getMessage()));
                    reasons.merge(e.reason, 1, Integer::sum);
                } catch (RuntimeException e) {
                    // A line our own code cannot turn into a document is a bug here, but sending it again
                    // cannot help: it is refused on its own so it never holds back the lines after it.
                    log.error("ingest: line {} could not be made into a document", lineNumber, e);
                    rejected.add(new Rejected(lineNumber, "cannot be indexed: " + e));
                    reasons.merge(Reason.INTERNAL, 1, Integer::sum);
                }
            }
        } catch (NdjsonLines.BodyTooLarge e) {
            batchesTooLarge.increment();
            throw new DomainException(Kind.TOO_LARGE, "batch too large", e.getMessage()
                    + " (flowtrap.ingest.max-body); nothing of it was taken", e);
        }
        BulkIndexer.Outcome outcome;
        try {
            outcome = indexer.index(documents);
        } catch (IOException e) {
            batchesUnavailable.increment();
            throw new DomainException(Kind.UNAVAILABLE, "elasticsearch unavailable",
                    "deliver the batch again later; what was indexed is not duplicated (" + e.getMessage() + ")", e);
        }
        Set<Integer> refusedPositions = new HashSet<>();
        for (BulkIndexer.Refused r : outcome.refused()) {
            rejected.add(new Rejected(documentLines.get(r.position()), "elasticsearch refused it: " + r.reason()));
            reasons.merge(Reason.ELASTICSEARCH, 1, Integer::sum);
            refusedPositions.add(r.position());
        }
        countIndexed(documents, documentProbes, refusedPositions);
        tellWatchlistEvents(documents, documentProbes, refusedPositions);
        batchesTaken.increment();
        reasons.forEach((reason, n) -> rejectedLines.get(reason).increment(n));
        rejected.sort((a, b) -> Integer.compare(a.line(), b.line()));
        for (Rejected r : rejected) {
            log.warn("ingest: line {} rejected: {}", r.line(), r.error());
        }
        List<Unindexed> unindexed = unindexed(documentLines, documentMoves, outcome);
        for (Unindexed u : unindexed) {
            log.warn("ingest: line {} indexed with {} kept unindexed (in {})", u.line(), u.fields(), UnindexedFields.FIELD);
        }
        unindexedLines.increment(unindexed.size());
        return new IngestReport(received, outcome.indexed(), rejected, unindexed);
    }

    /** Adds the indexed documents to {@code flowtrap.ingest.events}, by probe and kind. */
    private void countIndexed(List<IndexedDocument> documents, List<String> probes, Set<Integer> refused) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i < documents.size(); i++) {
            if (!refused.contains(i)) {
                String kind = documents.get(i) instanceof FlowRecordDocument ? "flow" : isWatchlistEvent(documents.get(i)) ? "watchlist"
                        : "alert";
                counts.merge(List.of(probes.get(i), kind), 1, Integer::sum);
            }
        }
        counts.forEach((key, n) -> Counter.builder("flowtrap.ingest.events").tag("probe", key.get(0)).tag("kind", key.get(1))
                .description("events indexed from probes' deliveries").register(meters).increment(n));
    }

    private static boolean isWatchlistEvent(IndexedDocument d) {
        return d instanceof AlertDocument a && "watchlist".equals(a.source().path("event_type").asText());
    }

    private void tellWatchlistEvents(List<IndexedDocument> documents, List<String> probes, Set<Integer> refused) {
        for (int i = 0; i < documents.size(); i++) {
            if (!refused.contains(i) && isWatchlistEvent(documents.get(i))) {
                for (WatchlistEventListener l : watchlistListeners) {
                    try {
                        l.watchlistEventIndexed(probes.get(i), ((AlertDocument) documents.get(i)).source());
                    } catch (RuntimeException e) { // the event is indexed; a listener's bug must not fail the batch
                        log.error("ingest: a watchlist event listener failed", e);
                    }
                }
            }
        }
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

    private Parsed parse(String line, String boundProbe) throws LineRejected {
        JsonNode envelope;
        try {
            envelope = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new LineRejected(Reason.NOT_JSON, "not JSON: " + e.getOriginalMessage());
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
            throw new LineRejected(Reason.INVALID, "not a valid event: " + String.join("; ", violations));
        }
        String probe = envelope.path("probe").asText();
        if (boundProbe != null && !boundProbe.equals(probe)) {
            throw new LineRejected(Reason.WRONG_PROBE, "this key delivers events of probe '" + boundProbe + "' only, not of '" + probe + "'");
        }
        ObjectNode event = (ObjectNode) envelope.path("event");
        try {
            return envelope.path("kind").asText().equals("flow")
                    ? new Parsed(FlowRecordDocument.of(flowIndexPrefix, probe, event), probe, List.of())
                    : new Parsed(AlertDocument.of(alertIndexPrefix, probe, event), probe, moved); // an alert, or a watchlist event
        } catch (IllegalArgumentException e) { // what the documents refuse: a time that does not exist
            throw new LineRejected(Reason.BAD_TIME, e.getMessage());
        }
    }
}
