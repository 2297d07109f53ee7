package io.flowtrap.probe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls to a probe API on loopback over plain HTTP, and the checks every answer gets (status, JSON, its schema). */
final class ProbeApiCalls {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ProbeApiCalls() {}

    /** {@code method path} with {@code body} (null: none) and {@code authorization} (null: no header). */
    static HttpResponse<String> send(int port, String method, String path, String body, String authorization)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The answer's JSON, once its status, content type and schema are as expected. */
    static JsonNode body(HttpResponse<String> response, int status, Document document) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode json = JSON.readTree(response.body());
        assertThat(DocumentSchema.of(document).validate(json)).as(response.body()).isEmpty();
        return json;
    }
}
