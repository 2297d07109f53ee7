package io.flowtrap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.api.tls.PemTls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Alert indexing: {@code --alerts} distinct alerts (made from a real eve.json's, each with its own
 * flow_id and time) go through the manager's ingest ({@code POST /api/ingest/events}, NDJSON, as
 * probes' shippers send them: validation against the schema, ids, daily index, one bulk request)
 * with {@code --senders} concurrent batches of {@code --batch}; then the same documents go straight
 * to Elasticsearch's {@code _bulk} the same way, as the reference. Both are counted in
 * Elasticsearch afterwards. Needs a running manager and Elasticsearch (ops/bench/run indexing).
 *
 * <pre>usage: AlertIndexingBenchmark --url URL --token PROBE_KEY --probe NAME --ca CA.pem --es ES_URL --eve EVE.json
 *        [--alerts 200000] [--senders 4] [--batch 1000]</pre>
 */
public final class AlertIndexingBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter SURICATA =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxx").withZone(ZoneOffset.UTC);

    private AlertIndexingBenchmark() {}

    public static void main(String[] args) throws Exception {
        String url = null;
        String token = null;
        String probe = null;
        Path ca = null;
        String es = null;
        Path eve = null;
        int alerts = 200_000;
        int senders = 4;
        int batch = 1000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--token" -> token = args[++i];
                case "--probe" -> probe = args[++i];
                case "--ca" -> ca = Path.of(args[++i]);
                case "--es" -> es = args[++i];
                case "--eve" -> eve = Path.of(args[++i]);
                case "--alerts" -> alerts = Integer.parseInt(args[++i]);
                case "--senders" -> senders = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (url == null || token == null || probe == null || ca == null || es == null || eve == null) {
            throw new IllegalArgumentException(
                    "usage: AlertIndexingBenchmark --url URL --token KEY --probe NAME --ca CA --es ES --eve EVE");
        }
        List<ObjectNode> docs = alerts(eve, alerts);
        HttpClient manager = HttpClient.newBuilder().sslContext(PemTls.client(ca)).version(HttpClient.Version.HTTP_1_1).build();
        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        // flowtrap: the manager's ingest, as shippers deliver
        List<byte[]> ingestBatches = new ArrayList<>();
        for (int from = 0; from < docs.size(); from += batch) {
            StringBuilder sb = new StringBuilder();
            for (ObjectNode d : docs.subList(from, Math.min(docs.size(), from + batch))) {
                sb.append("{\"kind\":\"alert\",\"probe\":\"").append(probe).append("\",\"event\":").append(d).append("}\n");
            }
            ingestBatches.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        String ingestUrl = url + "/api/ingest/events";
        String auth = token;
        double flowtrap = timed(ingestBatches, senders, body -> {
            HttpResponse<String> r = manager.send(HttpRequest.newBuilder(URI.create(ingestUrl))
                    .header("Authorization", "Token " + auth).header("Content-Type", "application/x-ndjson")
                    .timeout(Duration.ofMinutes(2)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode report = JSON.readTree(r.body());
            if (r.statusCode() != 200 || report.path("rejected").size() > 0) {
                throw new IllegalStateException("ingest: " + r.statusCode() + " " + r.body());
            }
        });
        long indexed = count(plain, es, "flowtrap-alerts-*", "{\"query\":{\"term\":{\"host\":\"" + probe + "\"}}}");

        // reference: the same documents straight into Elasticsearch's bulk API
        String direct = "flowtrap-alerts-bench-direct-" + Long.toString(System.currentTimeMillis(), 36);
        List<byte[]> bulkBatches = new ArrayList<>();
        int id = 0;
        for (int from = 0; from < docs.size(); from += batch) {
            StringBuilder sb = new StringBuilder();
            for (ObjectNode d : docs.subList(from, Math.min(docs.size(), from + batch))) {
                ObjectNode source = d.deepCopy();
                source.put("host", probe);
                sb.append("{\"index\":{\"_index\":\"").append(direct).append("\",\"_id\":\"").append(id++).append("\"}}\n")
                        .append(source).append('\n');
            }
            bulkBatches.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        String esUrl = es;
        double reference = timed(bulkBatches, senders, body -> {
            HttpResponse<String> r = plain.send(HttpRequest.newBuilder(URI.create(esUrl + "/_bulk"))
                    .header("Content-Type", "application/x-ndjson").timeout(Duration.ofMinutes(2))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || JSON.readTree(r.body()).path("errors").asBoolean()) {
                throw new IllegalStateException("_bulk: " + r.statusCode() + " " + r.body().substring(0, Math.min(500, r.body().length())));
            }
        });
        long direct_ = count(plain, es, direct, "{\"query\":{\"match_all\":{}}}");
        plain.send(HttpRequest.newBuilder(URI.create(es + "/" + direct)).DELETE().build(), HttpResponse.BodyHandlers.discarding());

        System.out.printf("%d alerts, %d senders, batches of %d%n", docs.size(), senders, batch);
        System.out.printf("flowtrap ingest (manager: validate, id, bulk)  : %,.0f alerts/s (%d indexed)%n", docs.size() / flowtrap, indexed);
        System.out.printf("Elasticsearch _bulk directly:                 %,.0f alerts/s (%d indexed)%n", docs.size() / reference, direct_);
        System.out.printf("ratio %.2f×%n", reference / flowtrap);
        if (indexed != docs.size() || direct_ != docs.size()) {
            throw new IllegalStateException("counts differ from " + docs.size());
        }
    }

    private interface Sender {
        void send(byte[] body) throws Exception;
    }

    /** Sends every batch with {@code senders} threads; seconds from first to last answer. */
    private static double timed(List<byte[]> batches, int senders, Sender sender) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(senders, daemon());
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            futures.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < batches.size(); i = next.getAndIncrement()) {
                    sender.send(batches.get(i));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long count(HttpClient http, String es, String index, String query) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(es + "/" + index + "/_refresh")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(es + "/" + index + "/_count"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(query)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("count").asLong();
    }

    /** {@code n} distinct alerts: the eve.json's, cycled, each with its own flow_id and a time in the last hour. */
    private static List<ObjectNode> alerts(Path eve, int n) throws Exception {
        List<ObjectNode> templates = new ArrayList<>();
        for (String line : Files.readAllLines(eve, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode node = JSON.readTree(line);
                if ("alert".equals(node.path("event_type").asText())) {
                    templates.add((ObjectNode) node);
                }
            }
        }
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("no alerts in " + eve);
        }
        Instant start = Instant.now().minus(Duration.ofHours(1));
        List<ObjectNode> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ObjectNode a = templates.get(i % templates.size()).deepCopy();
            a.put("flow_id", 5_000_000_000L + i);
            a.put("timestamp", SURICATA.format(start.plusNanos(i * 1_000L)));
            out.add(a);
        }
        return out;
    }

    /** Worker threads that do not keep the JVM alive when a run fails. */
    private static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "bench-client");
            t.setDaemon(true);
            return t;
        };
    }
}
