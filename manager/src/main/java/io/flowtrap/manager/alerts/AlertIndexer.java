package io.flowtrap.manager.alerts;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.elasticsearch.core.ElasticsearchOperations;
import org.springframework.data.elasticsearch.core.IndexedObjectInformation;
import org.springframework.data.elasticsearch.core.mapping.IndexCoordinates;
import org.springframework.data.elasticsearch.core.query.IndexQuery;
import org.springframework.data.elasticsearch.core.query.IndexQueryBuilder;
import org.springframework.stereotype.Service;

/**
 * Writes alert documents to their daily indices with Spring Data Elasticsearch's bulk API, one
 * bulk request per index touched. Ids come with the documents, so indexing the same alert again
 * replaces it. Throws (Spring's DataAccessException) when Elasticsearch is unreachable; the
 * caller answers 503 and the probe's shipper delivers the batch again later.
 */
@Service
public class AlertIndexer {
    private final ElasticsearchOperations operations;
    private final AlertIndexTemplateInstaller template;

    public AlertIndexer(ElasticsearchOperations operations, AlertIndexTemplateInstaller template) {
        this.operations = operations;
        this.template = template;
    }

    /** Indexes every document; returns how many Elasticsearch acknowledged. */
    public int index(List<AlertDocument> documents) throws IOException {
        if (documents.isEmpty()) {
            return 0;
        }
        template.ensureInstalled();
        Map<String, List<IndexQuery>> byIndex = new LinkedHashMap<>();
        for (AlertDocument d : documents) {
            byIndex.computeIfAbsent(d.index(), i -> new ArrayList<>())
                    .add(new IndexQueryBuilder().withId(d.id()).withSource(d.source().toString()).build());
        }
        int acknowledged = 0;
        for (Map.Entry<String, List<IndexQuery>> e : byIndex.entrySet()) {
            List<IndexedObjectInformation> done = operations.bulkIndex(e.getValue(), IndexCoordinates.of(e.getKey()));
            acknowledged += done.size();
        }
        return acknowledged;
    }
}
