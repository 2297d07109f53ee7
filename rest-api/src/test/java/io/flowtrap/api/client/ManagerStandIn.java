package io.flowtrap.api.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;

/**
 * A test peer for {@link FlowtrapClient}'s wire format: a real HTTP server on 127.0.0.1 that
 * answers each (method, path) with a canned answer and records every request it gets. JSON
 * answers are checked against the manager's schemas when they are set, so they are the manager's
 * documents (success bodies and {@code {"error", "detail"}} errors alike).
 */
final class ManagerStandIn implements AutoCloseable {
    /** A request as it arrived: the raw (still encoded) path and query, the decoded query, the headers, the body. */
    record Seen(String method, String rawPath, String rawQuery, String query, Map<String, List<String>> headers, byte[] body) {
        /** The first value of header {@code name}, whatever its case on the wire. */
        String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    /** Plain HTTP with {@code tls} null, else HTTPS with that server context. */
    ManagerStandIn(SSLContext tls) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(address, 16);
        } else {
            HttpsServer https = HttpsServer.create(address, 16);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri(String scheme, String host) {
        return URI.create(scheme + "://" + host + ":" + server.getAddress().getPort());
    }

    /** Answers {@code method path} with {@code json}, which must be a valid {@code document}. */
    void json(String method, String path, int status, DocumentSchema.Document document, String json) {
        try {
            assertThat(DocumentSchema.of(document).validate(JSON.readTree(json))).as("canned %s", document).isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        answers.put(method + " " + path, new Answer(status, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of()));
    }

    /** A JSON error {@code {"error", "detail"}} (checked against error.schema.json) with extra headers. */
    void error(String method, String path, int status, String json, Map<String, String> headers) {
        json(method, path, status, DocumentSchema.Document.ERROR, json);
        Answer a = answers.get(method + " " + path);
        answers.put(method + " " + path, new Answer(a.status(), a.contentType(), a.body(), headers));
    }

    /** Any body, unchecked: a pcap, or what a proxy in the way might say. */
    void raw(String method, String path, int status, String contentType, byte[] body, Map<String, String> headers) {
        answers.put(method + " " + path, new Answer(status, contentType, body, headers));
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    Seen last() {
        assertThat(seen).as("requests the stand-in got").isNotEmpty();
        return seen.get(seen.size() - 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI uri = exchange.getRequestURI();
            seen.add(new Seen(exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), uri.getQuery(),
                    Map.copyOf(exchange.getRequestHeaders()), exchange.getRequestBody().readAllBytes()));
            Answer answer = answers.get(exchange.getRequestMethod() + " " + uri.getRawPath());
            if (answer == null) {
                answer = new Answer(599, "text/plain", ("no canned answer for " + exchange.getRequestMethod() + " "
                        + uri.getRawPath()).getBytes(StandardCharsets.UTF_8), Map.of());
            }
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
