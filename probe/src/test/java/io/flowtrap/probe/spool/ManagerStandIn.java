package io.flowtrap.probe.spool;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;

/**
 * A real HTTP(S) server on 127.0.0.1 standing in for the manager's bulk ingest: it records every
 * request and answers with the status its policy picks; only bodies answered 2xx count as received.
 */
final class ManagerStandIn implements AutoCloseable {

    static final String PATH = "/api/ingest/events";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as the server saw it. */
    record Request(int number, long nanos, String contentType, String authorization, String body, int status) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "manager-stand-in");
        t.setDaemon(true);
        return t;
    });
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<JsonNode> accepted = new CopyOnWriteArrayList<>();
    private volatile BiFunction<Integer, Request, Integer> policy;
    private final AtomicInteger arrived = new AtomicInteger();

    private ManagerStandIn(HttpServer server, BiFunction<Integer, Request, Integer> policy) {
        this.server = server;
        this.policy = policy;
        server.createContext(PATH, this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Plain HTTP on the given port (0: any free one), answering with {@code policy(requestNumber, request)}. */
    static ManagerStandIn http(int port, BiFunction<Integer, Request, Integer> policy) throws IOException {
        return new ManagerStandIn(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0), policy);
    }

    static ManagerStandIn http(BiFunction<Integer, Request, Integer> policy) throws IOException {
        return http(0, policy);
    }

    static ManagerStandIn https(SSLContext tls, BiFunction<Integer, Request, Integer> policy) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new ManagerStandIn(server, policy);
    }

    static BiFunction<Integer, Request, Integer> always(int status) {
        return (n, r) -> status;
    }

    void policy(BiFunction<Integer, Request, Integer> policy) {
        this.policy = policy;
    }

    URI url() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Requests whose body has been read, answered or not yet. */
    int arrived() {
        return arrived.get();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every line of every body answered 2xx, parsed, in arrival order. */
    List<JsonNode> accepted() {
        return List.copyOf(accepted);
    }

    /** The "event" objects of the accepted lines. */
    List<JsonNode> acceptedEvents() {
        List<JsonNode> events = new ArrayList<>();
        for (JsonNode line : accepted) {
            events.add(line.get("event"));
        }
        return events;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            arrived.incrementAndGet();
            int number;
            Request request;
            synchronized (this) {
                number = requests.size() + 1;
                request = new Request(number, System.nanoTime(),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestHeaders().getFirst("Authorization"), body, 0);
                int status = "POST".equals(exchange.getRequestMethod()) ? policy.apply(number, request) : 405;
                request = new Request(number, request.nanos(), request.contentType(), request.authorization(), body, status);
                requests.add(request);
                if (status >= 200 && status < 300) {
                    for (String line : body.split("\n")) {
                        if (!line.isEmpty()) {
                            accepted.add(JSON.readTree(line));
                        }
                    }
                }
            }
            byte[] answer = ("{\"status\":" + request.status() + "}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(request.status(), answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
