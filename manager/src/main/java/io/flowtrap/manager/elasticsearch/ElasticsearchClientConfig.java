package io.flowtrap.manager.elasticsearch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.apache.http.Header;
import org.apache.http.message.BasicHeader;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchProperties;
import org.springframework.boot.autoconfigure.elasticsearch.RestClientBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Adds an API key ({@link ElasticsearchAuthProperties#apiKeyFile()}) to every request of the
 * Elasticsearch client Spring Boot builds; username/password, the https URI and the CA (an SSL
 * bundle) are Boot's own {@code spring.elasticsearch.*} settings (README, "Elasticsearch with its
 * security on"). Both a key and a username is a mistake refused at start, not a silent choice.
 */
@Configuration(proxyBeanMethods = false)
class ElasticsearchClientConfig {
    @Bean
    RestClientBuilderCustomizer elasticsearchApiKey(ElasticsearchAuthProperties auth, ElasticsearchProperties boot) {
        if (auth.apiKeyFile() == null) {
            return builder -> {};
        }
        if (boot.getUsername() != null && !boot.getUsername().isBlank()) {
            throw new IllegalStateException("set flowtrap.elasticsearch.api-key-file or spring.elasticsearch.username, not both");
        }
        String key;
        try {
            key = Files.readString(auth.apiKeyFile(), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("flowtrap.elasticsearch.api-key-file: cannot read " + auth.apiKeyFile(), e);
        }
        if (key.isEmpty() || !key.matches("[A-Za-z0-9+/=_-]+")) {
            throw new IllegalStateException("flowtrap.elasticsearch.api-key-file " + auth.apiKeyFile()
                    + " holds no API key (the base64 'encoded' value of POST /_security/api_key)");
        }
        Header header = new BasicHeader("Authorization", "ApiKey " + key);
        return builder -> builder.setDefaultHeaders(new Header[] {header});
    }
}
