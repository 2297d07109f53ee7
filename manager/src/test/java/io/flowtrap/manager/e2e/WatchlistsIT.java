package io.flowtrap.manager.e2e;

import static io.flowtrap.manager.e2e.FlowtrapSystem.expectError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.net.URLEncoder;
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
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watchlists end to end, one system for the class: the manager, Elasticsearch, the replaying probe
 * {@code sensor-1} (ops/demo-data with Suricata's alerts; a watchlist of its own, {@code seeded},
 * restored from its triggers file as it starts, since its replay begins with it) and a live probe
 * {@code live-1} ({@link LiveProbe}, shipping to the manager, flows ending after 2 s idle) that
 * the manager puts a watchlist on before tcpreplay sends the demo traffic into it. Ground truth is
 * tshark's reading of the pcap: the flows with a listed endpoint. Waits are on what the system says
 * (hits in alert search, the watchlist's sessions), never sleeps. The manager is restarted once (and
 * once more with Elasticsearch out of reach) and finds the lists and sessions it stored.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchlistsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEMO = FlowtrapSystem.REPO.resolve("ops/demo-data");
    private static final Path TRAFFIC = DEMO.resolve("demo.pcap");
    private static final String CHAIN = "/rest/rules/filestore_pcap/";
    /** The live probe's list, as Emerging Threats writes one: two of the demo's servers and a prefix nobody uses. */
    private static final String LIVE_LIST = String.join("\n", "# Emerging Threats - fwrules", "#", "192.0.2.1",
            "192.0.2.16/31 # two servers", "2001:db8:ffff::/48", "");
    /** sensor-1's list: the server of an alerted flow (10.0.0.16:20016 -> 192.0.2.17:80). */
    private static final String SEEDED_LIST = "192.0.2.17\n";

    @TempDir
    static Path dir;

    private static LiveProbe live;
    private static FlowtrapSystem system;
    private static Path lists;

    @BeforeAll
    static void start() throws Exception {
        lists = Files.createDirectories(dir.resolve("lists"));
        Files.writeString(lists.resolve("emerging-block.txt"), LIVE_LIST);
        Files.writeString(dir.resolve("outside.txt"), "192.0.2.99\n");
        Files.createSymbolicLink(lists.resolve("link-out.txt"), dir.resolve("outside.txt"));
        // sensor-1 replays as it starts: its watchlist is in its triggers file already, as a restarted probe's is
        Path system1 = Files.createDirectories(dir.resolve("system"));
        ObjectNode triggers = JSON.createObjectNode();
        triggers.putArray("triggers").addObject().put("name", "seeded").put("kind", "watchlist").put("entries", SEEDED_LIST)
                .put("added", "2026-12-01T00:00:00Z");
        Files.writeString(system1.resolve("triggers.json"), triggers.toString());

        live = new LiveProbe("live-1", dir.resolve("live"));
        List<String> args = new ArrayList<>(live.managerArguments(1));
        args.add("--flowtrap.watchlists.directory=" + lists);
        system = new FlowtrapSystem(system1, TRAFFIC, DEMO.resolve("demo-eve.json"), args);
        live.startShipping(system, "2s");
    }

    @AfterAll
    static void stop() throws Exception {
        if (system != null) {
            system.close();
        }
        if (live != null) {
            live.close();
        }
    }

    private static FlowtrapSystem.Response post(String path, ObjectNode body) throws Exception {
        return system.post(path, system.analystToken, "application/json", body == null ? new byte[0] : JSON.writeValueAsBytes(body));
    }

    private static JsonNode valid(FlowtrapSystem.Response r, int status) throws Exception {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(DocumentSchema.of(Document.WATCHLIST).validate(r.json())).as(r.text()).isEmpty();
        return r.json();
    }

    private static JsonNode detail(String name) throws Exception {
        return valid(system.get("/rest/watchlists/" + name + "/", system.analystToken), 200);
    }

    private static String q(String query) {
        return URLEncoder.encode(query, StandardCharsets.UTF_8);
    }

    /** The alert search's hits for {@code query}, once it counts {@code expected} (90 s at most). */
    private static JsonNode awaitHits(String query, int expected) throws Exception {
        return Waits.until("alert search for " + query + " with " + expected + " hits", Duration.ofSeconds(90), Duration.ofMillis(200),
                () -> system.get("/rest/rules/es/alerts_tail/?from_date=0&page_size=1000&qfilter=" + q(query), system.analystToken),
                r -> r.status() == 200 && r.json().path("count").asLong() >= expected,
                r -> r.text() + "\nlive probe:\n" + live.log()).json().path("results");
    }

    /**
     * The flows of the demo traffic with an endpoint {@code tshark} selects by {@code addresses}
     * (a display filter), as keys: VLANs, protocol number, both endpoints sorted (ports for TCP and UDP).
     */
    private static Set<String> flowsInTraffic(String addresses) throws Exception {
        FlowtrapSystem.Run r = FlowtrapSystem.run(List.of("tshark", "-r", TRAFFIC.toString(), "-T", "fields", "-E", "separator=|",
                "-E", "aggregator=+", "-e", "ieee8021ad.id", "-e", "vlan.id", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.proto", "-e", "tcp.srcport",
                "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport", "-Y", addresses));
        assertThat(r.exit()).as(r.err()).isZero();
        Set<String> flows = new TreeSet<>();
        for (String line : r.out().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\\|", -1); // an 802.1ad outer tag is tshark's ieee8021ad.id, the inner vlan.id
            String vlans = f[0].isEmpty() ? f[1] : f[1].isEmpty() ? f[0] : f[0] + "+" + f[1];
            String srcPort = !f[5].isEmpty() ? f[5] : f[7];
            String dstPort = !f[6].isEmpty() ? f[6] : f[8];
            flows.add(key(vlans, Integer.parseInt(f[4]), f[2], srcPort, f[3], dstPort));
        }
        return flows;
    }

    private static String key(String vlans, int protocol, String a, String aPort, String b, String bPort) {
        String one = a + ":" + aPort;
        String two = b + ":" + bPort;
        return vlans + "|" + protocol + "|" + (one.compareTo(two) < 0 ? one + " " + two : two + " " + one);
    }

    /** The key of the flow a watchlist event names, as {@link #flowsInTraffic} makes them. */
    private static String key(JsonNode event) {
        List<String> vlans = new ArrayList<>();
        event.path("vlan").forEach(v -> vlans.add(v.asText()));
        int protocol = switch (event.path("proto").asText()) {
            case "TCP" -> 6;
            case "UDP" -> 17;
            case "ICMP" -> 1;
            default -> Integer.parseInt(event.path("proto").asText());
        };
        return key(String.join("+", vlans), protocol, event.path("src_ip").asText(), event.path("src_port").asText(""),
                event.path("dest_ip").asText(), event.path("dest_port").asText(""));
    }

    /** The flow of {@code hit} (an alert or a watchlist event, as alert search returns it) through upload, extract_pcap, retrieve, download. */
    private static Path extract(JsonNode hit, String host, String name) throws Exception {
        FlowtrapSystem.Response up = system.post(CHAIN + "upload/?host=" + host, system.analystToken,
                "multipart/form-data; boundary=flowtrapboundary", FlowtrapSystem.multipart(hit.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(up.status()).as(up.text()).isEqualTo(200);
        String job = up.json().path("filename").asText();
        FlowtrapSystem.Response ex = system.post(CHAIN + job + "/extract_pcap/?host=" + host, system.analystToken,
                "application/json", new byte[0]);
        assertThat(ex.status()).as(ex.text()).isIn(200, 202);
        FlowtrapSystem.Response got = system.get(CHAIN + job + "/retrieve/?host=" + host, system.analystToken);
        for (long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos(); got.status() == 409
                && System.nanoTime() < deadline; got = system.get(CHAIN + job + "/retrieve/?host=" + host, system.analystToken)) {
            Thread.sleep(100); // the carve said it is still running: ask again
        }
        assertThat(got.status()).as(got.text()).isEqualTo(200);
        FlowtrapSystem.Response pcap = system.get(CHAIN + job + "/download/", system.analystToken);
        assertThat(pcap.status()).as(pcap.text()).isEqualTo(200);
        return Files.write(dir.resolve(name + ".pcap"), pcap.body());
    }

    private static String flowFilter(JsonNode event) {
        String f = "host " + event.path("src_ip").asText() + " and host " + event.path("dest_ip").asText();
        if (event.has("src_port")) {
            f += " and port " + event.path("src_port").asText() + " and port " + event.path("dest_port").asText();
        }
        return f;
    }

    @Test
    @Order(1)
    void refusedLinesAreReportedByNumberAndAFileOutsideTheDirectoryIsRefused() throws Exception {
        ObjectNode request = JSON.createObjectNode().put("name", "refusals").put("entries",
                "# a list with mistakes\n198.51.100.0/24\nexample.com\n10.1.2.3/33\n\n2001:db8::1 # fine\n300.1.1.1\n");
        request.putArray("probes").add("live-1");
        JsonNode loaded = valid(post("/rest/watchlists/", request), 201);
        assertThat(loaded.path("entries").asLong()).isEqualTo(2);
        assertThat(loaded.path("refused_count").asLong()).isEqualTo(3);
        assertThat(loaded.path("refused_lines").findValuesAsText("line")).containsExactly("3", "4", "7");
        assertThat(loaded.path("refused_lines").get(0).path("text").asText()).isEqualTo("example.com");
        assertThat(loaded.path("refused_lines").get(1).path("reason").asText()).contains("prefix length 33");
        assertThat(loaded.path("probes").get(0).path("state").asText()).as(loaded.toString()).isEqualTo("in_force");
        assertThat(live.triggers().findValuesAsText("name")).contains("refusals");
        expectError(post("/rest/watchlists/", request), 409);
        valid(system.delete("/rest/watchlists/refusals/", system.analystToken), 200);
        assertThat(live.triggers().findValuesAsText("name")).doesNotContain("refusals");
        expectError(system.get("/rest/watchlists/refusals/", system.analystToken), 404);

        for (String file : List.of("../outside.txt", "/etc/passwd", "link-out.txt", "..")) {
            ObjectNode outside = JSON.createObjectNode().put("name", "outside").put("file", file);
            JsonNode e = expectError(post("/rest/watchlists/", outside), 400);
            assertThat(e.path("error").asText()).as(file).isEqualTo("file outside the watchlist directory");
        }
        expectError(post("/rest/watchlists/", JSON.createObjectNode().put("name", "none").put("file", "missing.txt")), 404);
        JsonNode empty = expectError(post("/rest/watchlists/", JSON.createObjectNode().put("name", "empty").put("entries",
                "# nothing\nnot-an-address\n")), 400);
        assertThat(empty.path("error").asText()).isEqualTo("no entry");
        expectError(post("/rest/watchlists/", JSON.createObjectNode().put("name", "both").put("entries", "192.0.2.1")
                .put("file", "emerging-block.txt")), 400);
        assertThat(system.get("/rest/watchlists/", system.analystToken).json().path("count").asLong()).isZero();
    }

    @Test
    @Order(2)
    void aWatchlistArmsExactlyTheFlowsWithAListedEndpointAndTheirEventsReachAlertSearch() throws Exception {
        ObjectNode request = JSON.createObjectNode().put("name", "emerging").put("file", "emerging-block.txt");
        request.putArray("probes").add("live-1");
        JsonNode loaded = valid(post("/rest/watchlists/", request), 201);
        assertThat(loaded.path("source").asText()).isEqualTo("file:emerging-block.txt");
        assertThat(loaded.path("entries").asLong()).isEqualTo(3);
        assertThat(loaded.path("refused_count").asLong()).isZero();
        assertThat(loaded.path("session_counts").path("pending").asLong()).isEqualTo(3);

        Set<String> expected = flowsInTraffic("ip.addr == 192.0.2.1 or ip.addr == 192.0.2.16/31");
        assertThat(expected).hasSizeGreaterThan(5);
        live.replay(TRAFFIC, "--mbps", "50");
        JsonNode hits = awaitHits("event_type:watchlist AND host:\"live-1\"", expected.size());
        assertThat(hits).hasSize(expected.size()); // one event per flow, none more
        Set<String> communityIds = new HashSet<>();
        Map<String, Integer> byEntry = new HashMap<>();
        Set<String> seen = new TreeSet<>();
        for (JsonNode hit : hits) {
            ObjectNode event = hit.deepCopy();
            event.remove("_id");
            assertThat(DocumentSchema.of(Document.WATCHLIST_EVENT).validate(event)).as(hit.toString()).isEmpty();
            assertThat(hit.path("watchlist").path("name").asText()).isEqualTo("emerging");
            communityIds.add(hit.path("community_id").asText());
            byEntry.merge(hit.path("watchlist").path("entry").asText(), 1, Integer::sum);
            seen.add(key(hit));
            String listed = hit.path("dest_ip").asText();
            assertThat(hit.path("watchlist").path("entry").asText())
                    .isEqualTo(listed.equals("192.0.2.1") ? "192.0.2.1/32" : "192.0.2.16/31");
        }
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(communityIds).hasSize(expected.size());
        // nothing else armed: the probe's own count of flows its trigger armed
        JsonNode trigger = null;
        for (JsonNode t : live.triggers()) {
            if (t.path("name").asText().equals("emerging")) {
                trigger = t;
            }
        }
        assertThat(trigger).isNotNull();
        assertThat(trigger.path("flows_armed").asLong()).isEqualTo(expected.size());

        JsonNode after = detail("emerging");
        assertThat(after.path("session_counts").path("active").asLong()).isEqualTo(2);
        assertThat(after.path("session_counts").path("pending").asLong()).isEqualTo(1);
        for (JsonNode s : after.path("sessions")) {
            assertThat(s.path("state").asText()).isEqualTo("active");
            assertThat(s.path("flows").asInt()).as(s.toString()).isEqualTo(byEntry.get(s.path("entry").asText()));
            assertThat(s.path("probes").toString()).isEqualTo("[\"live-1\"]");
            assertThat(s.path("last_seen").asText()).isNotEmpty();
        }
        assertThat(after.path("sessions").findValuesAsText("entry")).containsExactlyInAnyOrder("192.0.2.1/32", "192.0.2.16/31");
    }

    @Test
    @Order(3)
    void aWatchlistEventDownloadsThroughTheExtractionChainAsTcpdumpSelectsItsFlow() throws Exception {
        JsonNode hit = null;
        for (JsonNode h : awaitHits("event_type:watchlist AND host:\"live-1\" AND proto:TCP", 1)) {
            if (!h.has("vlan")) {
                hit = h;
            }
        }
        assertThat(hit).as("a TCP flow without VLAN").isNotNull();
        Path pcap = extract(hit, "live-1", "watchlist-event");
        List<String> expected = Pcaps.packets(TRAFFIC, flowFilter(hit));
        assertThat(expected).isNotEmpty();
        assertThat(Pcaps.packets(pcap, "")).containsExactlyElementsOf(expected);
    }

    @Test
    @Order(4)
    void aFlowArmedByAnAlertAndAWatchlistIsStoredOnce() throws Exception {
        // sensor-1's seeded list: its events are indexed like any (the manager did not load it: no sessions)
        Set<String> expected = flowsInTraffic("ip.addr == 192.0.2.17");
        JsonNode events = awaitHits("event_type:watchlist AND host:\"sensor-1\"", expected.size());
        Set<String> seen = new TreeSet<>();
        events.forEach(e -> seen.add(key(e)));
        assertThat(seen).containsExactlyElementsOf(expected);

        JsonNode alerts = awaitHits("event_type:alert AND src_ip:\"10.0.0.16\" AND dest_ip:\"192.0.2.17\"", 1);
        JsonNode alert = alerts.get(0);
        JsonNode event = null;
        for (JsonNode e : events) {
            if (e.path("community_id").asText().equals(alert.path("community_id").asText())) {
                event = e;
            }
        }
        assertThat(event).as("the alerted flow's watchlist event").isNotNull();
        List<String> flow = Pcaps.packets(TRAFFIC, "host 10.0.0.16 and host 192.0.2.17 and port 20016 and port 80");
        assertThat(flow).isNotEmpty();
        // one copy in the store: the carve by the alert and the one by the watchlist event hold each packet once
        assertThat(Pcaps.packets(extract(alert, FlowtrapSystem.PROBE, "by-alert"), "")).containsExactlyElementsOf(flow);
        assertThat(Pcaps.packets(extract(event, FlowtrapSystem.PROBE, "by-watchlist"), "")).containsExactlyElementsOf(flow);
        assertThat(system.get("/rest/watchlists/seeded/", system.analystToken).status()).isEqualTo(404);
    }

    @Test
    @Order(5)
    void aRestartedManagerFindsTheListsAndTheirSessionsAndAnElasticsearchOutageAtStartLosesNothing() throws Exception {
        ObjectNode upload = JSON.createObjectNode().put("name", "uploaded").put("entries", "203.0.113.0/24\nnot-an-address\n");
        upload.putArray("probes").add("live-1");
        valid(post("/rest/watchlists/", upload), 201);
        JsonNode emerging = detail("emerging");
        JsonNode uploaded = detail("uploaded");
        assertThat(emerging.path("sessions")).hasSize(2);
        assertThat(emerging.path("loaded_by").asText()).isNotEmpty();
        assertThat(uploaded.path("refused_lines").get(0).path("text").asText()).isEqualTo("not-an-address");

        // Elasticsearch out of reach as the manager starts: a clear 503 (the API keys live there too, so the
        // manager cannot tell who calls before it has read them), and nothing stored is touched
        system.stopManager();
        system.startManager(List.of("--spring.elasticsearch.uris=http://127.0.0.1:" + FlowtrapSystem.freePort()));
        JsonNode down = expectError(system.get("/rest/watchlists/", system.analystToken), 503);
        assertThat(down.path("detail").asText()).contains("Elasticsearch");
        expectError(post("/rest/watchlists/", JSON.createObjectNode().put("name", "meanwhile").put("entries", "192.0.2.200")), 503);
        expectError(system.delete("/rest/watchlists/uploaded/", system.analystToken), 503);

        system.stopManager();
        system.startManager();
        JsonNode page = system.get("/rest/watchlists/", system.analystToken).json();
        assertThat(page.path("results").findValuesAsText("name")).containsExactly("emerging", "uploaded");
        assertThat(detail("emerging")).isEqualTo(emerging); // entries, source, probes' outcome, times, who, every session
        assertThat(detail("uploaded")).isEqualTo(uploaded);
        assertThat(live.triggers().findValuesAsText("name")).contains("emerging", "uploaded"); // the probe kept its own
        valid(system.delete("/rest/watchlists/uploaded/", system.analystToken), 200);
    }

    @Test
    @Order(6)
    void aReloadThatDropsAnEntryEndsItsSessionAndADeleteRemovesTheTrigger() throws Exception {
        Files.writeString(lists.resolve("emerging-block.txt"), "# Emerging Threats - refreshed\n192.0.2.16/31\n198.51.100.0/24\n");
        JsonNode reloaded = valid(post("/rest/watchlists/emerging/reload/", null), 200);
        assertThat(reloaded.path("entries").asLong()).isEqualTo(2);
        assertThat(reloaded.path("reloaded").asText()).isNotEmpty();
        assertThat(reloaded.path("probes").get(0).path("state").asText()).isEqualTo("in_force");
        Map<String, String> states = new HashMap<>();
        reloaded.path("sessions").forEach(s -> states.put(s.path("entry").asText(), s.path("state").asText()));
        assertThat(states).containsEntry("192.0.2.1/32", "removed").containsEntry("192.0.2.16/31", "active")
                .containsEntry("2001:db8:ffff:0:0:0:0:0/48", "removed");
        assertThat(reloaded.path("session_counts").path("removed").asLong()).isEqualTo(2);
        assertThat(reloaded.path("session_counts").path("active").asLong()).isEqualTo(1);
        assertThat(reloaded.path("session_counts").path("pending").asLong()).isEqualTo(1); // 198.51.100.0/24
        JsonNode onProbe = null;
        for (JsonNode t : live.triggers()) {
            if (t.path("name").asText().equals("emerging")) {
                onProbe = t;
            }
        }
        assertThat(onProbe).isNotNull();
        assertThat(onProbe.path("entries").asLong()).isEqualTo(2);

        JsonNode deleted = valid(system.delete("/rest/watchlists/emerging/", system.analystToken), 200);
        assertThat(deleted.path("probes").get(0).path("state").asText()).isEqualTo("removed");
        assertThat(live.triggers().findValuesAsText("name")).doesNotContain("emerging");
        expectError(system.delete("/rest/watchlists/emerging/", system.analystToken), 404);
    }
}
