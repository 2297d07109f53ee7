package io.flowtrap.manager.probes;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.manager.errors.DomainException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.stereotype.Component;

/**
 * Asks every probe at once for its store status, counters ({@code /metrics}), settings version and
 * software version (its health),
 * each call bounded by {@code flowtrap.status-timeout}, so one unreachable probe costs the page that
 * timeout once, not once per probe, and the others show as they are. Remembers when each probe
 * last answered. Thread-safe.
 */
@Component
public class ApplianceStatusBoard implements AutoCloseable {
    private final ProbeRegistry registry;
    private final Duration within;
    private final ExecutorService calls = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "appliance-status");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();

    public ApplianceStatusBoard(ProbeRegistry registry, ProbesProperties properties) {
        this.registry = registry;
        this.within = properties.statusTimeout();
    }

    /** Each known probe's status, in the registry's order. */
    public List<ApplianceStatus> statuses() {
        List<ManagedProbe> records = registry.records();
        List<CompletableFuture<ApplianceStatus>> futures = new ArrayList<>();
        for (ManagedProbe record : records) {
            futures.add(CompletableFuture.supplyAsync(() -> status(record), calls));
        }
        long deadline = System.nanoTime() + within.toNanos() * 2 + TimeUnit.MILLISECONDS.toNanos(500);
        List<ApplianceStatus> statuses = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            ManagedProbe r = records.get(i);
            try {
                statuses.add(futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                futures.get(i).cancel(true);
                statuses.add(unreachable(r, "no answer within " + within.toMillis() + " ms"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                statuses.add(unreachable(r, "interrupted"));
            } catch (java.util.concurrent.ExecutionException e) {
                statuses.add(unreachable(r, String.valueOf(e.getCause())));
            }
        }
        return statuses;
    }

    private ApplianceStatus status(ManagedProbe record) {
        ProbeClient client;
        try {
            client = registry.require(record.name());
        } catch (DomainException e) {
            return unreachable(record, e.detail());
        }
        JsonNode store;
        try {
            store = client.storeStatus(within);
        } catch (DomainException e) {
            return unreachable(record, e.detail());
        }
        lastSeen.put(record.name(), System.currentTimeMillis());
        Map<String, Double> m = new HashMap<>();
        try {
            m = parseMetrics(client.metrics(within));
        } catch (DomainException e) {
            // the store answered: reachable; counters unknown (-1)
        }
        long version = -1;
        try {
            version = client.settings(within).map(s -> s.path("version").asLong(-1)).orElse(-1L);
        } catch (DomainException e) {
            // a probe without run-time settings
        }
        String software = "";
        try {
            software = client.health(within).path("version").asText("");
        } catch (DomainException e) {
            // reachable (the store answered); the version unknown
        }
        double hits = m.getOrDefault("flowtrap_lookback_hits_total", -1.0);
        double misses = m.getOrDefault("flowtrap_lookback_misses_total", -1.0);
        double rate = hits < 0 || misses < 0 || hits + misses == 0 ? -1 : hits / (hits + misses);
        return new ApplianceStatus(record.name(), record.url(), record.origin(), true, "", lastSeen.get(record.name()), version,
                store.path("total_bytes").asLong(-1), store.path("max_bytes").asLong(-1), store.path("oldest_ts_ns").asLong(-1),
                store.path("newest_ts_ns").asLong(-1), store.path("segments").asLong(-1),
                (long) (double) m.getOrDefault("flowtrap_packets_captured_total", -1.0),
                (long) (double) m.getOrDefault("flowtrap_kernel_drops_total", -1.0),
                (long) (double) m.getOrDefault("flowtrap_flows_armed_total", -1.0), rate, software);
    }

    private ApplianceStatus unreachable(ManagedProbe r, String why) {
        return new ApplianceStatus(r.name(), r.url(), r.origin(), false, why, lastSeen.getOrDefault(r.name(), 0L), -1, -1, -1,
                -1, -1, -1, -1, -1, -1, -1, "");
    }

    /** Unlabelled samples of a Prometheus text page: name → value. */
    static Map<String, Double> parseMetrics(String text) {
        Map<String, Double> values = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#") || line.indexOf('{') >= 0) {
                continue;
            }
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 2) {
                try {
                    values.put(parts[0], Double.parseDouble(parts[1]));
                } catch (NumberFormatException e) {
                    // not a sample
                }
            }
        }
        return values;
    }

    @Override
    public void close() {
        calls.shutdownNow();
    }
}
