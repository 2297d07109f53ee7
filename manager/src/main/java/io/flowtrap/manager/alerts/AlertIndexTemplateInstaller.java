package io.flowtrap.manager.alerts;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.flowtrap.manager.ManagerProperties;
import io.flowtrap.schemas.AlertIndexTemplate;
import java.io.IOException;
import java.io.StringReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Puts the alert index template (derived from schemas/ by {@link AlertIndexTemplate}) into
 * Elasticsearch before the first alert is indexed. If Elasticsearch is down it tries again at the
 * next ingest, so the manager starts whatever state Elasticsearch is in.
 */
@Component
public class AlertIndexTemplateInstaller {
    private static final Logger log = LoggerFactory.getLogger(AlertIndexTemplateInstaller.class);

    private final ElasticsearchClient client;
    private final String prefix;
    private volatile boolean installed;

    public AlertIndexTemplateInstaller(ElasticsearchClient client, ManagerProperties properties) {
        this.client = client;
        this.prefix = properties.alertIndexPrefix();
    }

    /** Installs the template unless done already; IOException if Elasticsearch cannot be reached. */
    public void ensureInstalled() throws IOException {
        if (installed) {
            return;
        }
        String name = prefix.replaceAll("[^a-z0-9_-]", "") + "template";
        String body = AlertIndexTemplate.forPattern(prefix + "*").toString();
        client.indices().putIndexTemplate(t -> t.name(name).withJson(new StringReader(body)));
        installed = true;
        log.info("index template {} installed for {}*", name, prefix);
    }
}
