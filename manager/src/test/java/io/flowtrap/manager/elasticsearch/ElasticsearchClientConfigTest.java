package io.flowtrap.manager.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.http.HttpHost;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestClientBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchProperties;

/**
 * The API key setting, seen from the other end of a real connection: each request of a client
 * built with it carries {@code Authorization: ApiKey <the file's key>}; a key together with a
 * username, or a file without a key, is refused with the setting named. (The Maven Central
 * Elasticsearch cannot make API keys, so a JDK HTTP server on loopback is the other end here.)
 */
class ElasticsearchClientConfigTest {
    @TempDir
    Path dir;

    @Test
    void everyRequestCarriesTheApiKeyOfTheFile() throws Exception {
        Path keyFile = dir.resolve("es-api-key");
        Files.writeString(keyFile, "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==\n");
        AtomicReference<String> seen = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            seen.set(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            RestClientBuilder builder = RestClient.builder(new HttpHost("127.0.0.1", server.getAddress().getPort(), "http"));
            new ElasticsearchClientConfig().elasticsearchApiKey(new ElasticsearchAuthProperties(keyFile),
                    new ElasticsearchProperties()).customize(builder);
            try (RestClient client = builder.build()) {
                client.performRequest(new Request("GET", "/_cluster/health"));
            }
        } finally {
            server.stop(0);
        }
        assertThat(seen.get()).isEqualTo("ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
    }

    @Test
    void aKeyAndAUsernameAreRefused() throws Exception {
        Path keyFile = dir.resolve("es-api-key");
        Files.writeString(keyFile, "abc=");
        ElasticsearchProperties boot = new ElasticsearchProperties();
        boot.setUsername("flowtrap-manager");
        assertThatThrownBy(() -> new ElasticsearchClientConfig().elasticsearchApiKey(new ElasticsearchAuthProperties(keyFile), boot))
                .hasMessageContaining("flowtrap.elasticsearch.api-key-file or spring.elasticsearch.username, not both");
    }

    @Test
    void aFileWithoutAKeyIsRefused() throws Exception {
        Path keyFile = dir.resolve("es-api-key");
        Files.writeString(keyFile, "user: elastic\npassword: x\n");
        assertThatThrownBy(() -> new ElasticsearchClientConfig().elasticsearchApiKey(new ElasticsearchAuthProperties(keyFile),
                new ElasticsearchProperties())).hasMessageContaining("holds no API key");
    }
}
