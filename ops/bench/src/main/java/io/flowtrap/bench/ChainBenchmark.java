package io.flowtrap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.api.client.FlowtrapClient;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    /** alerts_tail's page size when a client names none. */
    private static final int DEFAULT_PAGE_SIZE = 30;
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
        Client client = new Client(new FlowtrapClient(URI.create(url), token, ca));
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
        ExecutorService pool = Executors.newFixedThreadPool(clients, daemon());
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

    /** The chain's calls through {@link FlowtrapClient}, checked as the seed's client checks them (and a little more). */
    private record Client(FlowtrapClient manager) {
        List<JsonNode> allAlerts() throws Exception {
            JsonNode page = manager.alertsTail(null, null, null, 1, 1000);
            List<JsonNode> alerts = new ArrayList<>();
            page.path("results").forEach(alerts::add);
            return alerts;
        }

        /** One chain for the flow of {@code alert}; returns the packets carved. Fills each step's time. */
        long chain(JsonNode alert, long[] stepNanos) throws Exception {
            long t = System.nanoTime();
            String q = "alert.signature_id:" + alert.path("alert").path("signature_id").asLong() + " AND flow_id:"
                    + alert.path("flow_id").asLong();
            JsonNode hit = manager.alertsTail(q, null, null, 1, DEFAULT_PAGE_SIZE).path("results").get(0);
            t = lap(stepNanos, 0, t);
            ObjectNode flat = hit.deepCopy();
            flat.remove("_id"); // a fresh job per chain, as for an analyst's own alert file
            String host = hit.path("host").asText();
            String job = manager.upload(host, flat);
            t = lap(stepNanos, 1, t);
            FlowtrapClient.Extraction extraction = manager.extractPcap(job, host);
            t = lap(stepNanos, 2, t);
            if (!extraction.done()) {
                throw new IllegalStateException("extract_pcap of " + job + " is still pending: " + extraction.detail());
            }
            FlowtrapClient.Retrieved retrieved = manager.retrieve(job, host);
            t = lap(stepNanos, 3, t);
            long bytes = manager.download(job, OutputStream.nullOutputStream());
            lap(stepNanos, 4, t);
            if (bytes != retrieved.size()) {
                throw new IllegalStateException("download of " + job + ": " + bytes + " bytes, retrieve said " + retrieved);
            }
            return extraction.packets();
        }

        private static long lap(long[] stepNanos, int step, long since) {
            long now = System.nanoTime();
            stepNanos[step] = now - since;
            return now;
        }
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
