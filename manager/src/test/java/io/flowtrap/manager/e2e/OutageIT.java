package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.probe.spool.EventSpool;
import io.flowtrap.probe.spool.SpoolConfig;
import io.flowtrap.probe.spool.SpoolShipper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Nothing is lost and nothing doubles across outages: alerts keep coming into a probe's spool
 * (a steady trickle, and thousands more while each part is down) while Elasticsearch, and then
 * the manager, go down and come back; afterwards Elasticsearch holds exactly one document per
 * alert. While Elasticsearch is down the alert search says 503.
 */
@Tag("hostile-input")
class OutageIT {
    private static final DateTimeFormatter SURICATA = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxx");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static FlowtrapSystem system;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-outage-it");
        system = new FlowtrapSystem(dir, FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap"),
                FlowtrapSystem.REPO.resolve("ops/demo-data/demo-eve.json"));
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void everyAlertArrivesExactlyOnceThroughElasticsearchAndManagerOutages() throws Exception {
        List<ObjectNode> templates = system.recordedAlerts().stream().map(n -> (ObjectNode) n).toList();
        AtomicInteger appended = new AtomicInteger();
        AtomicBoolean producing = new AtomicBoolean(true);
        try (EventSpool spool = new EventSpool(dir.resolve("sensor-2-spool"));
                SpoolShipper shipper = new SpoolShipper(spool, new SpoolConfig(
                        URI.create(system.managerUrl() + "/api/ingest/events"), system.probeKeyFor("sensor-2"), system.ca, 500, "sensor-2",
                        Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10))).start()) {
            Runnable append = () -> {
                int i = appended.getAndIncrement();
                ObjectNode alert = templates.get(i % templates.size()).deepCopy();
                alert.put("flow_id", 1_000_000L + i); // each alert distinct
                alert.put("timestamp", SURICATA.format(OffsetDateTime.now(ZoneOffset.UTC))); // the recorded ones are from 2023
                spool.append(EventSpool.ALERT, alert.toString());
            };
            // a steady trickle all along, through every outage and recovery
            Thread trickle = new Thread(() -> {
                while (producing.get()) {
                    for (int i = 0; i < 20; i++) {
                        append.run();
                    }
                    sleep(50);
                }
            }, "alert-trickle");
            trickle.start();
            appendMany(append, 1_000);
            awaitShipped(shipper, 1_000);

            system.elasticsearch.stop();
            long failuresBefore = shipper.failures();
            FlowtrapSystem.Response down = system.get("/rest/rules/es/alerts_tail/", system.analystToken);
            assertThat(down.status()).as(down.text()).isEqualTo(503);
            assertThat(down.json().path("error").asText()).isEqualTo("alert search unavailable");
            appendMany(append, 2_000); // while Elasticsearch is down
            awaitCondition(() -> shipper.failures() > failuresBefore + 2, "the shipper retries while Elasticsearch is down");
            long shippedWhileDown = shipper.shipped();
            system.elasticsearch.start();
            awaitShipped(shipper, shippedWhileDown + 2_000);

            system.stopManager();
            long failuresWithManagerDown = shipper.failures();
            appendMany(append, 2_000); // while the manager is down
            awaitCondition(() -> shipper.failures() > failuresWithManagerDown + 2, "the shipper retries while the manager is down");
            long shippedWithManagerDown = shipper.shipped();
            system.startManager();
            awaitShipped(shipper, shippedWithManagerDown + 2_000);

            producing.set(false);
            trickle.join();
            awaitShipped(shipper, appended.get());
            assertThat(shipper.shipped()).isEqualTo(appended.get());
            assertThat(shipper.rejected()).isZero();
        }
        int alerts = appended.get();
        assertThat(alerts).isGreaterThan(5_000);
        system.elasticsearch.request("POST", "/" + system.indexPrefix + "*/_refresh", null);
        var count = system.elasticsearch.request("POST", "/" + system.indexPrefix + "*/_count",
                "{\"query\":{\"term\":{\"host\":\"sensor-2\"}}}");
        assertThat(JSON.readTree(count.body()).path("count").asLong()).as(count.body()).isEqualTo(alerts);
        // and no alert twice: no flow_id (unique per alert here) on more than one document (one shard: exact)
        var twice = system.elasticsearch.request("POST", "/" + system.indexPrefix + "*/_search",
                "{\"size\":0,\"query\":{\"term\":{\"host\":\"sensor-2\"}},"
                        + "\"aggs\":{\"twice\":{\"terms\":{\"field\":\"flow_id\",\"min_doc_count\":2,\"size\":10}}}}");
        assertThat(JSON.readTree(twice.body()).path("aggregations").path("twice").path("buckets")).as(twice.body()).isEmpty();
    }

    private static void appendMany(Runnable append, int n) {
        for (int i = 0; i < n; i++) {
            append.run();
        }
    }

    private static void awaitShipped(SpoolShipper shipper, long atLeast) throws InterruptedException {
        awaitCondition(() -> shipper.shipped() >= atLeast, "shipped >= " + atLeast);
    }

    private static void awaitCondition(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(50);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
