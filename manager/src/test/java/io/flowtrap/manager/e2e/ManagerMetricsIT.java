package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manager's meters at {@code GET /actuator/prometheus} after real traffic (the whole system:
 * Elasticsearch, a probe replaying the demo capture, a second probe that never answers): the scrape
 * needs an admin key; ingest, search, the pcap chain, a refusal for load, the download cache and
 * job retention each move exactly the meters README "Manager metrics" says, by what was sent.
 */
class ManagerMetricsIT {
    private static final String CHAIN = "/rest/rules/filestore_pcap/";
    private static final String EXTRACT = CHAIN + "{filename}/extract_pcap/";
    private static final long QUOTA = 2_000;
    private static final DateTimeFormatter SURICATA = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxx");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static FlowtrapSystem system;
    private static JsonNode hits;
    private static ServerSocket silentProbe;
    private static final List<Socket> held = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-metrics-it");
        silentProbe = new ServerSocket(0); // accepts and never answers: a carve on it stays in flight
        Thread acceptor = new Thread(() -> {
            while (!silentProbe.isClosed()) {
                try {
                    held.add(silentProbe.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-probe");
        acceptor.setDaemon(true);
        acceptor.start();
        system = new FlowtrapSystem(dir, FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap"),
                FlowtrapSystem.REPO.resolve("ops/demo-data/demo-eve.json"), List.of(
                        "--flowtrap.jobs.retention=12s",
                        "--flowtrap.expiry-sweep-interval=200ms",
                        "--flowtrap.jobs.concurrent-extractions=1",
                        "--flowtrap.jobs.queued-extractions=0",
                        "--flowtrap.jobs.retry-after=7s",
                        "--flowtrap.jobs.cache-quota=" + QUOTA + "B",
                        "--flowtrap.extraction-wait=1s",
                        "--flowtrap.probes[1].name=sensor-silent",
                        "--flowtrap.probes[1].url=https://127.0.0.1:" + silentProbe.getLocalPort(),
                        "--flowtrap.probes[1].token-file=" + dir.resolve("probe-api.token")));
        system.awaitIndexed(system.recordedAlerts().size(), Duration.ofSeconds(60));
        hits = system.get("/rest/rules/es/alerts_tail/?page_size=100", system.analystToken).json().path("results");
        assertThat(hits.size()).isGreaterThan(20);
    }

    @AfterAll
    static void stop() throws Exception {
        if (system != null) {
            system.close();
        }
        silentProbe.close();
        for (Socket s : held) {
            s.close();
        }
    }

    @Test
    void theScrapeIsForAdminKeysOnly() throws Exception {
        FlowtrapSystem.Response anonymous = system.get("/actuator/prometheus", null);
        FlowtrapSystem.expectError(anonymous, 401);
        assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Token");
        FlowtrapSystem.expectError(system.get("/actuator/prometheus", system.analystToken), 403);
        FlowtrapSystem.expectError(system.get("/actuator/prometheus", system.probeToken), 403);
        FlowtrapSystem.expectError(system.get("/actuator", system.analystToken), 403);
        FlowtrapSystem.Response admin = system.get("/actuator/prometheus", system.adminToken);
        assertThat(admin.status()).isEqualTo(200);
        assertThat(admin.header("Content-Type")).startsWith("text/plain");
        assertThat(Scrape.of(admin.text()).value("flowtrap_elasticsearch_up")).isEqualTo(1.0);
    }

    @Test
    void ingestSearchTheChainALoadRefusalTheCacheAndRetentionMoveTheirMeters() throws Exception {
        int uploads = 0;

        // ingest: one line indexed, one of each kind of rejection, a batch refused whole
        Scrape before = Scrape.take();
        ObjectNode alert = (ObjectNode) system.recordedAlerts().get(0).deepCopy();
        alert.put("timestamp", SURICATA.format(OffsetDateTime.now(ZoneOffset.UTC)));
        String good = line("metrics-probe", alert);
        String badDay = line("metrics-probe", alert.deepCopy().put("timestamp", "2026-02-30T10:00:00.000000+0000"));
        String old = line("metrics-probe", alert.deepCopy().put("timestamp", "2001-01-01T10:00:00.000000+0000"));
        String invalid = line("metrics-probe", alert.deepCopy().put("src_ip", "not an address"));
        FlowtrapSystem.Response report = ingest(system.adminToken, good, "not json", badDay, old, invalid);
        assertThat(report.status()).as(report.text()).isEqualTo(200);
        assertThat(report.json().path("indexed").asInt()).isEqualTo(1);
        assertThat(report.json().path("rejected")).hasSize(4);
        FlowtrapSystem.Response other = ingest(system.probeToken, line("other-probe", alert));
        assertThat(other.json().path("rejected")).as(other.text()).hasSize(1);
        FlowtrapSystem.Response tooMany = ingest(system.adminToken, "{}\n".repeat(20_001).split("\n"));
        FlowtrapSystem.expectError(tooMany, 413);
        Scrape after = Scrape.take();
        assertThat(after.delta(before, "flowtrap_ingest_events_total", "probe", "metrics-probe", "kind", "alert")).isEqualTo(1);
        for (String reason : List.of("not_json", "bad_time", "out_of_window", "invalid", "wrong_probe")) {
            assertThat(after.delta(before, "flowtrap_ingest_rejected_lines_total", "reason", reason)).as(reason).isEqualTo(1);
        }
        assertThat(after.delta(before, "flowtrap_ingest_rejected_lines_total", "reason", "too_long"))
                .as("nothing counted of a batch refused whole").isZero();
        assertThat(after.delta(before, "flowtrap_ingest_batches_total", "outcome", "taken")).isGreaterThanOrEqualTo(2);
        assertThat(after.delta(before, "flowtrap_ingest_batches_total", "outcome", "too_large")).isEqualTo(1);
        assertThat(after.delta(before, "http_server_requests_seconds_count", "uri", "/api/ingest/events", "status", "413"))
                .isEqualTo(1);
        assertThat(after.value("flowtrap_ingest_events_total", "probe", FlowtrapSystem.PROBE, "kind", "alert"))
                .as("the probe's own deliveries").isGreaterThanOrEqualTo(system.recordedAlerts().size());

        // search: a page, and a query Elasticsearch cannot parse
        before = after;
        assertThat(system.get("/rest/rules/es/alerts_tail/?page_size=1", system.analystToken).status()).isEqualTo(200);
        FlowtrapSystem.expectError(system.get("/rest/rules/es/alerts_tail/?qfilter=src_ip:10.0.0.0/8", system.analystToken), 400);
        after = Scrape.take();
        String tail = "/rest/rules/es/alerts_tail/";
        assertThat(after.delta(before, "http_server_requests_seconds_count", "uri", tail, "status", "200")).isEqualTo(1);
        assertThat(after.delta(before, "http_server_requests_seconds_count", "uri", tail, "status", "400")).isEqualTo(1);
        assertThat(after.delta(before, "flowtrap_elasticsearch_errors_total", "operation", "search", "kind", "bad_query"))
                .isEqualTo(1);

        // the chain: carves until two fit the cache alone but not together; both retrieved, the older evicted
        before = after;
        List<String> fitting = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        int carved = 0;
        int outlasted = 0;
        for (JsonNode hit : hits) {
            if (fitting.size() == 2) {
                break;
            }
            String job = upload(hit, FlowtrapSystem.PROBE);
            uploads++;
            FlowtrapSystem.Response extracted = extract(job, FlowtrapSystem.PROBE);
            if (extracted.status() == 202) { // the carve outlasted the 1 s wait (a loaded machine): let it end, pass over it
                awaitStatus(job, "available");
                outlasted++;
                continue;
            }
            assertThat(extracted.status()).as(extracted.text()).isEqualTo(200);
            carved++;
            long size = 24 + 16 * extracted.json().path("packets").asLong() + extracted.json().path("bytes").asLong();
            if (size > QUOTA / 2 && size <= QUOTA) {
                fitting.add(job);
                sizes.add(size);
            }
        }
        assertThat(fitting).hasSize(2);
        for (String job : fitting) {
            FlowtrapSystem.Response r = system.get(CHAIN + job + "/retrieve/?host=" + FlowtrapSystem.PROBE, system.analystToken);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
        }
        assertThat(system.get(CHAIN + fitting.get(1) + "/download/", system.analystToken).status()).isEqualTo(200);
        ObjectNode elsewhere = hits.get(0).deepCopy();
        elsewhere.put("community_id", "1:AAAAAAAAAAAAAAAAAAAAAAAAAAA="); // a flow this probe never saw
        String notStored = upload(elsewhere, FlowtrapSystem.PROBE);
        uploads++;
        FlowtrapSystem.expectError(extract(notStored, FlowtrapSystem.PROBE), 404);
        after = Scrape.take();
        String http = "http_server_requests_seconds_count";
        assertThat(after.delta(before, http, "uri", CHAIN + "upload/", "status", "200")).isEqualTo(carved + outlasted + 1);
        assertThat(after.delta(before, http, "uri", EXTRACT, "status", "200")).isEqualTo(carved);
        assertThat(after.delta(before, http, "uri", EXTRACT, "status", "202")).isEqualTo(outlasted);
        assertThat(after.delta(before, http, "uri", EXTRACT, "status", "404")).isEqualTo(1);
        assertThat(after.delta(before, http, "uri", CHAIN + "{filename}/retrieve/", "status", "200")).isEqualTo(2);
        assertThat(after.delta(before, http, "uri", CHAIN + "{filename}/download/", "status", "200")).isEqualTo(1);
        assertThat(after.delta(before, "http_server_requests_seconds_sum", "uri", EXTRACT, "status", "200"))
                .as("the extract step's time").isPositive();
        String probeCalls = "flowtrap_probe_requests_seconds_count";
        assertThat(after.delta(before, probeCalls, "probe", FlowtrapSystem.PROBE, "operation", "carve", "outcome", "ok"))
                .isEqualTo(carved + outlasted);
        assertThat(after.delta(before, probeCalls, "probe", FlowtrapSystem.PROBE, "operation", "carve", "outcome", "not_found"))
                .isEqualTo(1);
        assertThat(after.delta(before, probeCalls, "probe", FlowtrapSystem.PROBE, "operation", "fetch", "outcome", "ok"))
                .isEqualTo(2);
        assertThat(after.value("flowtrap_probe_requests_seconds_bucket", "probe", FlowtrapSystem.PROBE, "operation", "fetch",
                "outcome", "ok", "le", "+Inf")).isEqualTo(after.value(probeCalls, "probe", FlowtrapSystem.PROBE, "operation",
                "fetch", "outcome", "ok"));
        assertThat(after.delta(before, "flowtrap_download_cache_evictions_total")).isEqualTo(1);
        assertThat(after.delta(before, "flowtrap_download_cache_evicted_bytes_total")).isEqualTo((double) sizes.get(0));
        assertThat(after.value("flowtrap_jobs", "state", "expired")).as("the evicted one").isGreaterThanOrEqualTo(1);
        assertThat(after.value("flowtrap_jobs", "state", "available")).isGreaterThanOrEqualTo(1);
        assertThat(after.value("flowtrap_jobs", "state", "failed")).as("the flow not stored").isGreaterThanOrEqualTo(1);

        // a carve stuck on a silent probe holds the only carver: the next extraction is 503 with Retry-After
        before = after;
        String stuck = upload(hits.get(1), "sensor-silent");
        uploads++;
        assertThat(extract(stuck, "sensor-silent").status()).isEqualTo(202);
        String next = upload(hits.get(2), FlowtrapSystem.PROBE);
        uploads++;
        FlowtrapSystem.Response busy = extract(next, FlowtrapSystem.PROBE);
        FlowtrapSystem.expectError(busy, 503);
        assertThat(busy.header("Retry-After")).isEqualTo("7");
        after = Scrape.take();
        assertThat(after.value("flowtrap_extractions_running")).isEqualTo(1);
        assertThat(after.delta(before, "flowtrap_extractions_refused_total")).isEqualTo(1);
        assertThat(after.delta(before, "flowtrap_http_retry_after_total", "status", "503")).isEqualTo(1);
        assertThat(after.delta(before, http, "uri", EXTRACT, "status", "503")).isEqualTo(1);
        for (Socket s : held) {
            s.close(); // the silent probe hangs up: its carve fails and frees the carver
        }
        Scrape atRefusal = before;
        after = await("the stuck carve ends", s -> s.value("flowtrap_extractions_running") == 0
                && s.delta(atRefusal, probeCalls, "probe", "sensor-silent", "operation", "carve") == 1);
        assertThat(after.delta(before, probeCalls, "probe", "sensor-silent", "operation", "carve", "outcome", "ok")).isZero();

        // retention: every job's directory goes 12 s after its last step; the gauges follow
        int created = uploads;
        Scrape gone = await("every job deleted", s -> s.value("flowtrap_jobs") == 0);
        assertThat(gone.value("flowtrap_jobs_deleted_total")).isEqualTo(created);
        assertThat(system.get(CHAIN + fitting.get(1) + "/status/", system.analystToken).status()).isEqualTo(404);
    }

    private static String line(String probe, JsonNode event) throws IOException {
        ObjectNode envelope = JSON.createObjectNode().put("kind", "alert").put("probe", probe);
        envelope.set("event", event);
        return JSON.writeValueAsString(envelope);
    }

    private static FlowtrapSystem.Response ingest(String token, String... lines) throws Exception {
        return system.post("/api/ingest/events", token, "application/x-ndjson",
                (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String upload(JsonNode hit, String host) throws Exception {
        ObjectNode alert = hit.deepCopy();
        alert.remove("_id"); // a new job each time
        FlowtrapSystem.Response r = system.post(CHAIN + "upload/?host=" + host, system.analystToken,
                "multipart/form-data; boundary=flowtrapboundary", FlowtrapSystem.multipart(alert.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json().path("filename").asText();
    }

    private static FlowtrapSystem.Response extract(String job, String host) throws Exception {
        return system.post(CHAIN + job + "/extract_pcap/?host=" + host, system.analystToken, "application/json", new byte[0]);
    }

    /** Polls a job's status until it is {@code status} (at most 60 s). */
    private static void awaitStatus(String job, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            String now = system.get(CHAIN + job + "/status/", system.analystToken).json().path("status").asText();
            if (now.equals(status)) {
                return;
            }
            assertThat(now).as("job %s", job).isEqualTo("pending");
            assertThat(System.nanoTime()).as("job %s %s", job, status).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Scrapes until {@code until} holds (at most 60 s); the scrape that showed it. */
    private static Scrape await(String what, java.util.function.Predicate<Scrape> until) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Scrape s = Scrape.take();
            if (until.test(s)) {
                return s;
            }
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** One scrape in the Prometheus text format: each sample's name, labels and value. */
    record Scrape(List<Sample> samples) {
        private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][\\w:]*)(?:\\{(.*)})? (\\S+)$");
        private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:\\\\.|[^\"\\\\])*)\"");

        record Sample(String name, Map<String, String> labels, double value) {}

        static Scrape take() throws Exception {
            FlowtrapSystem.Response r = system.get("/actuator/prometheus", system.adminToken);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            return of(r.text());
        }

        static Scrape of(String text) {
            List<Sample> samples = new ArrayList<>();
            for (String line : text.split("\n")) {
                Matcher m = SAMPLE.matcher(line);
                if (line.startsWith("#") || !m.matches()) {
                    continue;
                }
                Map<String, String> labels = new HashMap<>();
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
                    }
                }
                samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
            }
            return new Scrape(samples);
        }

        /** The sum of the samples named {@code name} that carry every given label (pairs of name, value); 0 if none. */
        double value(String name, String... labels) {
            double sum = 0;
            for (Sample s : samples) {
                boolean match = s.name().equals(name);
                for (int i = 0; match && i < labels.length; i += 2) {
                    match = labels[i + 1].equals(s.labels().get(labels[i]));
                }
                if (match) {
                    sum += s.value();
                }
            }
            return sum;
        }

        /** How much {@link #value} grew since {@code earlier}. */
        double delta(Scrape earlier, String name, String... labels) {
            return value(name, labels) - earlier.value(name, labels);
        }
    }
}
