package io.flowtrap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.api.tls.PemTls;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The whole REST chain as a Scirius client drives it, timed end to end: {@code alerts_tail} (the
 * alert by signature and flow id) → {@code upload} → {@code extract_pcap} → {@code retrieve} →
 * {@code download} (read to the end), against a running manager and probe (ops/bench/run chain
 * starts them). Each chain pulls a different alert's flow; {@code --clients} run at once.
 * Reports p50/p99 of the chain and of each step.
 *
 * <pre>usage: ChainBenchmark --url URL --token KEY --ca CA.pem [--clients 1] [--chains 200] [--warmup 20]</pre>
 */
public final class ChainBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] STEPS = {"alerts_tail", "upload", "extract_pcap", "retrieve", "download"};

    private ChainBenchmark() {}

    public static void main(String[] args) throws Exception {
        String url = null;
        String token = null;
        Path ca = null;
        int clients = 1;
        int chains = 200;
        int warmup = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--token" -> token = args[++i];
                case "--ca" -> ca = Path.of(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--chains" -> chains = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (url == null || token == null || ca == null) {
            throw new IllegalArgumentException("usage: ChainBenchmark --url URL --token KEY --ca CA.pem [--clients N] [--chains N]");
        }
        HttpClient http = HttpClient.newBuilder().sslContext(PemTls.client(ca)).version(HttpClient.Version.HTTP_1_1).build();
        Client client = new Client(http, url, token);
        List<JsonNode> alerts = client.allAlerts();
        if (alerts.size() < clients) {
            throw new IllegalStateException("need at least " + clients + " alerts, have " + alerts.size());
        }
        System.out.printf("%d alerts indexed; %d warm-up chains, then %d chains with %d concurrent client(s)%n",
                alerts.size(), warmup, chains, clients);
        for (int i = 0; i < warmup; i++) {
            client.chain(alerts.get(i % alerts.size()), new long[STEPS.length]);
        }
        final int count = chains;
        long[][] steps = new long[chains][STEPS.length];
        long[] total = new long[chains];
        long[] packets = new long[chains];
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long started = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            running.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    long t0 = System.nanoTime();
                    packets[i] = client.chain(alerts.get(i % alerts.size()), steps[i]);
                    total[i] = System.nanoTime() - t0;
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        System.out.printf("chain (%d clients): p50 %.1f ms, p99 %.1f ms, mean %.1f ms; %.1f chains/s; packets per flow: median %d%n",
                clients, pct(total, 50), pct(total, 99), Arrays.stream(total).average().orElse(0) / 1e6, chains / seconds,
                sorted(packets)[chains / 2]);
        for (int s = 0; s < STEPS.length; s++) {
            long[] column = new long[chains];
            for (int i = 0; i < chains; i++) {
                column[i] = steps[i][s];
            }
            System.out.printf("  %-13s p50 %6.1f ms  p99 %6.1f ms%n", STEPS[s], pct(column, 50), pct(column, 99));
        }
    }

    private static long[] sorted(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }

    private static double pct(long[] nanos, int p) {
        long[] s = sorted(nanos);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1e6;
    }

    /** The chain's calls, checked as the seed's client checks them (and a little more). */
    private record Client(HttpClient http, String base, String token) {
        List<JsonNode> allAlerts() throws Exception {
            JsonNode page = json(get("/rest/rules/es/alerts_tail/?page_size=1000"));
            List<JsonNode> alerts = new ArrayList<>();
            page.path("results").forEach(alerts::add);
            return alerts;
        }

        /** One chain for the flow of {@code alert}; returns the packets carved. Fills each step's time. */
        long chain(JsonNode alert, long[] stepNanos) throws Exception {
            long t = System.nanoTime();
            String q = "alert.signature_id:" + alert.path("alert").path("signature_id").asLong() + " AND flow_id:"
                    + alert.path("flow_id").asLong();
            JsonNode hit = json(get("/rest/rules/es/alerts_tail/?qfilter=" + URLEncoder.encode(q, StandardCharsets.UTF_8)))
                    .path("results").get(0);
            t = lap(stepNanos, 0, t);
            ObjectNode flat = hit.deepCopy();
            flat.remove("_id"); // a fresh job per chain, as for an analyst's own alert file
            String boundary = UUID.randomUUID().toString();
            byte[] body = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"myalert.json\"\r\n"
                    + "Content-Type: multipart/form-data\r\n\r\n" + flat + "\r\n--" + boundary + "--\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            String job = json(send(request("/rest/rules/filestore_pcap/upload/?host=" + hit.path("host").asText())
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build())).path("filename").asText();
            t = lap(stepNanos, 1, t);
            JsonNode extraction = json(send(request("/rest/rules/filestore_pcap/" + job + "/extract_pcap/?host="
                    + hit.path("host").asText()).POST(HttpRequest.BodyPublishers.noBody()).build()));
            t = lap(stepNanos, 2, t);
            JsonNode retrieved = json(get("/rest/rules/filestore_pcap/" + job + "/retrieve/?host=" + hit.path("host").asText()));
            t = lap(stepNanos, 3, t);
            HttpResponse<InputStream> download = http.send(request("/rest/rules/filestore_pcap/" + job + "/download/").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            long bytes;
            try (InputStream in = download.body()) {
                bytes = in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            lap(stepNanos, 4, t);
            if (download.statusCode() != 200 || bytes != retrieved.path("size").asLong()) {
                throw new IllegalStateException("download of " + job + ": status " + download.statusCode() + ", " + bytes
                        + " bytes, retrieve said " + retrieved);
            }
            return extraction.path("packets").asLong();
        }

        private static long lap(long[] stepNanos, int step, long since) {
            long now = System.nanoTime();
            stepNanos[step] = now - since;
            return now;
        }

        private HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Token " + token);
        }

        private HttpResponse<byte[]> get(String path) throws Exception {
            return send(request(path).GET().build());
        }

        private HttpResponse<byte[]> send(HttpRequest request) throws Exception {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(request.method() + " " + request.uri() + ": " + r.statusCode() + " "
                        + new String(r.body(), StandardCharsets.UTF_8));
            }
            return r;
        }

        private static JsonNode json(HttpResponse<byte[]> r) throws Exception {
            return JSON.readTree(r.body());
        }
    }
}
