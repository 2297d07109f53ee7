package io.flowtrap.manager.alerts;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch._types.mapping.FieldType;
import co.elastic.clients.elasticsearch._types.query_dsl.Operator;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchRequest;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.JsonData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.elasticsearch.ElasticsearchErrors;
import io.flowtrap.manager.elasticsearch.ElasticsearchErrors.Operation;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.springframework.stereotype.Service;

/**
 * The alert search behind {@code alerts_tail} and the GUI's Alerts page: a Lucene query string over
 * the alert indices, within a time window, newest first, a page at a time; for the same query, the
 * most frequent signatures and probes; one alert by its {@code _id}. Hits come back as their stored
 * {@code _source} untouched plus {@code _id}, exactly what the upload call accepts back. A daily
 * index being created as the search runs is waited for (a few seconds at most), not answered 503.
 */
@Service
public class AlertSearch {
    /** One page of hits and how many match in all. */
    public record Page(long total, List<ObjectNode> hits) {}

    /** One value of a field and how many alerts have it. */
    public record Term(String value, long count) {}

    /** The most frequent signatures and probes among the alerts a query finds. */
    public record Summary(List<Term> signatures, List<Term> probes) {}

    /** The query string does not parse. */
    public static final class BadQuery extends Exception {
        private static final long serialVersionUID = 1L;

        BadQuery(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final String SIGNATURES = "signatures";
    private static final String PROBES = "probes";
    private static final Duration ALERT_TIME_GRAIN = Duration.ofNanos(1_000);
    private static final Duration NEW_INDEX_WAIT = Duration.ofSeconds(3);
    private static final Duration NEW_INDEX_POLL = Duration.ofMillis(50);

    private final ElasticsearchClient client;
    private final String indices;
    private final String flowIndices;
    private final ElasticsearchErrors errors;

    public AlertSearch(ElasticsearchClient client, AlertsProperties properties, ElasticsearchErrors errors) {
        this.client = client;
        this.errors = errors;
        this.indices = properties.alertIndexPrefix() + "*";
        this.flowIndices = properties.flowIndexPrefix() + "*";
    }

    /**
     * @param qfilter Lucene query-string syntax; blank: every alert
     * @param fromMillis inclusive, epoch milliseconds
     * @param toMillis inclusive, epoch milliseconds
     * @param page 1-based
     * @throws IOException Elasticsearch unreachable
     */
    public Page search(String qfilter, long fromMillis, long toMillis, int page, int pageSize) throws IOException, BadQuery {
        Query query = query(qfilter, fromMillis, toMillis);
        try {
            SearchResponse<ObjectNode> response = search(SearchRequest.of(s -> s.index(indices)
                    .ignoreUnavailable(true).allowNoIndices(true)
                    .query(query)
                    .sort(o -> o.field(f -> f.field("timestamp").order(SortOrder.Desc).unmappedType(
                            FieldType.Date)))
                    .from((page - 1) * pageSize).size(pageSize)
                    .trackTotalHits(t -> t.enabled(true))));
            List<ObjectNode> hits = hits(response);
            long total = response.hits().total() == null ? hits.size() : response.hits().total().value();
            addCaptures(hits);
            return new Page(total, hits);
        } catch (ElasticsearchException e) {
            throw failure(e);
        } catch (IOException e) {
            errors.count(Operation.SEARCH, ElasticsearchErrors.Kind.UNAVAILABLE);
            throw e;
        }
    }

    /**
     * The most frequent signatures and probes among the alerts {@link #search} would page through
     * (Elasticsearch terms aggregations on {@code alert.signature} and {@code host}), at most
     * {@code size} of each, most frequent first.
     */
    public Summary summary(String qfilter, long fromMillis, long toMillis, int size) throws IOException, BadQuery {
        Query query = query(qfilter, fromMillis, toMillis);
        try {
            SearchResponse<ObjectNode> response = search(SearchRequest.of(s -> s.index(indices)
                    .ignoreUnavailable(true).allowNoIndices(true)
                    .query(query).size(0)
                    .aggregations(SIGNATURES, a -> a.terms(t -> t.field("alert.signature").size(size)))
                    .aggregations(PROBES, a -> a.terms(t -> t.field("host").size(size)))));
            return new Summary(terms(response, SIGNATURES), terms(response, PROBES));
        } catch (ElasticsearchException e) {
            throw failure(e);
        } catch (IOException e) {
            errors.count(Operation.SEARCH, ElasticsearchErrors.Kind.UNAVAILABLE);
            throw e;
        }
    }

    /** The alert with this {@code _id}, as {@link #search} gives it (with its capture), if there is one. */
    public Optional<ObjectNode> find(String id) throws IOException {
        try {
            SearchResponse<ObjectNode> response = search(SearchRequest.of(s -> s.index(indices)
                    .ignoreUnavailable(true).allowNoIndices(true)
                    .query(q -> q.ids(i -> i.values(id))).size(1)));
            List<ObjectNode> hits = hits(response);
            addCaptures(hits);
            return hits.stream().findFirst();
        } catch (ElasticsearchException e) {
            BadQuery refused = failure(e); // a 400 to a search by id is Elasticsearch's fault, not the caller's
            throw new IOException("elasticsearch refused a search by id: " + refused.getMessage(), refused);
        } catch (IOException e) {
            errors.count(Operation.SEARCH, ElasticsearchErrors.Kind.UNAVAILABLE);
            throw e;
        }
    }

    /** The query string (blank: every alert) within the window, as every search here asks it. */
    private static Query query(String qfilter, long fromMillis, long toMillis) {
        List<Query> must = new ArrayList<>();
        if (qfilter != null && !qfilter.isBlank()) {
            must.add(Query.of(q -> q.queryString(s -> s.query(qfilter).defaultOperator(Operator.And)
                    .analyzeWildcard(true))));
        }
        Query window = Query.of(q -> q.range(r -> r.untyped(u -> u.field("timestamp")
                .gte(JsonData.of(fromMillis)).lte(JsonData.of(toMillis)).format("epoch_millis"))));
        return Query.of(q -> q.bool(b -> b.must(must).filter(window)));
    }

    private static List<ObjectNode> hits(SearchResponse<ObjectNode> response) {
        List<ObjectNode> hits = new ArrayList<>(response.hits().hits().size());
        for (Hit<ObjectNode> hit : response.hits().hits()) {
            ObjectNode alert = hit.source();
            if (alert == null) {
                continue;
            }
            alert.put("_id", hit.id());
            hits.add(alert);
        }
        return hits;
    }

    private static List<Term> terms(SearchResponse<ObjectNode> response, String name) {
        Aggregate aggregate = response.aggregations().get(name);
        if (aggregate == null || !aggregate.isSterms()) {
            return List.of(); // no alert index yet: nothing to count
        }
        return aggregate.sterms().buckets().array().stream()
                .map(b -> new Term(b.key().stringValue(), b.docCount())).toList();
    }

    /** A refusal of Elasticsearch's, counted: a query that does not parse (400) is the caller's. */
    private BadQuery failure(ElasticsearchException e) throws IOException {
        if (e.status() == 400) {
            errors.count(Operation.SEARCH, ElasticsearchErrors.Kind.BAD_QUERY);
            return new BadQuery(reason(e), e);
        }
        errors.count(Operation.SEARCH, e.status() == 401 || e.status() == 403
                ? ElasticsearchErrors.Kind.REFUSED : ElasticsearchErrors.Kind.UNAVAILABLE);
        throw new IOException("elasticsearch answered " + e.status() + ": " + reason(e), e);
    }

    /**
     * Adds to each alert what its probe's store holds of its flow ({@code capture}), from the flow
     * records probes send when alerted flows end: the record of the alert's probe and Community ID
     * whose stored packets span the alert's time (a later flow on the same addresses and ports has
     * a record of its own). Alerts whose flow has no record yet (still open, or not stored) get
     * none. One query for the whole page.
     */
    private void addCaptures(List<ObjectNode> alerts) throws IOException {
        List<FieldValue> ids = alerts.stream()
                .map(a -> a.path("community_id").asText(null)).filter(Objects::nonNull).distinct()
                .map(FieldValue::of).toList();
        if (ids.isEmpty()) {
            return;
        }
        SearchResponse<ObjectNode> flows = search(SearchRequest.of(s -> s.index(flowIndices).ignoreUnavailable(true)
                .allowNoIndices(true)
                .query(q -> q.terms(t -> t.field("community_id").terms(v -> v.value(ids))))
                .sort(o -> o.field(f -> f.field("last_ts").order(SortOrder.Desc).unmappedType(
                        FieldType.Date)))
                .size(Math.min(10_000, ids.size() * 4))));
        Map<String, List<ObjectNode>> byFlow = new HashMap<>();
        for (Hit<ObjectNode> hit : flows.hits().hits()) {
            ObjectNode f = hit.source();
            if (f != null) {
                byFlow.computeIfAbsent(f.path("host").asText() + " " + f.path("community_id").asText(), k -> new ArrayList<>()).add(f);
            }
        }
        for (ObjectNode alert : alerts) {
            List<ObjectNode> records = byFlow.getOrDefault(alert.path("host").asText() + " " + alert.path("community_id").asText(), List.of());
            Instant at = alertTime(alert);
            ObjectNode f = records.stream().filter(r -> at == null || spans(r, at)).findFirst().orElse(null);
            if (f != null) {
                ObjectNode capture = alert.putObject("capture");
                capture.put("status", "stored");
                for (String field : List.of("packets", "bytes", "first_ts", "last_ts", "from_flow_start", "end")) {
                    capture.set(field, f.get(field));
                }
            }
        }
    }

    /** The alert's time, or null if it has none that reads. */
    private static Instant alertTime(JsonNode alert) {
        try {
            return AlertDocument.timestamp(alert.path("timestamp").asText()).toInstant();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Whether the record's stored packets span {@code at}, give or take {@link #ALERT_TIME_GRAIN}:
     * an alert's time is its packet's, in the whole microseconds of EVE, a record's in nanoseconds.
     */
    private static boolean spans(JsonNode record, Instant at) {
        try {
            Instant first = Instant.parse(record.path("first_ts").asText());
            Instant last = Instant.parse(record.path("last_ts").asText());
            return !at.isBefore(first.minus(ALERT_TIME_GRAIN)) && !at.isAfter(last.plus(ALERT_TIME_GRAIN));
        } catch (DateTimeException e) {
            return false;
        }
    }

    /**
     * One search, asked again for up to {@link #NEW_INDEX_WAIT} while Elasticsearch answers that no
     * shard is available and nothing else: a daily index being created by the first event of its day
     * (each midnight UTC, and at a probe's first delivery), whose primary starts a moment later.
     */
    private SearchResponse<ObjectNode> search(SearchRequest request) throws IOException {
        long deadline = System.nanoTime() + NEW_INDEX_WAIT.toNanos();
        while (true) {
            try {
                return client.search(request, ObjectNode.class);
            } catch (ElasticsearchException e) {
                if (!shardsStarting(e) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(NEW_INDEX_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while an index was being created", e);
            }
        }
    }

    private static boolean shardsStarting(ElasticsearchException e) {
        var causes = e.error().rootCause();
        return e.status() == 503 && !causes.isEmpty()
                && causes.stream().allMatch(c -> "no_shard_available_action_exception".equals(c.type()));
    }

    private static String reason(ElasticsearchException e) {
        var cause = e.error().causedBy();
        var root = e.error().rootCause().isEmpty() ? null : e.error().rootCause().get(0);
        String text = root != null && root.reason() != null ? root.reason() : e.error().reason();
        if (cause != null && cause.reason() != null && (text == null || !text.contains(cause.reason()))) {
            text = text == null ? cause.reason() : text + ": " + cause.reason();
        }
        return text == null ? e.getMessage() : text;
    }
}
