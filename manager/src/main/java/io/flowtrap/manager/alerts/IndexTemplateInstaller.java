package io.flowtrap.manager.alerts;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.flowtrap.schemas.IndexTemplate;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.io.StringReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Puts the index templates of alerts and of flow records (derived from schemas/ by {@link IndexTemplate}) into
 * Elasticsearch before the first alert is indexed. If Elasticsearch is down it tries again at the
 * next ingest, so the manager starts whatever state Elasticsearch is in.
 */
@Component
public class IndexTemplateInstaller {
    private static final Logger log = LoggerFactory.getLogger(IndexTemplateInstaller.class);

    private final ElasticsearchClient client;
    private final String alertPrefix;
    private final String flowPrefix;
    private volatile boolean installed;

    public IndexTemplateInstaller(ElasticsearchClient client, AlertsProperties properties) {
        this.client = client;
        this.alertPrefix = properties.alertIndexPrefix();
        this.flowPrefix = properties.flowIndexPrefix();
    }

    /** Installs the templates (alerts, flow records) unless done already; IOException if Elasticsearch cannot be reached. */
    public void ensureInstalled() throws IOException {
        if (installed) {
            return;
        }
        put(alertPrefix, IndexTemplate.forPattern(alertPrefix + "*").toString());
        put(flowPrefix, IndexTemplate.forDocument(DocumentSchema.Document.FLOW_RECORD, flowPrefix + "*").toString());
        installed = true;
    }

    private void put(String prefix, String body) throws IOException {
        String name = prefix.replaceAll("[^a-z0-9_-]", "") + "template";
        client.indices().putIndexTemplate(t -> t.name(name).withJson(new StringReader(body)));
        log.info("index template {} installed for {}*", name, prefix);
    }
}
