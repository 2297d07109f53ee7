package io.flowtrap.manager.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.IndexTemplate;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.elasticsearch.core.ElasticsearchOperations;
import org.springframework.data.elasticsearch.core.SearchHitsIterator;
import org.springframework.data.elasticsearch.core.mapping.IndexCoordinates;
import org.springframework.data.elasticsearch.core.query.Criteria;
import org.springframework.data.elasticsearch.core.query.CriteriaQuery;
import org.springframework.data.elasticsearch.core.query.Query;
import org.springframework.stereotype.Component;

/**
 * The indices of the manager's own state, one per kind of document ({@code <prefix>probes} ...),
 * each with the index template its schema in schemas/ gives ({@link IndexTemplate#forDocument}),
 * installed and the index created at its first use, not at start: the manager starts whatever
 * state Elasticsearch is in. {@link #call} runs a repository's work after that and turns any
 * failure to reach Elasticsearch into one clear {@code UNAVAILABLE} (503, or a message on a page):
 * the caller keeps what it was about to write. Entities name their index with
 * {@code #{@stateIndices.name('probes')}}.
 *
 * <p>Every read of a whole index (every key, user, probe, template ...) goes through {@link #readAll}:
 * a repository's {@code findAll()} is one search, bounded by the index's {@code index.max_result_window}
 * (10,000 by default), so past it keys would be missed (a valid key answers 401) or the read refused.
 * {@link #readAll} scrolls through the index {@code flowtrap.state-read-batch} documents a request.
 * Thread-safe.
 */
@Component("stateIndices")
public class StateIndices {
    private static final Logger log = LoggerFactory.getLogger(StateIndices.class);

    private final ElasticsearchClient client;
    private final ElasticsearchOperations operations;
    private final String prefix;
    private final int readBatch;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    public StateIndices(ElasticsearchClient client, ElasticsearchOperations operations, StateIndexProperties properties) {
        if (properties.stateReadBatch() < 1) {
            throw new IllegalArgumentException("flowtrap.state-read-batch is at least 1, not " + properties.stateReadBatch());
        }
        this.client = client;
        this.operations = operations;
        this.prefix = properties.stateIndexPrefix();
        this.readBatch = properties.stateReadBatch();
    }

    /** The index of one kind of state document, e.g. {@code flowtrap-probes}. */
    public String name(String kind) {
        return prefix + kind;
    }

    /**
     * Runs {@code work} (a repository's call) on the index of {@code kind}, which holds {@code document}s,
     * after making sure the index and its template exist.
     *
     * @throws DomainException UNAVAILABLE, saying what could not be done, when Elasticsearch cannot be used
     */
    public <T> T call(DocumentSchema.Document document, String kind, String what, Supplier<T> work) {
        try {
            ensure(document, name(kind));
            return work.get();
        } catch (DomainException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DomainException(Kind.UNAVAILABLE, "Elasticsearch unavailable",
                    "could not " + what + ": Elasticsearch (" + name(kind) + ") cannot be used now: " + rootMessage(e)
                            + "; nothing was changed", e).retryAfter(5);
        }
    }

    /** As {@link #call} for work without a result. */
    public void run(DocumentSchema.Document document, String kind, String what, Runnable work) {
        call(document, kind, what, () -> {
            work.run();
            return null;
        });
    }

    /**
     * Every {@code type} document in the index of {@code kind} (which holds {@code document}s), however
     * many: read {@code flowtrap.state-read-batch} at a time (a scroll), in no particular order.
     *
     * @throws DomainException UNAVAILABLE, saying what could not be done, when Elasticsearch cannot be used
     */
    public <T> List<T> readAll(DocumentSchema.Document document, String kind, Class<T> type, String what) {
        return read(document, kind, type, Query.findAll(), what);
    }

    /** As {@link #readAll}, of the documents that match {@code criteria} only. */
    public <T> List<T> readMatching(DocumentSchema.Document document, String kind, Class<T> type, Criteria criteria, String what) {
        return read(document, kind, type, new CriteriaQuery(criteria), what);
    }

    private <T> List<T> read(DocumentSchema.Document document, String kind, Class<T> type, Query query, String what) {
        query.setPageable(PageRequest.of(0, readBatch));
        return call(document, kind, what, () -> {
            List<T> all = new ArrayList<>();
            try (SearchHitsIterator<T> hits = operations.searchForStream(query, type, IndexCoordinates.of(name(kind)))) {
                hits.forEachRemaining(hit -> all.add(hit.getContent()));
            }
            return all;
        });
    }

    private void ensure(DocumentSchema.Document document, String index) throws IOException {
        if (ready.contains(index)) {
            return;
        }
        String template = index.replaceAll("[^a-z0-9_-]", "") + "-template";
        client.indices().putIndexTemplate(t -> t.name(template)
                .withJson(new StringReader(IndexTemplate.forDocument(document, index).toString())));
        if (!client.indices().exists(e -> e.index(index)).value()) {
            try {
                client.indices().create(c -> c.index(index));
                log.info("state index {} created (template {})", index, template);
            } catch (co.elastic.clients.elasticsearch._types.ElasticsearchException e) {
                if (!"resource_already_exists_exception".equals(e.error().type())) {
                    throw e;
                }
            }
        }
        ready.add(index);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
