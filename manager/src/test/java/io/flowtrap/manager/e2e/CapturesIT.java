package io.flowtrap.manager.e2e;

import static io.flowtrap.manager.e2e.FlowtrapSystem.expectError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.users.Role;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Captures end to end, one system for the class: the manager, Elasticsearch, the replaying probe
 * {@code sensor-1} of {@link FlowtrapSystem} (its traffic predates every capture, so it matches
 * nothing in a capture's window) and a live probe {@code live-1} ({@link LiveProbe}: a veth pair in
 * a namespace of this JVM's, tcpreplay sending ops/demo-data/demo.pcap into it). A capture's pcap
 * must hold exactly the packets {@code tcpdump -r demo.pcap '<filter>'} selects, byte for byte and
 * in order (every packet sent lies inside the window), up to max_packets. Waits are on what the
 * system says (the capture's state, its packets so far), never sleeps.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CapturesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEMO = FlowtrapSystem.REPO.resolve("ops/demo-data");
    private static final Path TRAFFIC = DEMO.resolve("demo.pcap");
    private static final int MAX_COUNT = 4;

    @TempDir
    static Path dir;

    private static LiveProbe live;
    private static FlowtrapSystem system;
    /** The manager's syslog copy of the audit trail: a UDP collector on the loopback, every datagram kept. */
    private static DatagramSocket syslog;
    private static final List<String> syslogged = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        syslog = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Thread collector = new Thread(() -> {
            DatagramPacket d = new DatagramPacket(new byte[8192], 8192);
            while (!syslog.isClosed()) {
                try {
                    syslog.receive(d);
                    syslogged.add(new String(d.getData(), 0, d.getLength(), StandardCharsets.UTF_8));
                } catch (java.io.IOException closed) {
                    return;
                }
            }
        }, "syslog-collector");
        collector.setDaemon(true);
        collector.start();
        live = new LiveProbe("live-1", dir.resolve("live"));
        List<String> args = new ArrayList<>(live.managerArguments(1));
        args.add("--flowtrap.syslog.target=udp:127.0.0.1:" + syslog.getLocalPort());
        args.add("--flowtrap.captures.poll-interval=200ms");
        args.add("--flowtrap.captures.max-count=" + MAX_COUNT);
        system = new FlowtrapSystem(dir.resolve("system"), TRAFFIC, DEMO.resolve("demo-eve.json"), args);
        live.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (system != null) {
            system.close();
        }
        if (live != null) {
            live.close();
        }
        if (syslog != null) {
            syslog.close();
        }
    }

    /** The syslog message of {@code action} about capture {@code id}, once it has come. */
    private static String awaitSyslog(String action, String id) throws Exception {
        return Waits.until("syslog " + action + " of " + id, Duration.ofSeconds(30), Duration.ofMillis(50),
                () -> syslogged.stream().filter(m -> m.contains(" " + action + " [flowtrap@32473 ") && m.contains(" id=\"" + id + "\""))
                        .findFirst(), Optional::isPresent, found -> syslogged.toString()).orElseThrow();
    }

    private static JsonNode create(ObjectNode request, int status) throws Exception {
        FlowtrapSystem.Response r = system.post("/rest/captures/", system.analystToken, "application/json",
                JSON.writeValueAsBytes(request));
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        JsonNode body = r.json();
        if (status == 201) {
            assertThat(DocumentSchema.of(Document.CAPTURE).validate(body)).as(r.text()).isEmpty();
        }
        return body;
    }

    private static ObjectNode capture(String name, String filter, String... probes) {
        ObjectNode c = JSON.createObjectNode().put("name", name).put("filter", filter).put("analyst", "grant");
        var list = c.putArray("probes");
        for (String p : probes) {
            list.add(p);
        }
        return c;
    }

    private static JsonNode detail(String id) throws Exception {
        FlowtrapSystem.Response r = system.get("/rest/captures/" + id + "/", system.analystToken);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(DocumentSchema.of(Document.CAPTURE).validate(r.json())).as(r.text()).isEmpty();
        return r.json();
    }

    /** Polls the capture until {@code condition} holds (60 s at most). */
    private static JsonNode await(String id, String what, Predicate<JsonNode> condition) throws Exception {
        return Waits.until("capture " + id + " " + what, Duration.ofSeconds(60), Duration.ofMillis(100), () -> detail(id), condition::test,
                c -> c + "\nlive probe:\n" + live.log());
    }

    private static JsonNode stopCapture(String id) throws Exception {
        FlowtrapSystem.Response r = system.post("/rest/captures/" + id + "/stop/", system.analystToken, "application/json",
                new byte[0]);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }

    private static Path download(String id, String probe) throws Exception {
        FlowtrapSystem.Response r = system.get("/rest/captures/" + id + "/download/" + (probe == null ? "" : "?probe=" + probe),
                system.analystToken);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/vnd.tcpdump.pcap");
        return Files.write(dir.resolve(id + (probe == null ? "" : "-" + probe) + ".pcap"), r.body());
    }

    @Test
    @Order(1)
    void aLiveCaptureOnTwoProbesHoldsWhatTcpdumpSelectsFromTheTrafficAndEndsAtItsPacketLimit() throws Exception {
        String filter = "tcp port 80";
        List<String> expected = Pcaps.packets(TRAFFIC, filter);
        assertThat(expected).hasSizeGreaterThan(100);
        JsonNode started = create(capture("web", filter, FlowtrapSystem.PROBE, "live-1").put("max_packets", expected.size())
                .put("description", "traffic to grantstavely.com"), 201);
        assertThat(started.path("state").asText()).isEqualTo("running");
        assertThat(started.path("file_name").asText())
                .matches("grant_traffic\\.to\\.grantstavely\\.com_[A-Z][a-z]{2}\\.[A-Z][a-z]{2}\\d{2}\\.\\d{4}-\\d{2}\\.\\d{2}\\.\\d{2}\\.UTC_\\d+_\\.pcap");
        String id = started.path("id").asText();

        live.replay(TRAFFIC, "--mbps", "50");
        JsonNode done = await(id, "ended at its packet limit", c -> c.path("state").asText().equals("done"));
        assertThat(done.path("end_reason").asText()).isEqualTo("max_packets");
        JsonNode summary = done.path("summary");
        assertThat(summary.path("packets").asLong()).isEqualTo(expected.size());
        assertThat(Instant.parse(summary.path("first_ts").asText())).isAfterOrEqualTo(Instant.parse(done.path("window_from").asText()));
        assertThat(Instant.parse(summary.path("last_ts").asText())).isBeforeOrEqualTo(Instant.parse(done.path("window_to").asText()));
        assertThat(summary.path("average_packet_size").asDouble())
                .isEqualTo((double) summary.path("data_size").asLong() / expected.size());
        // per probe: the replaying probe's traffic predates the capture; the live one saw it all
        assertThat(done.path("probe_results").get(0).path("probe").asText()).isEqualTo(FlowtrapSystem.PROBE);
        assertThat(done.path("probe_results").get(0).path("packets").asLong()).isZero();
        assertThat(done.path("probe_results").get(1).path("packets").asLong()).isEqualTo(expected.size());

        Path pcap = download(id, null);
        assertThat(Pcaps.sha256(pcap)).isEqualTo(summary.path("sha256").asText());
        assertThat(Files.size(pcap)).isEqualTo(summary.path("file_size").asLong());
        assertThat(Pcaps.packets(pcap, "")).containsExactlyElementsOf(expected);
        assertThat(Pcaps.packets(download(id, "live-1"), "")).containsExactlyElementsOf(expected);
        expectError(system.get("/rest/captures/" + id + "/download/?probe=" + FlowtrapSystem.PROBE, system.analystToken), 404);
        // capinfos agrees with the summary
        FlowtrapSystem.Run capinfos = FlowtrapSystem.run(List.of("capinfos", "-c", "-d", "-M", pcap.toString()));
        assertThat(capinfos.out()).containsPattern("Number of packets:\\s+" + expected.size())
                .containsPattern("Data size:\\s+" + summary.path("data_size").asLong() + " bytes");
        // the trigger was on the live probe, and is gone from it
        assertThat(live.log()).contains("capture-" + id);
        assertThat(live.triggers().findValuesAsText("name")).doesNotContain("capture-" + id);

        // the audit trail: who started it, how it ended, what it holds, who downloaded it; and its syslog copy
        List<JsonNode> audit = AuditEntries.await(system, "id", id, "capture.start", "capture.end", "capture.finished", "capture.download");
        JsonNode start = audit.stream().filter(e -> e.path("action").asText().equals("capture.start")).findFirst().orElseThrow();
        assertThat(start.path("user").asText()).isEqualTo("grant");
        assertThat(start.path("details").path("filter").asText()).isEqualTo(filter);
        JsonNode result = audit.stream().filter(e -> e.path("action").asText().equals("capture.finished")).findFirst().orElseThrow();
        assertThat(result.path("details").path("packets").asLong()).isEqualTo(expected.size());
        assertThat(result.path("details").path("sha256").asText()).isEqualTo(summary.path("sha256").asText());
        assertThat(awaitSyslog("capture.start", id)).contains("user=\"grant\"", "filter=\"tcp port 80\"");
        assertThat(awaitSyslog("capture.finished", id)).contains("user=\"system\"", "packets=\"" + expected.size() + "\"",
                "sha256=\"" + summary.path("sha256").asText() + "\"");
        assertThat(awaitSyslog("capture.download", id)).contains("sha256=\"" + summary.path("sha256").asText() + "\"");
    }

    @Test
    @Order(2)
    void aPacketLimitKeepsTheEarliestPackets() throws Exception {
        List<String> expected = Pcaps.packets(TRAFFIC, "udp");
        JsonNode started = create(capture("dns", "udp", "live-1").put("max_packets", 10), 201);
        String id = started.path("id").asText();
        live.replay(TRAFFIC, "--mbps", "50");
        JsonNode done = await(id, "ended", c -> c.path("state").asText().equals("done"));
        assertThat(done.path("end_reason").asText()).isEqualTo("max_packets");
        assertThat(Pcaps.packets(download(id, null), "")).containsExactlyElementsOf(expected.subList(0, 10));
    }

    @Test
    @Order(3)
    void aStoppedCaptureWithoutMatchesSaysSoAndOffersNoDownload() throws Exception {
        JsonNode started = create(capture("nothing", "host 203.0.113.99", FlowtrapSystem.PROBE, "live-1").put("duration", 300), 201);
        String id = started.path("id").asText();
        JsonNode stopped = stopCapture(id);
        assertThat(stopped.path("state").asText()).isEqualTo("done");
        assertThat(stopped.path("end_reason").asText()).isEqualTo("stopped");
        assertThat(stopped.path("message").asText()).isEqualTo("no packets matched");
        assertThat(stopped.has("summary")).isFalse();
        assertThat(stopped.has("download")).isFalse();
        JsonNode error = expectError(system.get("/rest/captures/" + id + "/download/", system.analystToken), 404);
        assertThat(error.path("error").asText()).isEqualTo("no packets matched");
        expectError(system.post("/rest/captures/" + id + "/stop/", system.analystToken, "application/json", new byte[0]), 409);
    }

    @Test
    @Order(4)
    void aCaptureEndsWhenItsDurationHasPassed() throws Exception {
        JsonNode started = create(capture("short", "icmp", FlowtrapSystem.PROBE).put("duration", 1), 201);
        JsonNode done = await(started.path("id").asText(), "ended", c -> c.path("state").asText().equals("done"));
        assertThat(done.path("end_reason").asText()).isEqualTo("duration");
        assertThat(Duration.between(Instant.parse(done.path("started").asText()), Instant.parse(done.path("ended").asText())))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(done.path("message").asText()).isEqualTo("no packets matched");
    }

    @Test
    @Order(5)
    void aProbeWithARunningCaptureRefusesAnotherUnlessItQueues() throws Exception {
        String first = create(capture("first", "udp", FlowtrapSystem.PROBE).put("duration", 300), 201).path("id").asText();
        FlowtrapSystem.Response refused = system.post("/rest/captures/", system.analystToken, "application/json",
                JSON.writeValueAsBytes(capture("second", "tcp", FlowtrapSystem.PROBE, "live-1")));
        JsonNode error = expectError(refused, 409);
        assertThat(error.path("detail").asText()).contains("capture " + first + " ").contains(FlowtrapSystem.PROBE);
        JsonNode queued = create(capture("third", "tcp", FlowtrapSystem.PROBE).put("queue", true).put("duration", 300), 201);
        assertThat(queued.path("state").asText()).isEqualTo("queued");
        JsonNode elsewhere = create(capture("elsewhere", "tcp", "live-1").put("duration", 300), 201);
        assertThat(elsewhere.path("state").asText()).isEqualTo("running");
        stopCapture(elsewhere.path("id").asText());

        JsonNode list = system.get("/rest/captures/?state=queued", system.analystToken).json();
        assertThat(DocumentSchema.of(Document.CAPTURES_PAGE).validate(list)).isEmpty();
        assertThat(list.path("results").findValuesAsText("id")).containsExactly(queued.path("id").asText());

        stopCapture(first);
        JsonNode running = await(queued.path("id").asText(), "started", c -> c.path("state").asText().equals("running"));
        assertThat(running.path("window_from").asText()).isNotEmpty();
        stopCapture(queued.path("id").asText());
    }

    @Test
    @Order(6)
    void badRequestsAreRefusedAndLeaveNothing() throws Exception {
        long before = system.get("/rest/captures/", system.analystToken).json().path("count").asLong();
        JsonNode error = expectError(system.post("/rest/captures/", system.analystToken, "application/json",
                JSON.writeValueAsBytes(capture("bad", "tcp port eleventy", FlowtrapSystem.PROBE))), 400);
        assertThat(error.path("error").asText()).isEqualTo("invalid filter");
        assertThat(error.path("detail").asText()).contains("eleventy");
        expectError(system.post("/rest/captures/", system.analystToken, "application/json",
                JSON.writeValueAsBytes(capture("bad", "tcp", "no-such-probe"))), 400);
        expectError(system.post("/rest/captures/", system.analystToken, "application/json",
                "{\"name\": \"x\", \"filter\": \"tcp\", \"max_packets\": -1}".getBytes(StandardCharsets.UTF_8)), 400);
        expectError(system.post("/rest/captures/", system.analystToken, "application/json", "{".getBytes(StandardCharsets.UTF_8)), 400);
        expectError(system.get("/rest/captures/?state=sleeping", system.analystToken), 400);
        expectError(system.get("/rest/captures/000000000000/", system.analystToken), 404);
        expectError(system.get("/rest/captures/", null), 401);
        assertThat(system.get("/rest/captures/", system.analystToken).json().path("count").asLong()).isEqualTo(before);
    }

    @Test
    @Order(7)
    void theAnalystCliStartsListsAndStopsACapture() throws Exception {
        Map<String, String> env = Map.of("FLOWTRAP_URL", system.managerUrl(), "FLOWTRAP_TOKEN", system.analystToken,
                "FLOWTRAP_CA", system.ca.toString());
        String cli = FlowtrapSystem.REPO.resolve("ops/bin/flowtrap").toString();
        FlowtrapSystem.Run started = FlowtrapSystem.run(List.of(cli, "capture", "-a", "will", "-d", "dns traffic", "-e", "udp",
                "--probe", "live-1", "--count", "0"), dir, env);
        assertThat(started.exit()).as(started.err()).isZero();
        Matcher file = Pattern.compile("Started: (will_dns\\.traffic_\\w{3}\\.\\w{3}\\d{2}\\.\\d{4}-\\d{2}\\.\\d{2}\\.\\d{2}\\.UTC_\\d+_\\.pcap)")
                .matcher(started.out());
        assertThat(file.find()).as(started.out()).isTrue();
        Matcher idIn = Pattern.compile("flowtrap capture -s ([a-z0-9]{12})").matcher(started.out());
        assertThat(idIn.find()).as(started.out()).isTrue();
        String id = idIn.group(1);

        FlowtrapSystem.Run mine = FlowtrapSystem.run(List.of(cli, "capture", "-lf", "will"), dir, env);
        assertThat(mine.out()).contains("will ").contains("dns traffic [" + id + " running]");
        assertThat(FlowtrapSystem.run(List.of(cli, "capture", "-lf", "nobody"), dir, env).out()).isEmpty();
        FlowtrapSystem.Run verbose = FlowtrapSystem.run(List.of(cli, "capture", "-lv"), dir, env);
        assertThat(verbose.out()).contains("Analyst: will").contains("Expression: udp").contains("Capture File: " + file.group(1));

        int udp = Pcaps.packets(TRAFFIC, "udp").size();
        live.replay(TRAFFIC, "--mbps", "50");
        await(id, "counted the traffic sent", c -> c.path("packets_seen").asLong() == udp);
        FlowtrapSystem.Run stopped = FlowtrapSystem.run(List.of(cli, "capture", "-sv", id), dir, env);
        assertThat(stopped.exit()).as(stopped.err()).isZero();
        assertThat(stopped.out()).contains("Stopped: " + file.group(1)).contains("Number of packets: " + udp)
                .contains("Average packet size: ").contains("Data rate: ");
        Matcher sha = Pattern.compile("SHA256: ([0-9a-f]{64})").matcher(stopped.out());
        assertThat(sha.find()).isTrue();
        FlowtrapSystem.Run got = FlowtrapSystem.run(List.of(cli, "capture", "-g", id), dir, env);
        assertThat(got.exit()).as(got.err()).isZero();
        assertThat(Pcaps.sha256(dir.resolve(file.group(1)))).isEqualTo(sha.group(1));
        assertThat(Pcaps.packets(dir.resolve(file.group(1)), "")).containsExactlyElementsOf(Pcaps.packets(TRAFFIC, "udp"));

        FlowtrapSystem.Run again = FlowtrapSystem.run(List.of(cli, "capture", "-s", id), dir, env);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("has ended already");
    }

    @Test
    @Order(9)
    void retentionDeletesTheOldestFinishedCapturesAndSaysWhy() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i <= MAX_COUNT; i++) {
            String id = create(capture("keep-" + i, "icmp", FlowtrapSystem.PROBE).put("duration", 300), 201).path("id").asText();
            stopCapture(id);
            ids.add(id);
        }
        JsonNode oldest = detail(ids.get(0));
        assertThat(oldest.path("state").asText()).isEqualTo("deleted");
        assertThat(oldest.path("deleted").path("reason").asText()).contains("flowtrap.captures.max-count (" + MAX_COUNT + ")");
        expectError(system.get("/rest/captures/" + ids.get(0) + "/download/", system.analystToken), 410);
        for (String id : ids.subList(1, ids.size())) {
            assertThat(detail(id).path("state").asText()).isEqualTo("done");
            assertThat(detail(id).path("expires").asText()).isNotEmpty();
        }
        JsonNode page = system.get("/rest/captures/?state=done", system.analystToken).json();
        assertThat(page.path("count").asLong()).isEqualTo(MAX_COUNT);
        assertThat(page.path("retention").path("max_count").asInt()).isEqualTo(MAX_COUNT);

        // a user's delete: gone for good
        FlowtrapSystem.Response deleted = delete("/rest/captures/" + ids.get(1) + "/");
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
        assertThat(deleted.json().path("deleted").path("reason").asText()).startsWith("deleted by ");
        expectError(system.get("/rest/captures/" + ids.get(1) + "/", system.analystToken), 404);
    }

    @Test
    @Order(8)
    void aRestartKeepsFinishedCapturesAndEndsARunningOne() throws Exception {
        JsonNode finished = null;
        for (JsonNode c : system.get("/rest/captures/?state=done", system.analystToken).json().path("results")) {
            if (c.has("summary")) {
                finished = c;
                break;
            }
        }
        assertThat(finished).as("a finished capture with packets").isNotNull();
        String running = create(capture("across a restart", "udp", "live-1").put("duration", 300), 201).path("id").asText();
        system.stopManager();
        system.startManager();
        JsonNode again = detail(finished.path("id").asText());
        assertThat(again.path("summary")).isEqualTo(finished.path("summary"));
        assertThat(again.path("state").asText()).isEqualTo("done");
        JsonNode ended = await(running, "ended at the restart", c -> c.path("state").asText().equals("done"));
        assertThat(ended.path("end_reason").asText()).isEqualTo("manager_restart");
        JsonNode end = AuditEntries.await(system, "id", running, "capture.end").stream()
                .filter(e -> e.path("action").asText().equals("capture.end")).findFirst().orElseThrow();
        assertThat(end.path("details").path("reason").asText()).as("the restart's end, audited").isEqualTo("manager_restart");
        assertThat(live.triggers().findValuesAsText("name")).doesNotContain("capture-" + running);
    }

    @Test
    @Order(10)
    void onlyItsAnalystOrAnAdminStopsOrDeletesACaptureAndARefusalIsAudited() throws Exception {
        String ana = system.ownKey("ana", Role.ANALYST);
        String bob = system.ownKey("bob", Role.ANALYST);
        FlowtrapSystem.Response started = system.post("/rest/captures/", ana, "application/json",
                JSON.writeValueAsBytes(JSON.createObjectNode().put("name", "ana's").put("filter", "icmp").put("duration", 300)
                        .set("probes", JSON.createArrayNode().add("live-1"))));
        assertThat(started.status()).as(started.text()).isEqualTo(201);
        String id = started.json().path("id").asText();
        assertThat(started.json().path("analyst").asText()).isEqualTo("ana");

        JsonNode refused = expectError(system.post("/rest/captures/" + id + "/stop/", bob, "application/json", new byte[0]), 403);
        assertThat(refused.path("detail").asText()).contains("ana").contains("only its analyst or an admin may stop");
        assertThat(detail(id).path("state").asText()).isEqualTo("running");
        FlowtrapSystem.Response stopped = system.post("/rest/captures/" + id + "/stop/", ana, "application/json", new byte[0]);
        assertThat(stopped.status()).as(stopped.text()).isEqualTo(200);

        JsonNode notDeleted = expectError(system.delete("/rest/captures/" + id + "/", bob), 403);
        assertThat(notDeleted.path("detail").asText()).contains("only its analyst or an admin may delete");
        assertThat(detail(id).path("state").asText()).isEqualTo("done");
        List<JsonNode> audit = AuditEntries.await(system, "id", id, "capture.start", "capture.stop", "capture.refused");
        List<JsonNode> refusals = audit.stream().filter(e -> e.path("action").asText().equals("capture.refused")).toList();
        assertThat(refusals).hasSize(2).allSatisfy(e -> {
            assertThat(e.path("user").asText()).isEqualTo("bob");
            assertThat(e.path("details").path("analyst").asText()).isEqualTo("ana");
        });
        assertThat(refusals.stream().map(e -> e.path("details").path("action").asText())).containsExactlyInAnyOrder("stop", "delete");
        assertThat(audit.stream().filter(e -> e.path("action").asText().equals("capture.stop")).map(e -> e.path("user").asText()))
                .containsExactly("ana");

        // an admin's key may stop and delete anyone's
        String other = system.post("/rest/captures/", bob, "application/json", JSON.writeValueAsBytes(JSON.createObjectNode()
                .put("name", "bob's").put("filter", "icmp").put("duration", 300).set("probes", JSON.createArrayNode().add("live-1"))))
                .json().path("id").asText();
        assertThat(system.post("/rest/captures/" + other + "/stop/", system.adminToken, "application/json", new byte[0]).status())
                .isEqualTo(200);
        assertThat(system.delete("/rest/captures/" + other + "/", system.adminToken).status()).isEqualTo(200);
        assertThat(system.delete("/rest/captures/" + id + "/", ana).status()).isEqualTo(200);
        expectError(system.get("/rest/captures/" + id + "/", ana), 404);
    }

    private static FlowtrapSystem.Response delete(String path) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(system.managerUrl() + path))
                .header("Authorization", "Token " + system.analystToken).DELETE().build();
        var r = system.http.send(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        return new FlowtrapSystem.Response(r.statusCode(), r.body(), r.headers().map());
    }
}
