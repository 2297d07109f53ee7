package io.flowtrap.manager.elasticsearch;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the manager proves who it is to an Elasticsearch with its security on, beyond what Spring's
 * {@code spring.elasticsearch.username}/{@code password} and {@code restclient.ssl.bundle} cover.
 *
 * @param apiKeyFile a file holding an Elasticsearch API key (the base64 {@code encoded} value
 *     {@code POST /_security/api_key} answers), sent as {@code Authorization: ApiKey …}; null: none.
 *     Use it or a username and password, not both.
 */
@ConfigurationProperties(prefix = "flowtrap.elasticsearch")
public record ElasticsearchAuthProperties(Path apiKeyFile) {}
