package io.flowtrap.probe.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.spool.EventSpool;
import io.flowtrap.probe.spool.SpoolConfig;
import io.flowtrap.probe.spool.SpoolShipper;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.alert.EveLineDispatcher;
import io.flowtrap.probe.api.CarveJobs;
import io.flowtrap.probe.api.ProbeApiServer;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.AlertSchedule;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.pipeline.Replay;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} scraped over HTTP from a real probe API in front of a real pipeline that
 * replayed ops/demo-data (demo.pcap with Suricata's alerts on it). Each meter is checked against an
 * oracle outside the probe where there is one (tcpdump/tshark over the capture and over the store's
 * segments, the EVE file itself), and the source losses are set to values no other meter has, so a
 * meter bound to the wrong counter fails.
 */
class ProbeMetricsTest {
    private static final String TOKEN = "89abcdef0123456789abcdef0123456789abcdef";
    private static final long KERNEL_DROPS = 7_777;
    private static final long FREEZES = 333;
    private static final String FLOW_EVENT = "{\"timestamp\":\"2023-11-14T22:13:25.123456+0000\",\"event_type\":\"flow\","
            + "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"UDP\",\"src_port\":1,\"dest_port\":2}";

    @TempDir
    static Path tmp;

    private static Path demo;
    private static CapturePipeline pipeline;
    private static AlertIntakeCounters alertCounters;
    private static List<EveAlert> alerts;
    private static ProbeApiServer server;
    private static HttpClient http;

    @BeforeAll
    static void replayAndServe() throws Exception {
        demo = repoRoot().resolve("ops/demo-data");
        alertCounters = new AlertIntakeCounters();
        AlertSchedule schedule = AlertSchedule.read(demo.resolve("demo-eve.json"), Duration.ZERO, new EveAlertParser(),
                alertCounters);
        alerts = schedule.alerts();
        pipeline = CapturePipeline.open(
                new ProbeSettings.Store(tmp.resolve("store"), DataSize.parse("1GB"), DataSize.parse("64MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(0, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("16MB")), alertCounters);
        try (OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(demo.resolve("demo.pcap"))) {
            Replay.run(source, schedule, pipeline);
        }
        // the live path's intake: every line of the EVE file, a flow event and a broken line through the dispatcher
        EveLineDispatcher dispatcher = new EveLineDispatcher(new EveAlertParser(), alert -> { }, alertCounters);
        for (String line : Files.readAllLines(demo.resolve("demo-eve.json"))) {
            dispatcher.dispatch(line, "test");
        }
        dispatcher.dispatch(FLOW_EVENT, "test");
        dispatcher.dispatch("{not json", "test");
        CaptureEngine engine = pipeline.engine();
        engine.sourceLosses(KERNEL_DROPS, FREEZES);
        assertThat(pipeline.store().awaitSeal(pipeline.store().requestSeal(), 10_000_000_000L)).as("sealed").isTrue();
        engine.idle(Long.MAX_VALUE / 2); // publishes the counters
        ProbeMetrics metrics = new ProbeMetrics(engine.counters(), alertCounters, pipeline.store());
        CarveJobs carves = new CarveJobs(tmp.resolve("carves"), pipeline.store().extractor(), () -> true,
                Duration.ofHours(1), Duration.ofSeconds(600), metrics::recordCarve);
        server = new ProbeApiServer("probe-m", new InetSocketAddress("127.0.0.1", 0), null, TOKEN, pipeline.store(), carves,
                new ProbeApiServer.Endpoints(new ProbeApiServer.MetricsText(ProbeMetrics.CONTENT_TYPE, metrics::scrape), null, null));
        server.start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The samples of a Prometheus text exposition: {@code name{labels}} → value. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            assertThat(samples.put(series, Double.parseDouble(line.substring(space + 1)))).as("duplicate " + series).isNull();
        }
        return samples;
    }

    private static Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = get("/metrics", "Bearer " + TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(ProbeMetrics.CONTENT_TYPE);
        return parse(r.body());
    }

    private static long value(Map<String, Double> samples, String series) {
        assertThat(samples).as("metrics").containsKey(series);
        double v = samples.get(series);
        assertThat(v).as(series).isEqualTo(Math.rint(v));
        return (long) v;
    }

    @Test
    void metricsNeedTheToken() throws Exception {
        HttpResponse<String> none = get("/metrics", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Token");
        assertThat(get("/metrics", "Bearer " + TOKEN.replace('8', '9')).statusCode()).isEqualTo(401);
        assertThat(get("/metrics", "Token " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(get("/metrics", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void countersEqualWhatTheCaptureAndTheStoreHold() throws Exception {
        Map<String, Double> m = scrape();
        Path pcap = demo.resolve("demo.pcap");

        assertThat(value(m, "flowtrap_packets_captured_total")).isEqualTo(tcpdumpPackets(pcap)).isPositive();
        assertThat(value(m, "flowtrap_bytes_captured_total")).isEqualTo(tsharkWireBytes(pcap));
        assertThat(value(m, "flowtrap_kernel_drops_total")).isEqualTo(KERNEL_DROPS);
        assertThat(value(m, "flowtrap_ring_freezes_total")).isEqualTo(FREEZES);

        long eveAlerts;
        Set<String> alertedFlows = new HashSet<>();
        try (Stream<String> lines = Files.lines(demo.resolve("demo-eve.json"))) {
            List<String> alertLines = lines.filter(l -> l.contains("\"event_type\":\"alert\"")).toList();
            eveAlerts = alertLines.size();
            for (String l : alertLines) {
                alertedFlows.add(new ObjectMapper().readTree(l).path("community_id").asText());
            }
        }
        assertThat(alerts).hasSize((int) eveAlerts);
        long matched = value(m, "flowtrap_alerts_matched_total");
        assertThat(value(m, "flowtrap_alerts_received_total")).isEqualTo(eveAlerts); // through the dispatcher
        assertThat(value(m, "flowtrap_eve_ignored_total")).isEqualTo(1);
        assertThat(matched).isEqualTo(alertedFlows.size()); // every alerted flow is in the capture: armed once
        assertThat(value(m, "flowtrap_flows_armed_total")).isEqualTo(matched);
        assertThat(value(m, "flowtrap_alerts_duplicate_total")).isEqualTo(eveAlerts - alertedFlows.size());
        assertThat(value(m, "flowtrap_alerts_late_total")).isZero();
        assertThat(value(m, "flowtrap_alerts_unknown_total")).isZero();
        assertThat(value(m, "flowtrap_lookback_hits_total") + value(m, "flowtrap_lookback_misses_total")).isEqualTo(matched);
        assertThat(value(m, "flowtrap_alerts_lost_total{reason=\"inbox_full\"}")).isZero();
        assertThat(value(m, "flowtrap_eve_malformed_total")).isEqualTo(1);
        assertThat(value(m, "flowtrap_eve_overlong_total")).isZero();
        assertThat(value(m, "flowtrap_eve_connections_refused_total")).isZero();
        assertThat(value(m, "flowtrap_eve_intake_errors_total")).isZero();

        List<Path> segments = segmentPcaps();
        long storedPackets = 0;
        for (Path s : segments) {
            storedPackets += tcpdumpPackets(s);
        }
        assertThat(value(m, "flowtrap_packets_stored_total")).isEqualTo(storedPackets).isPositive()
                .isLessThan(value(m, "flowtrap_packets_captured_total"));
        assertThat(value(m, "flowtrap_store_packets")).isEqualTo(storedPackets);
        assertThat(value(m, "flowtrap_store_segments")).isEqualTo(segments.size()).isPositive();
        // the store's writer: it sealed every segment there is, lost nothing (a replay waits for room), has nothing left
        assertThat(value(m, "flowtrap_store_segments_sealed_total")).isEqualTo(segments.size());
        assertThat(value(m, "flowtrap_store_backlog_dropped_packets_total")).isZero();
        assertThat(value(m, "flowtrap_store_backlog_dropped_bytes_total")).isZero();
        assertThat(value(m, "flowtrap_store_backlog_bytes")).isZero();
        assertThat(value(m, "flowtrap_store_write_failures_total")).isZero();
        assertThat(value(m, "flowtrap_store_write_lost_packets_total")).isZero();
        assertThat(value(m, "flowtrap_store_write_lost_bytes_total")).isZero();
        assertThat(value(m, "flowtrap_store_writing")).isEqualTo(1);
        long onDisk = 0;
        try (Stream<Path> files = Files.list(tmp.resolve("store"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".pcap") || f.toString().endsWith(".idx")).toList()) {
                onDisk += Files.size(f);
            }
        }
        assertThat(value(m, "flowtrap_store_bytes")).isEqualTo(onDisk);
        assertThat(value(m, "flowtrap_flows_tracked")).isZero(); // the replay ended every flow
        assertThat(m.get("flowtrap_store_oldest_packet_seconds")).isGreaterThan(1e9)
                .isLessThanOrEqualTo(m.get("flowtrap_store_newest_packet_seconds"));
    }

    @Test
    void aCarveIsTimed() throws Exception {
        String series = "flowtrap_carve_duration_seconds_count{outcome=\"found\"}";
        long before = value(scrape(), series);
        EveAlert alert = alerts.get(0);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/api/v1/carves/metrics-1")).header("Authorization", "Token " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(alert.json())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(r.body());
        assertThat(body.path("outcome").asText()).isEqualTo("found");
        Map<String, Double> after = scrape();
        assertThat(value(after, series)).isEqualTo(before + 1);
        assertThat(after.get("flowtrap_carve_duration_seconds_sum{outcome=\"found\"}")).isPositive();
    }

    /** Replays the demo through a pipeline of the given sizes and scrapes its metrics. */
    private static Map<String, Double> replayScraped(Path dir, int maxFlows, String lookback, long[] tableEvictions)
            throws Exception {
        AlertIntakeCounters counters = new AlertIntakeCounters();
        AlertSchedule schedule = AlertSchedule.read(demo.resolve("demo-eve.json"), Duration.ZERO, new EveAlertParser(), counters);
        try (CapturePipeline p = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("64MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(maxFlows, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse(lookback)), counters)) {
            try (OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(demo.resolve("demo.pcap"))) {
                Replay.run(source, schedule, p);
            }
            tableEvictions[0] = p.flows().evicted();
            return parse(new ProbeMetrics(p.engine().counters(), counters, p.store()).scrape());
        }
    }

    @Test
    void hostileInputTheSpoolMetersCountWhatWasShippedDeadLetteredAndUnspooled(@TempDir Path dir) throws Exception {
        com.sun.net.httpserver.HttpServer manager = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        manager.createContext("/api/ingest/events", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                byte[] report = "{\"received\":3,\"indexed\":2,\"rejected\":[{\"line\":2,\"error\":\"not a valid event\"}]}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, report.length);
                exchange.getResponseBody().write(report);
            }
        });
        manager.start();
        AlertIntakeCounters counters = new AlertIntakeCounters();
        try (CapturePipeline p = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("1MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(100, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), counters);
             EventSpool spool = new EventSpool(java.nio.file.Files.createDirectories(dir.resolve("spool")))) {
            for (int i = 0; i < 3; i++) {
                spool.append(EventSpool.ALERT, "{\"n\":" + i + "}");
            }
            SpoolConfig config = new SpoolConfig(java.net.URI.create("http://127.0.0.1:" + manager.getAddress().getPort()
                    + "/api/ingest/events"), "k", null, 10, "probe", Duration.ofMillis(20), Duration.ofMillis(200),
                    Duration.ofSeconds(5));
            try (SpoolShipper shipper = new SpoolShipper(spool, config).start()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (shipper.shipped() < 2 || shipper.deadLettered() < 1) {
                    assertThat(System.nanoTime()).as("the batch delivered").isLessThan(deadline);
                    Thread.sleep(10);
                }
                ProbeMetrics metrics = new ProbeMetrics(p.engine().counters(), counters, p.store());
                metrics.bindSpool(shipper, () -> 4);
                Map<String, Double> m = parse(metrics.scrape());
                assertThat(value(m, "flowtrap_spool_shipped_total")).isEqualTo(2);
                assertThat(value(m, "flowtrap_spool_rejected_total")).isEqualTo(1);
                assertThat(value(m, "flowtrap_spool_dead_letters_total")).isEqualTo(1);
                assertThat(value(m, "flowtrap_spool_dead_letters_lost_total")).isZero();
                assertThat(value(m, "flowtrap_spool_unspooled_total")).isEqualTo(4);
                assertThat(value(m, "flowtrap_spool_delivery_failures_total")).isZero();
                assertThat(value(m, "flowtrap_spool_backlog")).isZero();
                assertThat(shipper.deadLetters().list()).singleElement()
                        .satisfies(l -> assertThat(l.event()).isEqualTo("{\"n\":1}"));
            }
        } finally {
            manager.stop(0);
        }
    }

    @Test
    void aTinyFlowTableReportsItsEvictions(@TempDir Path dir) throws Exception {
        long[] evicted = new long[1];
        Map<String, Double> m = replayScraped(dir, 8, "16MB", evicted);
        assertThat(value(m, "flowtrap_flows_evicted_total")).isEqualTo(evicted[0]).isPositive();
        assertThat(value(m, "flowtrap_lookback_evicted_waiting_total")).isZero(); // 16 MB holds the whole demo
        assertThat(value(m, "flowtrap_alerts_matched_total") + value(m, "flowtrap_alerts_duplicate_total")
                + value(m, "flowtrap_alerts_late_total") + value(m, "flowtrap_alerts_unknown_total"))
                .isEqualTo(alerts.size()); // every alert of the replay got one outcome
    }

    @Test
    void aTinyLookBackReportsThePacketsOfWaitingFlowsItOverwrote(@TempDir Path dir) throws Exception {
        long[] evicted = new long[1];
        Map<String, Double> m = replayScraped(dir, 0, "64KB", evicted);
        assertThat(value(m, "flowtrap_flows_evicted_total")).isZero();
        assertThat(value(m, "flowtrap_lookback_evicted_waiting_total")).isPositive()
                .isLessThanOrEqualTo(value(m, "flowtrap_packets_captured_total") - value(m, "flowtrap_packets_stored_total"));
        assertThat(value(m, "flowtrap_lookback_misses_total")).isPositive(); // armed flows whose start was overwritten
    }

    private static List<Path> segmentPcaps() throws IOException {
        try (Stream<Path> files = Files.list(tmp.resolve("store"))) {
            return new ArrayList<>(files.filter(f -> f.getFileName().toString().endsWith(".pcap")).sorted().toList());
        }
    }

    private static long tcpdumpPackets(Path pcap) throws Exception {
        String out = run("tcpdump", "-qnn", "-r", pcap.toString());
        return out.isEmpty() ? 0 : out.split("\n").length;
    }

    private static long tsharkWireBytes(Path pcap) throws Exception {
        long total = 0;
        for (String l : run("tshark", "-r", pcap.toString(), "-T", "fields", "-e", "frame.len").split("\n")) {
            if (!l.isBlank()) {
                total += Long.parseLong(l.strip());
            }
        }
        return total;
    }

    private static String run(String... command) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("ops/demo-data"))) {
                return p;
            }
        }
        throw new IllegalStateException("no ops/demo-data above " + Path.of("").toAbsolutePath());
    }
}
