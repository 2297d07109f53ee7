package io.flowtrap.manager.alerts;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.util.BinaryData;
import co.elastic.clients.util.ContentType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.elasticsearch.ElasticsearchErrors;
import io.flowtrap.manager.elasticsearch.ElasticsearchErrors.Operation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.stereotype.Service;

/**
 * Writes documents (alerts, flow records) to their daily indices in one bulk request, each one's JSON passed
 * through as bytes. (Spring Data's bulk parses a JSON source into a Map and serialises it again;
 * this path, through the same client Spring Boot configures, indexes 20 % more alerts per second:
 * 10.2 k against 8.5 k with {@code ops/bench/run indexing}.) Ids come with the documents, so
 * indexing the same alert again replaces it.
 *
 * <p>An alert Elasticsearch refuses for its content (a field whose kind conflicts with the index's
 * mapping) is not lost: the field the refusal names is moved aside ({@link UnindexedFields}) and the
 * alert indexed again, up to {@value #MOVES} times; then everything but its time and probe is moved
 * aside. A request Elasticsearch refuses whole for its content is retried one document at a time, so
 * only the document at fault is refused. Only what Elasticsearch cannot take now (down, 429, any 5xx)
 * fails the batch (503: deliver it again).
 */
@Service
public class BulkIndexer {
    /** Fields moved aside one by one before the whole alert is. */
    static final int MOVES = 3;

    /**
     * What a bulk came to: documents indexed, those Elasticsearch refused for good, and the indexed
     * alerts that have parts moved aside (all by position).
     */
    public record Outcome(int indexed, List<Refused> refused, List<Unindexed> unindexed) {}

    public record Refused(int position, String reason) {}

    /** An indexed alert whose {@code fields} (dotted paths; {@code *} for all) are in its unindexed_fields. */
    public record Unindexed(int position, List<String> fields) {}

    private record Pending(int position, IndexedDocument document, List<String> moved) {}

    private record ItemError(int status, String reason) {}

    private final ElasticsearchClient client;
    private final IndexTemplateInstaller template;
    private final ElasticsearchErrors errors;

    public BulkIndexer(ElasticsearchClient client, IndexTemplateInstaller template, ElasticsearchErrors errors) {
        this.client = client;
        this.template = template;
        this.errors = errors;
    }

    /**
     * Indexes every document. Throws IOException when Elasticsearch cannot take them now (down,
     * refusing the manager's credentials or role, or any document answered 429 or 5xx): the whole
     * batch may then be sent again, harmlessly.
     */
    public Outcome index(List<? extends IndexedDocument> documents) throws IOException {
        int indexed = 0;
        List<Refused> refused = new ArrayList<>();
        List<Unindexed> unindexed = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            pending.add(new Pending(i, documents.get(i), List.of()));
        }
        while (!pending.isEmpty()) {
            List<ItemError> answers = bulk(pending);
            List<Pending> again = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                Pending p = pending.get(i);
                ItemError error = answers.get(i);
                if (error == null) {
                    indexed++;
                    if (!p.moved().isEmpty()) {
                        unindexed.add(new Unindexed(p.position(), p.moved()));
                    }
                    continue;
                }
                // only a refusal of the content (400: a mapping conflict) can be cured by moving fields aside;
                // another (403: an index closed to writes) would refuse the same alert again
                Pending repaired = error.status() == 400 && p.document() instanceof AlertDocument alert
                        ? moveAside(p, alert, error.reason()) : null;
                if (repaired == null) {
                    refused.add(new Refused(p.position(), error.reason()));
                } else {
                    again.add(repaired);
                }
            }
            pending = again;
        }
        refused.sort((a, b) -> Integer.compare(a.position(), b.position()));
        unindexed.sort((a, b) -> Integer.compare(a.position(), b.position()));
        return new Outcome(indexed, refused, unindexed);
    }

    /** The alert with what {@code reason} names moved aside, or null when that was tried already. */
    private static Pending moveAside(Pending p, AlertDocument alert, String reason) {
        if (p.moved().contains("*")) {
            return null;
        }
        ObjectNode source = alert.source().deepCopy();
        List<String> moved = new ArrayList<>(p.moved());
        String field = p.moved().size() < MOVES ? UnindexedFields.fieldNamedIn(reason, source) : null;
        if (field != null && UnindexedFields.moveAside(source, field)) {
            moved.add(field);
        } else {
            source = UnindexedFields.everythingAside(alert.source());
            moved = new ArrayList<>(List.of("*"));
        }
        return new Pending(p.position(), alert.withSource(source), List.copyOf(moved));
    }

    /** One bulk request: per document null (indexed) or why it was refused for good. */
    private List<ItemError> bulk(List<Pending> pending) throws IOException {
        BulkRequest.Builder bulk = new BulkRequest.Builder();
        for (Pending p : pending) {
            IndexedDocument d = p.document();
            BinaryData source = BinaryData.of(d.json().getBytes(StandardCharsets.UTF_8), ContentType.APPLICATION_JSON);
            bulk.operations(op -> op.index(i -> i.index(d.index()).id(d.id()).document(source)));
        }
        BulkResponse response;
        try {
            template.ensureInstalled();
            response = client.bulk(bulk.build());
        } catch (ElasticsearchException e) {
            if (transientStatus(e.status())) { // overloaded, no master, shards not ready: later
                errors.count(Operation.BULK, ElasticsearchErrors.Kind.UNAVAILABLE);
                throw new IOException("elasticsearch cannot index now (" + e.status() + " " + e.getMessage() + ")", e);
            }
            if (e.status() == 401 || e.status() == 403) { // our credentials or role: the batch waits until they are fixed
                errors.count(Operation.BULK, ElasticsearchErrors.Kind.REFUSED);
                throw new IOException("elasticsearch refused the manager (" + e.status() + " " + e.getMessage()
                        + "); see GET /rest/health", e);
            }
            if (pending.size() == 1) {
                errors.count(Operation.BULK, ElasticsearchErrors.Kind.DOCUMENT);
                return Collections.singletonList(new ItemError(e.status(), e.status() + " " + e.getMessage()));
            }
            // refused whole for what one of them holds: each on its own, so only that one is refused
            List<ItemError> each = new ArrayList<>();
            for (Pending p : pending) {
                each.addAll(bulk(List.of(p)));
            }
            return each;
        } catch (IOException e) { // not reachable, or the index template could not be put
            errors.count(Operation.BULK, ElasticsearchErrors.Kind.UNAVAILABLE);
            throw e;
        }
        List<ItemError> itemErrors = new ArrayList<>();
        List<BulkResponseItem> items = response.items();
        for (BulkResponseItem item : items) {
            if (item.error() == null) {
                itemErrors.add(null);
            } else if (transientStatus(item.status())) {
                errors.count(Operation.BULK, ElasticsearchErrors.Kind.UNAVAILABLE);
                throw new IOException("elasticsearch cannot index now (" + item.status() + " " + item.error().reason() + ")");
            } else {
                errors.count(Operation.BULK, ElasticsearchErrors.Kind.DOCUMENT);
                itemErrors.add(new ItemError(item.status(), item.error().type() + ": " + item.error().reason()));
            }
        }
        return itemErrors;
    }

    /**
     * Statuses that say "not now" rather than "not this": 429 and every 5xx (a node closing, shards
     * not ready, an overloaded cluster); the batch is delivered again later. A 4xx is about the
     * document itself.
     */
    private static boolean transientStatus(int status) {
        return status == 429 || status >= 500;
    }
}
