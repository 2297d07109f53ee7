package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.alerts.AlertDocument;
import io.flowtrap.manager.alerts.BulkIndexer;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.flowtrap.probe.cli.ProbeCommand;
import io.flowtrap.probe.spool.DeadLetters;
import io.flowtrap.probe.spool.EventSpool;
import io.flowtrap.probe.spool.SpoolConfig;
import io.flowtrap.probe.spool.SpoolShipper;
import io.flowtrap.testkit.ElasticsearchNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile input (issue 8, items 1 and 2). A probe's real shipper against the real manager: each line
 * the manager rejects comes back, with its number and reason, in a 200 report and goes to the probe's
 * dead letters, listed by {@code flowtrap-probe spool dead-letters}; the lines after it are indexed.
 * And alerts whose fields conflict with the index's mapping, or with the
 * alert schema outside the fields that find a flow, are all indexed in a real Elasticsearch and found
 * by alerts_tail, the conflicting parts kept as they came in {@code unindexed_fields}; the ingest
 * report (200) names them per line. Only a bad value in a field that finds the flow refuses its line.
 * And Elasticsearch refusing some items of a bulk: items it cannot take now (429, a flood-stage
 * block on their index) hold their batch back whole, delivered again until taken, the others of the
 * batch overwritten, never doubled; items it refuses (403, an index closed to writes) are refused
 * alone, dead-lettered, and indexed when re-sent once the index takes writes again; a bulk it
 * refuses whole is sent again one document at a time. None is lost.
 */
@Tag("hostile-input")
class HostileIngestIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter SURICATA_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxx").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter INDEX_DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);
    private static FlowtrapSystem system;
    private static JsonNode hit;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("flowtrap-hostile-ingest-it");
        system = new FlowtrapSystem(dir, FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap"),
                FlowtrapSystem.REPO.resolve("ops/demo-data/demo-eve.json"));
        system.awaitIndexed(system.recordedAlerts().size(), Duration.ofSeconds(60));
        hit = system.get("/rest/rules/es/alerts_tail/?page_size=1", system.analystToken).json().path("results").get(0);
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
    }

    private static ObjectNode alert(long flowId) {
        ObjectNode a = hit.deepCopy();
        a.remove("_id");
        a.remove("host");
        a.put("flow_id", flowId);
        return a;
    }

    private static String envelope(JsonNode alert) {
        return "{\"kind\":\"alert\",\"probe\":\"" + FlowtrapSystem.PROBE + "\",\"event\":" + alert + "}";
    }

    /** alerts_tail's hits for a query, waited for until {@code expected} are there (the index refreshes every 5 s). */
    private static JsonNode awaitHits(String qfilter, int expected) throws Exception {
        String path = "/rest/rules/es/alerts_tail/?from_date=0&page_size=100&qfilter="
                + URLEncoder.encode(qfilter, StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode page;
        do {
            FlowtrapSystem.Response r = system.get(path, system.analystToken);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            page = r.json();
            if (page.path("count").asInt() >= expected) {
                return page.path("results");
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(expected + " hits for " + qfilter + " expected, got " + page);
    }

    @Test
    void hostileInputTheShipperDeadLettersTheLineTheManagerRejectsAndEveryLineAfterItIsIndexed() throws Exception {
        Path spoolDir = Files.createTempDirectory("flowtrap-shipper-it");
        ObjectNode bad = alert(779_000_002L);
        bad.put("timestamp", "2026-02-30T10:00:00.000000+0000"); // no such day
        try (EventSpool spool = new EventSpool(spoolDir)) {
            spool.append(EventSpool.ALERT, alert(779_000_001L).toString());
            spool.append(EventSpool.ALERT, bad.toString());
            spool.append(EventSpool.ALERT, alert(779_000_003L).toString());
            SpoolConfig config = new SpoolConfig(URI.create(system.managerUrl() + "/api/ingest/events"), system.probeToken,
                    system.ca, FlowtrapSystem.PROBE);
            try (SpoolShipper shipper = new SpoolShipper(spool, config).start()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (shipper.shipped() < 2 || shipper.deadLettered() < 1) {
                    assertThat(System.nanoTime()).as("delivered: %d, dead letters: %d", shipper.shipped(),
                            shipper.deadLettered()).isLessThan(deadline);
                    Thread.sleep(50);
                }
                assertThat(shipper.rejected()).isEqualTo(1);
                assertThat(shipper.failures()).isZero();
            }
        }
        assertThat(awaitHits("flow_id:(779000001 OR 779000003)", 2)).hasSize(2);
        List<DeadLetters.Letter> letters = new DeadLetters(spoolDir, DeadLetters.DEFAULT_MAX_BYTES).list();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).event()).isEqualTo(bad.toString());
        assertThat(letters.get(0).reason()).isEqualTo("manager rejected it: timestamp '2026-02-30T10:00:00.000000+0000'"
                + " is not a real date and time");

        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = ProbeCommand.execute("spool", "dead-letters", "--spool", spoolDir.toString());
        } finally {
            System.setOut(before);
        }
        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("1 dead letter(s)", "alert attempts=1",
                "is not a real date and time", "\"flow_id\":779000002");
    }

    @Test
    void hostileInputAlertsWhoseFieldsConflictWithTheMappingOrTheSchemaAreAllFoundWithTheConflictingPartsUnindexed() throws Exception {
        Map<Long, ObjectNode> alerts = new LinkedHashMap<>();
        // an extra field whose kind flips: an object first, then a number, then an object again
        alerts.put(778_000_001L, alert(778_000_001L));
        alerts.get(778_000_001L).putObject("x_flip").put("a", 1);
        alerts.put(778_000_002L, alert(778_000_002L));
        alerts.get(778_000_002L).put("x_flip", 5);
        // a number first, then text (ignore_malformed keeps it in _source), then an object (moved aside)
        alerts.put(778_000_003L, alert(778_000_003L));
        alerts.get(778_000_003L).put("x_count", 5);
        alerts.put(778_000_004L, alert(778_000_004L));
        alerts.get(778_000_004L).put("x_count", "many");
        alerts.put(778_000_005L, alert(778_000_005L));
        alerts.get(778_000_005L).putObject("x_count").put("n", 7);
        // fields the schema types, of the wrong kind: a string and an object where a number belongs
        alerts.put(778_000_006L, alert(778_000_006L));
        ((ObjectNode) alerts.get(778_000_006L).get("alert")).put("signature_id", "sid-not-a-number");
        alerts.put(778_000_007L, alert(778_000_007L));
        ((ObjectNode) alerts.get(778_000_007L).get("alert")).putObject("signature_id").put("sid", 1);
        alerts.put(778_000_008L, alert(778_000_008L));
        ((ObjectNode) alerts.get(778_000_008L).get("alert")).put("severity", "high");
        // deeper than Elasticsearch's depth limit (20)
        ObjectNode deep = alert(778_000_009L);
        ObjectNode level = deep.putObject("x_deep");
        for (int i = 0; i < 25; i++) {
            level = level.putObject("l" + i);
        }
        level.put("end", true);
        alerts.put(778_000_009L, deep);
        // a bad address in a field that finds the flow: refused on its own
        ObjectNode badAddress = alert(778_000_010L);
        badAddress.put("src_ip", "not-an-address");

        List<String> lines = new ArrayList<>();
        alerts.values().forEach(a -> lines.add(envelope(a)));
        lines.add(envelope(badAddress));
        FlowtrapSystem.Response r = system.post("/api/ingest/events", system.probeToken, "application/x-ndjson",
                (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        JsonNode report = r.json();
        assertThat(DocumentSchema.of(Document.INGEST_REPORT).validate(report)).as(r.text()).isEmpty();
        assertThat(report.path("received").asInt()).isEqualTo(10);
        assertThat(report.path("indexed").asInt()).as(r.text()).isEqualTo(9);
        assertThat(report.path("rejected")).as(r.text()).hasSize(1);
        assertThat(report.path("rejected").get(0).path("line").asInt()).isEqualTo(10);
        assertThat(report.path("rejected").get(0).path("error").asText()).contains("src_ip");
        Map<Integer, String> unindexed = new LinkedHashMap<>();
        report.path("unindexed").forEach(u -> unindexed.put(u.path("line").asInt(), u.path("fields").toString()));
        assertThat(unindexed).as(r.text()).containsOnlyKeys(2, 5, 6, 7, 8, 9);
        assertThat(unindexed.get(2)).contains("x_flip");
        assertThat(unindexed.get(6)).contains("alert.signature_id");
        assertThat(unindexed.get(8)).contains("alert.severity");

        JsonNode hits = awaitHits("flow_id:[778000001 TO 778000009]", 9);
        Map<Long, JsonNode> byFlow = new LinkedHashMap<>();
        hits.forEach(h -> byFlow.put(h.path("flow_id").asLong(), h));
        assertThat(byFlow).containsOnlyKeys(alerts.keySet());
        for (JsonNode h : hits) {
            assertThat(h.path("host").asText()).isEqualTo(FlowtrapSystem.PROBE);
            assertThat(h.path("timestamp").asText()).isEqualTo(hit.path("timestamp").asText());
        }
        assertThat(byFlow.get(778_000_002L).at("/unindexed_fields/x_flip").asInt()).isEqualTo(5);
        assertThat(byFlow.get(778_000_004L).path("x_count").asText()).as("kept by ignore_malformed").isEqualTo("many");
        assertThat(byFlow.get(778_000_005L).at("/unindexed_fields/x_count/n").asInt()).isEqualTo(7);
        assertThat(byFlow.get(778_000_006L).path("unindexed_fields").path("alert.signature_id").asText())
                .isEqualTo("sid-not-a-number");
        assertThat(byFlow.get(778_000_007L).path("unindexed_fields").path("alert.signature_id").path("sid").asInt()).isEqualTo(1);
        assertThat(byFlow.get(778_000_009L).toString()).contains("\"end\":true");
        // what was not moved still indexes and is searchable
        assertThat(awaitHits("flow_id:778000006 AND alert.signature:*", 1)).hasSize(1);
        assertThat(awaitHits("x_flip.a:1", 1)).hasSize(1);
    }

    /** An alert of the flow {@code flowId} stamped {@code time} (Suricata's form, UTC). */
    private static ObjectNode alertAt(long flowId, Instant time) {
        ObjectNode a = alert(flowId);
        a.put("timestamp", SURICATA_TIME.format(time));
        return a;
    }

    /** The alert index of the day of {@code time}, made now if it does not exist (the template applies). */
    private static String indexOfDay(Instant time) {
        String index = system.indexPrefix + INDEX_DAY.format(time);
        ElasticsearchNode.Response created = system.elasticsearch.request("PUT", "/" + index, null);
        assertThat(created.status() == 200 || created.body().contains("resource_already_exists_exception"))
                .as(created.body()).isTrue();
        return index;
    }

    private static void setBlock(String index, String block, String value) {
        ElasticsearchNode.Response r = system.elasticsearch.request("PUT", "/" + index + "/_settings",
                "{\"index.blocks." + block + "\": " + value + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** Alerts with {@code flowId} in every alert index of this system, as Elasticsearch counts them after a refresh. */
    private static long countInElasticsearch(long flowId) throws Exception {
        String indices = "/" + system.indexPrefix + "*";
        assertThat(system.elasticsearch.request("POST", indices + "/_refresh", null).status()).isEqualTo(200);
        ElasticsearchNode.Response r = system.elasticsearch.request("GET", indices + "/_count?q=flow_id:" + flowId, null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("count").asLong();
    }

    /** Index operations Elasticsearch has carried out on {@code index} (each overwrite counts), from its stats. */
    private static long indexOperations(String index) throws Exception {
        ElasticsearchNode.Response r = system.elasticsearch.request("GET", "/" + index + "/_stats/indexing", null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).at("/_all/primaries/indexing/index_total").asLong();
    }

    private static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20); // polls counters the shipper's thread publishes
        }
    }

    @Test
    void hostileInputElasticsearchThrottlingSomeItemsHoldsTheirBatchBackAndABlockedIndexRefusesOnlyItsOwnNoneLost()
            throws Exception {
        Instant now = Instant.now();
        // the flood-stage watermark's block: Elasticsearch answers 429 for each item bound for that index. Its
        // disk monitor lifts that block from an index on a disk with room (within cluster.info.update.interval,
        // 30 s): it is off while this test needs the block to stay
        diskThresholdMonitor(false);
        try {
            throttledAndRefusedItems(now);
        } finally {
            diskThresholdMonitor(true);
        }
    }

    /** Turns Elasticsearch's disk threshold monitor (and decider) off, or back to its default. */
    private static void diskThresholdMonitor(boolean on) {
        ElasticsearchNode.Response r = system.elasticsearch.request("PUT", "/_cluster/settings",
                "{\"persistent\":{\"cluster.routing.allocation.disk.threshold_enabled\":" + (on ? "null" : "false") + "}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static void throttledAndRefusedItems(Instant now) throws Exception {
        Instant elevenDaysAgo = now.minus(Duration.ofDays(11));
        Instant tenDaysAgo = now.minus(Duration.ofDays(10));
        long today = 776_000_001L;
        long throttled = 776_000_101L;
        String todayIndex = indexOfDay(now);
        String readOnly = indexOfDay(elevenDaysAgo);
        setBlock(readOnly, "read_only_allow_delete", "true");
        Path spoolDir = Files.createTempDirectory("flowtrap-bulk-items-it");
        SpoolConfig config = new SpoolConfig(URI.create(system.managerUrl() + "/api/ingest/events"), system.probeToken,
                system.ca, SpoolConfig.DEFAULT_BATCH_SIZE, FlowtrapSystem.PROBE, Duration.ofMillis(100),
                Duration.ofMillis(500), Duration.ofSeconds(30));
        try (EventSpool spool = new EventSpool(spoolDir)) {
            // one batch: two alerts of today, two of the throttled day
            spool.append(EventSpool.ALERT, alertAt(today, now).toString());
            spool.append(EventSpool.ALERT, alertAt(throttled, elevenDaysAgo).toString());
            spool.append(EventSpool.ALERT, alertAt(today + 1, now).toString());
            spool.append(EventSpool.ALERT, alertAt(throttled + 1, elevenDaysAgo).toString());
            long operationsBefore = indexOperations(todayIndex);
            try (SpoolShipper shipper = new SpoolShipper(spool, config).start()) {
                await("the manager answered 503 twice", () -> shipper.failures() >= 2);
                long attempts = shipper.failures();
                assertThat(shipper.shipped()).as("a batch with items Elasticsearch cannot take now is held back whole")
                        .isZero();
                assertThat(shipper.rejected()).isZero();
                assertThat(shipper.deadLettered()).isZero();
                // Elasticsearch took today's items at each attempt: written again each time, there once
                assertThat(indexOperations(todayIndex) - operationsBefore).as("today's two alerts, once per attempt")
                        .isGreaterThanOrEqualTo(2 * attempts);
                assertThat(countInElasticsearch(today)).isEqualTo(1);
                assertThat(countInElasticsearch(today + 1)).isEqualTo(1);
                assertThat(countInElasticsearch(throttled)).isZero();

                setBlock(readOnly, "read_only_allow_delete", "null"); // room on the disk again
                await("the batch delivered once the block is lifted", () -> shipper.shipped() >= 4);
                assertThat(shipper.rejected()).isZero();
                assertThat(shipper.deadLettered()).isZero();
            }
            for (long flow : List.of(today, today + 1, throttled, throttled + 1)) {
                assertThat(countInElasticsearch(flow)).as("flow %d: indexed once, none lost, none twice", flow).isEqualTo(1);
            }

            // an index closed to writes (index.blocks.write): 403 for each item bound for it, a refusal of those items only
            long refusedFlow = 776_000_201L;
            String writeBlocked = indexOfDay(tenDaysAgo);
            setBlock(writeBlocked, "write", "true");
            ObjectNode refused = alertAt(refusedFlow, tenDaysAgo);
            spool.append(EventSpool.ALERT, alertAt(today + 2, now).toString());
            spool.append(EventSpool.ALERT, refused.toString());
            spool.append(EventSpool.ALERT, alertAt(today + 3, now).toString());
            try (SpoolShipper shipper = new SpoolShipper(spool, config).start()) {
                await("delivered, the refused line dead-lettered", () -> shipper.shipped() >= 2 && shipper.deadLettered() >= 1);
                assertThat(shipper.rejected()).isEqualTo(1);
                assertThat(shipper.failures()).as("a refusal is no failure of the path").isZero();
            }
            assertThat(countInElasticsearch(today + 2)).isEqualTo(1);
            assertThat(countInElasticsearch(today + 3)).isEqualTo(1);
            assertThat(countInElasticsearch(refusedFlow)).isZero();
            List<DeadLetters.Letter> letters = new DeadLetters(spoolDir, DeadLetters.DEFAULT_MAX_BYTES).list();
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).event()).isEqualTo(refused.toString());
            assertThat(letters.get(0).reason()).isEqualTo("manager rejected it: elasticsearch refused it: cluster_block_exception:"
                    + " index [" + writeBlocked + "] blocked by: [FORBIDDEN/8/index write (api)];");
            setBlock(writeBlocked, "write", "null");
        }
        // kept, so not lost: once the index takes writes again the dead letter is sent again and indexed
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = ProbeCommand.execute("spool", "resend-dead-letters", "--spool", spoolDir.toString());
        } finally {
            System.setOut(before);
        }
        assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();
        try (EventSpool spool = new EventSpool(spoolDir);
                SpoolShipper shipper = new SpoolShipper(spool, config).start()) {
            await("the dead letter delivered", () -> shipper.shipped() >= 1);
            assertThat(shipper.rejected()).isZero();
        }
        assertThat(countInElasticsearch(776_000_201L)).isEqualTo(1);
        assertThat(new DeadLetters(spoolDir, DeadLetters.DEFAULT_MAX_BYTES).list()).isEmpty();
    }

    @Test
    void hostileInputABulkElasticsearchRefusesWholeIsSentAgainOneDocumentAtATimeAndOnlyTheOneAtFaultIsRefused()
            throws Exception {
        // Elasticsearch refuses a whole bulk for one item's action line (an id over 512 bytes: 400
        // action_request_validation_exception, nothing indexed). The manager's ids are 40 hex digits, so no
        // delivery makes one; the manager's own indexer is given such a document next to two real alerts.
        BulkIndexer indexer = system.managerBean(BulkIndexer.class);
        Instant now = Instant.now();
        AlertDocument first = AlertDocument.of(system.indexPrefix, FlowtrapSystem.PROBE, alertAt(776_000_301L, now));
        AlertDocument real = AlertDocument.of(system.indexPrefix, FlowtrapSystem.PROBE, alertAt(776_000_302L, now));
        AlertDocument longId = new AlertDocument("x".repeat(513), real.index(), real.source(), real.json(), real.time());
        AlertDocument last = AlertDocument.of(system.indexPrefix, FlowtrapSystem.PROBE, alertAt(776_000_303L, now));
        ElasticsearchNode.Response whole = system.elasticsearch.request("POST", "/_bulk?filter_path=error.type",
                "{\"index\":{\"_index\":\"" + first.index() + "\",\"_id\":\"" + longId.id() + "\"}}\n" + first.json() + "\n");
        assertThat(whole.status()).as("Elasticsearch refuses such a bulk whole").isEqualTo(400);
        assertThat(whole.body()).contains("action_request_validation_exception");

        BulkIndexer.Outcome outcome = indexer.index(List.of(first, longId, last));

        assertThat(outcome.indexed()).as("the documents around it, each sent on its own").isEqualTo(2);
        assertThat(outcome.refused()).singleElement().satisfies(r -> {
            assertThat(r.position()).isEqualTo(1);
            assertThat(r.reason()).startsWith("400 ").contains("action_request_validation_exception", "is too long");
        });
        assertThat(countInElasticsearch(776_000_301L)).isEqualTo(1);
        assertThat(countInElasticsearch(776_000_302L)).as("the document at fault is not indexed").isZero();
        assertThat(countInElasticsearch(776_000_303L)).isEqualTo(1);
    }
}
