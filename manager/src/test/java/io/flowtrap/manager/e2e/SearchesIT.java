package io.flowtrap.manager.e2e;

import static io.flowtrap.manager.e2e.FlowtrapSystem.expectError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Searches end to end, one system for the class: the manager, Elasticsearch, the replaying probe
 * {@code sensor-1} of {@link FlowtrapSystem} (what it stored of ops/demo-data is what is searched)
 * and a registered probe {@code down-1} that nothing serves (a stopped probe: every call to it is
 * refused). A search's pcap must hold exactly what {@code tcpdump -r} of each of sensor-1's store
 * segments (read from its store directory) keeps with the same filter inside the window, in time
 * order, every byte and every nanosecond. Waits are on what the system says (a search's state),
 * never sleeps; the retry delay is what keeps down-1's first search in line while a second waits.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SearchesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEMO = FlowtrapSystem.REPO.resolve("ops/demo-data");
    private static final String DOWN = "down-1";

    @TempDir
    static Path dir;

    private static FlowtrapSystem system;

    @BeforeAll
    static void start() throws Exception {
        Path system1 = dir.resolve("system");
        List<String> args = new ArrayList<>(StoreOracle.unservedProbe(system1, 1, DOWN));
        args.addAll(List.of("--flowtrap.searches.max-attempts=2", "--flowtrap.searches.retry-delay=2s",
                "--flowtrap.searches.progress-interval=100ms"));
        system = new FlowtrapSystem(system1, DEMO.resolve("demo.pcap"), DEMO.resolve("demo-eve.json"), args);
        system.awaitIndexed(system.recordedAlerts().size(), Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
    }

    private static JsonNode create(ObjectNode request, int status) throws Exception {
        FlowtrapSystem.Response r = system.post("/rest/searches/", system.analystToken, "application/json",
                JSON.writeValueAsBytes(request));
        if (status != 201) {
            return expectError(r, status);
        }
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        assertThat(DocumentSchema.of(Document.SEARCH).validate(r.json())).as(r.text()).isEmpty();
        return r.json();
    }

    private static ObjectNode search(String filter, long fromNanos, long toNanos, String... probes) {
        ObjectNode s = JSON.createObjectNode().put("filter", filter).put("from", Instant.ofEpochSecond(0, fromNanos).toString())
                .put("to", Instant.ofEpochSecond(0, toNanos).toString());
        var list = s.putArray("probes");
        for (String p : probes) {
            list.add(p);
        }
        return s;
    }

    private static JsonNode detail(String id) throws Exception {
        FlowtrapSystem.Response r = system.get("/rest/searches/" + id + "/", system.analystToken);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(DocumentSchema.of(Document.SEARCH).validate(r.json())).as(r.text()).isEmpty();
        return r.json();
    }

    private static JsonNode await(String id, String what, Predicate<JsonNode> condition) throws Exception {
        return Waits.until("search " + id + " " + what, Duration.ofSeconds(60), Duration.ofMillis(50), () -> detail(id), condition::test,
                String::valueOf);
    }

    private static JsonNode ended(String id) throws Exception {
        return await(id, "ended", s -> List.of("done", "failed", "cancelled").contains(s.path("state").asText()));
    }

    private static FlowtrapSystem.Response call(String method, String path) throws Exception {
        return call(method, path, null);
    }

    private static FlowtrapSystem.Response call(String method, String path, String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(system.managerUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Token " + system.analystToken).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)).build();
        HttpResponse<byte[]> r = system.http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new FlowtrapSystem.Response(r.statusCode(), r.body(), r.headers().map());
    }

    private static List<String> packets(Path pcap, String filter) throws Exception {
        return StoreOracle.packets(pcap, filter);
    }

    /** What tcpdump -r of each of sensor-1's segments keeps with {@code filter}, inside [from, to], in time order. */
    private static List<String> oracle(String filter, long from, long to) throws Exception {
        return StoreOracle.kept(system.store, filter, from, to);
    }

    private static List<Long> storeTimes() throws Exception {
        return StoreOracle.times(system.store);
    }

    private static Path download(String id, String probe) throws Exception {
        FlowtrapSystem.Response r = system.get("/rest/searches/" + id + "/download/" + (probe == null ? "" : "?probe=" + probe),
                system.analystToken);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/vnd.tcpdump.pcap");
        return Files.write(dir.resolve(id + (probe == null ? "" : "-" + probe) + ".pcap"), r.body());
    }

    @Test
    @Order(1)
    void aSearchHoldsWhatTcpdumpKeepsOfTheStoresSegmentsInsideTheWindow() throws Exception {
        List<Long> times = storeTimes();
        assertThat(times).hasSizeGreaterThan(100);
        // a window that cuts the store: a quarter in to three quarters in
        long from = times.get(times.size() / 4);
        long to = times.get(times.size() * 3 / 4);
        String filter = "tcp and not port 443";
        List<String> expected = oracle(filter, from, to);
        assertThat(expected).hasSizeGreaterThan(10);
        assertThat(expected.size()).isLessThan(oracle(filter, 0, Long.MAX_VALUE).size());

        JsonNode started = create(search(filter, from, to, FlowtrapSystem.PROBE).put("analyst", "grant"), 201);
        assertThat(started.path("analyst").asText()).isEqualTo("grant");
        JsonNode part = started.path("parts").get(0);
        assertThat(part.path("window_segments").asLong()).isPositive();
        assertThat(part.path("window_bytes").asLong()).isPositive();
        String id = started.path("id").asText();

        JsonNode done = ended(id);
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("done");
        assertThat(done.path("parts").get(0).path("packets").asLong()).isEqualTo(expected.size());
        assertThat(done.path("parts").get(0).path("attempts").asInt()).isEqualTo(1);
        JsonNode summary = done.path("summary");
        assertThat(summary.path("packets").asLong()).isEqualTo(expected.size());
        Path pcap = download(id, null);
        assertThat(Pcaps.sha256(pcap)).isEqualTo(summary.path("sha256").asText());
        assertThat(packets(pcap, "")).containsExactlyElementsOf(expected);
        assertThat(packets(download(id, FlowtrapSystem.PROBE), "")).containsExactlyElementsOf(expected);

        // every analyst sees it in the list
        FlowtrapSystem.Response list = system.get("/rest/searches/", system.analystToken);
        assertThat(DocumentSchema.of(Document.SEARCHES_PAGE).validate(list.json())).as(list.text()).isEmpty();
        assertThat(list.json().path("results").findValuesAsText("id")).contains(id);

        // the same through the Java client
        io.flowtrap.api.client.FlowtrapClient client = new io.flowtrap.api.client.FlowtrapClient(URI.create(system.managerUrl()),
                system.analystToken, system.ca);
        io.flowtrap.api.manager.SearchAnswer again = client.startSearch(new io.flowtrap.api.manager.SearchRequest(filter,
                Instant.ofEpochSecond(0, from).toString(), Instant.ofEpochSecond(0, to).toString(), List.of(FlowtrapSystem.PROBE),
                null));
        JsonNode againDone = ended(again.id());
        assertThat(client.search(again.id()).summary().sha256()).isEqualTo(againDone.path("summary").path("sha256").asText())
                .isEqualTo(summary.path("sha256").asText());
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        client.downloadSearch(again.id(), null, bytes);
        assertThat(bytes.toByteArray()).isEqualTo(Files.readAllBytes(pcap));
        assertThat(client.searches().results().stream().map(io.flowtrap.api.manager.SearchAnswer::id)).contains(id, again.id());

        // nothing matched: done, no download
        JsonNode none = ended(create(search("host 203.0.113.99", from, to, FlowtrapSystem.PROBE), 201).path("id").asText());
        assertThat(none.path("state").asText()).isEqualTo("done");
        assertThat(none.path("message").asText()).isEqualTo("no packets matched");
        assertThat(none.has("download")).isFalse();
        expectError(system.get("/rest/searches/" + none.path("id").asText() + "/download/", system.analystToken), 404);
    }

    @Test
    @Order(2)
    void aStoppedProbeFailsItsOwnPartAloneAfterItsRetries() throws Exception {
        List<Long> times = storeTimes();
        long from = times.get(0);
        long to = times.get(times.size() - 1);
        List<String> expected = oracle("udp", from, to);
        JsonNode started = create(search("udp", from, to, FlowtrapSystem.PROBE, DOWN), 201);
        assertThat(started.path("parts").get(1).has("window_bytes")).as("down-1 cannot say").isFalse();
        JsonNode done = ended(started.path("id").asText());
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("done");
        JsonNode failed = done.path("parts").get(1);
        assertThat(failed.path("probe").asText()).isEqualTo(DOWN);
        assertThat(failed.path("state").asText()).isEqualTo("failed");
        assertThat(failed.path("attempts").asInt()).isEqualTo(2);
        assertThat(failed.path("retry_reasons")).hasSize(1);
        assertThat(failed.path("retry_reasons").get(0).asText()).contains("probe unreachable");
        assertThat(failed.path("error").asText()).contains("probe unreachable").contains("2 attempts");
        assertThat(done.path("message").asText()).startsWith("1 of 2 probes failed: " + DOWN + ": probe unreachable");
        assertThat(done.path("parts").get(0).path("state").asText()).isEqualTo("done");
        assertThat(packets(download(done.path("id").asText(), null), "")).containsExactlyElementsOf(expected);

        // every part failed: the search failed
        JsonNode all = ended(create(search("udp", from, to, DOWN), 201).path("id").asText());
        assertThat(all.path("state").asText()).isEqualTo("failed");
        assertThat(all.has("download")).isFalse();

        // the audit trail: each start, the one done with its failed part named, the one failed
        JsonNode finished = AuditEntries.of(AuditEntries.await(system, "id", done.path("id").asText(), "search.start",
                "search.finished"), "search.finished");
        assertThat(finished.at("/details/packets").asLong()).isEqualTo(expected.size());
        assertThat(finished.at("/details/failed_parts/0").asText()).startsWith(DOWN + ": probe unreachable");
        JsonNode start = AuditEntries.of(AuditEntries.await(system, "id", all.path("id").asText(), "search.start", "search.failed"),
                "search.start");
        assertThat(start.at("/details/filter").asText()).isEqualTo("udp");
        assertThat(start.at("/details/probes").toString()).isEqualTo("[\"" + DOWN + "\"]");
    }

    @Test
    @Order(3)
    void aSecondSearchOnAProbeWaitsInLineAndEitherCanBeCancelled() throws Exception {
        long now = Instant.now().getEpochSecond() * 1_000_000_000L;
        JsonNode first = create(search("tcp", now - 60_000_000_000L, now, DOWN), 201);
        // the first stays in line at least the retry delay (2 s): its probe refuses every call
        JsonNode second = create(search("tcp", now - 60_000_000_000L, now, DOWN), 201);
        assertThat(second.path("state").asText()).isEqualTo("queued");
        assertThat(second.path("parts").get(0).path("queue_position").asInt()).isEqualTo(1);

        JsonNode cancelled = system.post("/rest/searches/" + second.path("id").asText() + "/cancel/", system.analystToken,
                "application/json", new byte[0]).json();
        assertThat(cancelled.path("state").asText()).as(cancelled.toString()).isEqualTo("cancelled");
        assertThat(cancelled.path("parts").get(0).path("state").asText()).isEqualTo("cancelled");
        assertThat(cancelled.path("parts").get(0).path("attempts").asInt()).isZero();
        assertThat(cancelled.path("parts").get(0).path("error").asText()).contains("before it started");

        String firstId = first.path("id").asText();
        FlowtrapSystem.Response stop = system.post("/rest/searches/" + firstId + "/cancel/", system.analystToken,
                "application/json", new byte[0]);
        assertThat(stop.status()).as(stop.text()).isEqualTo(200);
        JsonNode stopped = ended(firstId);
        assertThat(stopped.path("state").asText()).as(stopped.toString()).isEqualTo("cancelled");
        assertThat(stopped.path("parts").get(0).path("attempts").asInt()).isEqualTo(1);
        expectError(system.post("/rest/searches/" + firstId + "/cancel/", system.analystToken, "application/json", new byte[0]),
                409);

        assertThat(call("DELETE", "/rest/searches/" + firstId + "/").status()).isEqualTo(200);
        expectError(system.get("/rest/searches/" + firstId + "/", system.analystToken), 404);
        JsonNode cancel = AuditEntries.of(AuditEntries.await(system, "id", firstId, "search.cancel", "search.finished",
                "search.delete"), "search.cancel");
        assertThat(cancel.path("user").asText()).isEqualTo(stopped.path("analyst").asText());
    }

    @Test
    @Order(4)
    void badRequestsAreRefusedAndABadFilterFailsWithLibpcapsWords() throws Exception {
        long now = Instant.now().getEpochSecond() * 1_000_000_000L;
        expectError(system.post("/rest/searches/", system.analystToken, "application/json", "{\"filter\": \"tcp\"}".getBytes()),
                400);
        expectError(system.post("/rest/searches/", system.analystToken, "application/json", "nope".getBytes()), 400);
        assertThat(create(search("tcp", now, now - 1, FlowtrapSystem.PROBE), 400).path("error").asText()).isEqualTo("bad window");
        assertThat(create(search("tcp", now - 1, now, "nosuch"), 400).path("error").asText()).isEqualTo("unknown probe");
        JsonNode bad = ended(create(search("tcp port eleventy", now - 1, now, FlowtrapSystem.PROBE), 201).path("id").asText());
        assertThat(bad.path("state").asText()).isEqualTo("failed");
        assertThat(bad.path("parts").get(0).path("attempts").asInt()).as("not retried").isEqualTo(1);
        assertThat(bad.path("parts").get(0).path("error").asText()).contains("eleventy");
    }

    private static JsonNode result(String path, ObjectNode request, int status) throws Exception {
        FlowtrapSystem.Response r = system.post(path, system.analystToken, "application/json", JSON.writeValueAsBytes(request));
        if (status != 201) {
            return expectError(r, status);
        }
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        assertThat(DocumentSchema.of(Document.RESULT).validate(r.json())).as(r.text()).isEmpty();
        return r.json();
    }

    private static Path downloadResult(JsonNode result) throws Exception {
        FlowtrapSystem.Response r = system.get(result.path("download").asText(), system.analystToken);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        Path file = Files.write(dir.resolve("result-" + result.path("id").asText() + ".pcap"), r.body());
        assertThat(Pcaps.sha256(file)).isEqualTo(result.path("sha256").asText());
        return file;
    }

    @Test
    @Order(5)
    void searchesMergeAsMergecapMergesThemDropDuplicatesAsEditcapAndFilterAsTcpdump() throws Exception {
        List<Long> times = storeTimes();
        long from = times.get(0);
        long to = times.get(times.size() - 1);
        String tcp = ended(create(search("tcp", from, to, FlowtrapSystem.PROBE), 201).path("id").asText()).path("id").asText();
        String web = ended(create(search("tcp port 80 or udp", from, to, FlowtrapSystem.PROBE), 201).path("id").asText())
                .path("id").asText();
        Path a = download(tcp, null);
        Path b = download(web, null);

        ObjectNode merge = JSON.createObjectNode();
        merge.putArray("inputs").add(JSON.createObjectNode().put("kind", "search").put("id", tcp))
                .add(JSON.createObjectNode().put("kind", "search").put("id", web).put("probe", FlowtrapSystem.PROBE));
        JsonNode merged = result("/rest/merges/", merge, 201);
        Path mergecap = dir.resolve("mergecap.pcap");
        assertThat(FlowtrapSystem.run(List.of("mergecap", "-F", "nsecpcap", "-w", mergecap.toString(), a.toString(),
                b.toString())).exit()).isZero();
        List<String> all = packets(mergecap, "");
        assertThat(packets(downloadResult(merged), "")).containsExactlyElementsOf(all);
        assertThat(merged.path("packets_in").asLong()).isEqualTo(all.size());
        assertThat(merged.path("packets").asLong()).isEqualTo(all.size());

        // port 80 is in both: the same frames at the same times, one copy kept
        merge.put("dedup", true).put("dedup_window_us", 1000);
        JsonNode deduped = result("/rest/merges/", merge, 201);
        Path editcap = dir.resolve("editcap.pcap");
        assertThat(FlowtrapSystem.run(List.of("editcap", "-F", "nsecpcap", "-w", "0.001", mergecap.toString(),
                editcap.toString())).exit()).isZero();
        List<String> unique = packets(editcap, "");
        assertThat(packets(downloadResult(deduped), "")).containsExactlyElementsOf(unique);
        assertThat(deduped.path("packets_in").asLong()).isEqualTo(all.size());
        assertThat(deduped.path("packets").asLong()).isEqualTo(unique.size());
        assertThat(deduped.path("duplicates").asLong()).isEqualTo(all.size() - unique.size())
                .isGreaterThanOrEqualTo(packets(a, "tcp port 80").size());

        // the merge filtered into a smaller result: what tcpdump -r -w keeps
        ObjectNode filter = JSON.createObjectNode().put("filter", "tcp port 80 and tcp[tcpflags] & tcp-syn != 0");
        filter.putObject("input").put("kind", "merge").put("id", deduped.path("id").asText());
        JsonNode filtered = result("/rest/filters/", filter, 201);
        Path tcpdump = dir.resolve("tcpdump.pcap");
        Path dedupedFile = dir.resolve("result-" + deduped.path("id").asText() + ".pcap");
        assertThat(FlowtrapSystem.run(List.of("tcpdump", "-r", dedupedFile.toString(), "--time-stamp-precision=nano", "-w",
                tcpdump.toString(), filter.path("filter").asText())).exit()).isZero();
        List<String> syns = packets(tcpdump, "");
        assertThat(syns).isNotEmpty().hasSizeLessThan(unique.size());
        assertThat(packets(downloadResult(filtered), "")).containsExactlyElementsOf(syns);
        assertThat(filtered.path("packets_in").asLong()).isEqualTo(unique.size());

        ObjectNode none = filter.deepCopy().put("filter", "host 203.0.113.99");
        JsonNode empty = result("/rest/filters/", none, 201);
        assertThat(empty.path("packets").asLong()).isZero();
        assertThat(empty.path("message").asText()).isEqualTo("no packets matched");
        assertThat(empty.has("download")).isFalse();
        assertThat(result("/rest/filters/", filter.deepCopy().put("filter", "tcp port eleventy"), 400).path("error").asText())
                .isEqualTo("invalid filter");
        ObjectNode missing = JSON.createObjectNode().put("filter", "tcp");
        missing.putObject("input").put("kind", "search").put("id", "000000000000");
        assertThat(result("/rest/filters/", missing, 404).path("error").asText()).isEqualTo("no such search");

        // one list of every kind: the searches (and their probe's part) beside the merges and filters
        FlowtrapSystem.Response list = system.get("/rest/results/", system.analystToken);
        assertThat(DocumentSchema.of(Document.RESULTS_PAGE).validate(list.json())).as(list.text()).isEmpty();
        assertThat(list.json().path("results").findValuesAsText("id")).contains(tcp, web, web + ":" + FlowtrapSystem.PROBE,
                merged.path("id").asText(), deduped.path("id").asText(), filtered.path("id").asText(), empty.path("id").asText());
        assertThat(system.get("/rest/results/?kind=merge", system.analystToken).json().path("count").asLong()).isEqualTo(2);
        assertThat(system.get("/rest/results/?kind=filter", system.analystToken).json().path("count").asLong()).isEqualTo(2);
        JsonNode webPart = system.get("/rest/results/search/" + web + ":" + FlowtrapSystem.PROBE + "/", system.analystToken).json();
        assertThat(webPart.path("probes").toString()).isEqualTo("[\"" + FlowtrapSystem.PROBE + "\"]");
        assertThat(webPart.path("packets").asLong()).isEqualTo(packets(b, "").size());
        assertThat(deduped.path("probes").toString()).isEqualTo("[\"" + FlowtrapSystem.PROBE + "\"]");
        // tags on a merge, and the list by tag
        FlowtrapSystem.Response tagged = call("PATCH", "/rest/results/merge/" + deduped.path("id").asText() + "/",
                "{\"tags\": [\"dedup\"]}");
        assertThat(tagged.status()).as(tagged.text()).isEqualTo(200);
        JsonNode byTag = system.get("/rest/results/?tag=dedup", system.analystToken).json();
        assertThat(byTag.path("count").asLong()).isEqualTo(1);
        assertThat(byTag.at("/results/0/id").asText()).isEqualTo(deduped.path("id").asText());
        expectError(system.get("/rest/results/merge/" + empty.path("id").asText() + "/", system.analystToken), 404); // a filter's
        expectError(system.get("/rest/results/filter/" + empty.path("id").asText() + "/download/", system.analystToken), 404);
        assertThat(call("DELETE", "/rest/results/search/" + tcp + "/").status()).isEqualTo(409);
        assertThat(call("PATCH", "/rest/results/filter/" + empty.path("id").asText() + "/", "{\"comment\": \"nothing\"}")
                .status()).isEqualTo(200);
        Path labels = system.dir.resolve("manager/results/labels.json");
        assertThat(Files.readString(labels)).contains("filter/" + empty.path("id").asText());
        assertThat(call("DELETE", "/rest/results/filter/" + empty.path("id").asText() + "/").status()).isEqualTo(200);
        assertThat(Files.readString(labels)).as("a deleted result's labels go with it")
                .doesNotContain("filter/" + empty.path("id").asText()).contains("merge/" + deduped.path("id").asText());
        expectError(system.get("/rest/results/filter/" + empty.path("id").asText() + "/", system.analystToken), 404);

        // the audit trail: the merge with its inputs and counts, the filter of it, the tag, the delete
        JsonNode mergeAudit = AuditEntries.of(AuditEntries.await(system, "id", deduped.path("id").asText(), "result.merge",
                "result.tag", "result.download"), "result.merge");
        assertThat(mergeAudit.at("/details/inputs").toString()).isEqualTo("[\"search " + tcp + "\",\"search " + web + ":"
                + FlowtrapSystem.PROBE + "\"]");
        assertThat(mergeAudit.at("/details/duplicates").asLong()).isEqualTo(all.size() - unique.size());
        assertThat(AuditEntries.of(AuditEntries.await(system, "id", filtered.path("id").asText(), "result.filter"), "result.filter")
                .at("/details/input").asText()).isEqualTo("merge " + deduped.path("id").asText());
        AuditEntries.await(system, "id", empty.path("id").asText(), "result.filter", "result.delete");
    }

    @Test
    @Order(6)
    void aDeletedSearchOrMergeTakesItsLabelsAndShareLinksWithIt() throws Exception {
        String id = endedOverTheStore("tcp");
        String part = id + ":" + FlowtrapSystem.PROBE;
        assertThat(call("PATCH", "/rest/results/search/" + id + "/", "{\"tags\": [\"doomed\"], \"comment\": \"goes with it\"}")
                .status()).isEqualTo(200);
        assertThat(call("PATCH", "/rest/results/search/" + part + "/", "{\"tags\": [\"doomed-part\"]}").status()).isEqualTo(200);
        JsonNode ofSearch = share("search", id);
        JsonNode ofPart = share("search", part);
        ObjectNode merge = JSON.createObjectNode();
        merge.putArray("inputs").add(JSON.createObjectNode().put("kind", "search").put("id", id));
        String merged = result("/rest/merges/", merge, 201).path("id").asText();
        assertThat(call("PATCH", "/rest/results/merge/" + merged + "/", "{\"tags\": [\"doomed-merge\"]}").status()).isEqualTo(200);
        JsonNode ofMerge = share("merge", merged);
        Path labels = system.dir.resolve("manager/results/labels.json");
        assertThat(Files.readString(labels)).contains("search/" + id + "\"", "search/" + part + "\"", "merge/" + merged + "\"");

        // the search deleted where it was made: its labels and links go, the merge made of it keeps its own
        assertThat(call("DELETE", "/rest/searches/" + id + "/").status()).isEqualTo(200);
        assertThat(Files.readString(labels)).doesNotContain("search/" + id).contains("merge/" + merged + "\"");
        assertThat(system.get("/rest/results/?tag=doomed-part", system.analystToken).json().path("count").asLong()).isZero();
        assertThat(expectError(open(ofSearch), 404).path("error").asText()).isEqualTo("no such link");
        assertThat(expectError(open(ofPart), 404).path("error").asText()).isEqualTo("no such link");
        assertThat(open(ofMerge).status()).isEqualTo(200);
        assertThat(shareIds()).contains(ofMerge.path("id").asText()).doesNotContain(ofSearch.path("id").asText(),
                ofPart.path("id").asText());

        // a merge deleted: the same
        assertThat(call("DELETE", "/rest/results/merge/" + merged + "/").status()).isEqualTo(200);
        assertThat(Files.readString(labels)).doesNotContain("merge/" + merged);
        assertThat(expectError(open(ofMerge), 404).path("error").asText()).isEqualTo("no such link");
        assertThat(shareIds()).doesNotContain(ofMerge.path("id").asText());

        // the audit trail: each label dropped, each link revoked, by who deleted and why
        JsonNode unlabel = AuditEntries.of(AuditEntries.await(system, "id", id, "search.delete", "result.unlabel"), "result.unlabel");
        assertThat(unlabel.at("/details/tags").toString()).isEqualTo("[\"doomed\"]");
        assertThat(unlabel.at("/details/comment").asText()).isEqualTo("goes with it");
        assertThat(unlabel.at("/details/reason").asText()).startsWith("deleted by ");
        assertThat(AuditEntries.of(AuditEntries.await(system, "id", part, "result.unlabel"), "result.unlabel").at("/details/tags")
                .toString()).isEqualTo("[\"doomed-part\"]");
        AuditEntries.await(system, "id", merged, "result.delete", "result.unlabel");
        for (JsonNode link : List.of(ofSearch, ofPart, ofMerge)) {
            JsonNode revoke = AuditEntries.of(AuditEntries.await(system, "link", link.path("id").asText(), "share.create",
                    "share.revoke"), "share.revoke");
            assertThat(revoke.path("user").asText()).isEqualTo(unlabel.path("user").asText());
            assertThat(revoke.at("/details/reason").asText()).startsWith("its result was deleted: deleted by ");
        }
    }

    @Test
    @Order(7)
    void theLabelsAndShareLinksOfTheSearchesARestartForgetsGoWithThem() throws Exception {
        String id = endedOverTheStore("udp");
        assertThat(call("PATCH", "/rest/results/search/" + id + "/", "{\"tags\": [\"forgotten\"]}").status()).isEqualTo(200);
        JsonNode link = share("search", id + ":" + FlowtrapSystem.PROBE); // a part's link, without a label of its own
        Path labels = system.dir.resolve("manager/results/labels.json");
        assertThat(Files.readString(labels)).contains("search/" + id + "\"");

        system.stopManager();
        system.startManager();
        assertThat(Files.readString(labels)).doesNotContain("search/" + id);
        assertThat(expectError(open(link), 404).path("error").asText()).isEqualTo("no such link");
        assertThat(shareIds()).doesNotContain(link.path("id").asText());
        JsonNode unlabel = AuditEntries.of(AuditEntries.await(system, "id", id, "result.unlabel"), "result.unlabel");
        assertThat(unlabel.path("user").asText()).isEqualTo("system");
        assertThat(unlabel.at("/details/reason").asText()).startsWith("unknown at the manager's start");
        assertThat(AuditEntries.of(AuditEntries.await(system, "link", link.path("id").asText(), "share.revoke"), "share.revoke")
                .at("/details/reason").asText()).contains("unknown at the manager's start");
    }

    /** The id of a search by {@code filter} of the replaying probe's whole store, once it has ended. */
    private static String endedOverTheStore(String filter) throws Exception {
        List<Long> times = storeTimes();
        return ended(create(search(filter, times.get(0), times.get(times.size() - 1), FlowtrapSystem.PROBE), 201).path("id").asText())
                .path("id").asText();
    }

    /** A new share link to a result (the answer, with its URL). */
    private static JsonNode share(String kind, String id) throws Exception {
        FlowtrapSystem.Response r = system.post("/rest/results/" + kind + "/" + id + "/shares/", system.analystToken,
                "application/json", new byte[0]);
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json();
    }

    private static FlowtrapSystem.Response open(JsonNode link) throws Exception {
        HttpResponse<byte[]> r = system.http.send(HttpRequest.newBuilder(URI.create(link.path("url").asText()))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        return new FlowtrapSystem.Response(r.statusCode(), r.body(), r.headers().map());
    }

    private static List<String> shareIds() throws Exception {
        FlowtrapSystem.Response r = system.get("/rest/shares/", system.analystToken);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json().path("results").findValuesAsText("id");
    }

    @Test
    @Order(9)
    void theBoundRefusesUpFrontAWindowTooLongOrAStoreTooLarge() throws Exception {
        long now = Instant.now().getEpochSecond() * 1_000_000_000L;
        JsonNode tooLong = create(search("tcp", now - Duration.ofHours(25).toNanos(), now, FlowtrapSystem.PROBE), 413);
        assertThat(tooLong.path("error").asText()).isEqualTo("search too long");
        assertThat(tooLong.path("detail").asText()).contains("flowtrap.searches.max-window (86400 s)");

        List<Long> times = storeTimes();
        system.stopManager();
        system.startManager(List.of("--flowtrap.searches.max-bytes=1KB"));
        JsonNode tooLarge = create(search("tcp", times.get(0), times.get(times.size() - 1), FlowtrapSystem.PROBE), 413);
        assertThat(tooLarge.path("error").asText()).isEqualTo("search too large");
        assertThat(tooLarge.path("detail").asText()).contains("probe " + FlowtrapSystem.PROBE + "'s store holds")
                .contains("flowtrap.searches.max-bytes (1024)");
        // a window the store holds nothing of reads nothing, and passes
        JsonNode empty = ended(create(search("tcp", times.get(0) - 2_000_000_000L, times.get(0) - 1_000_000_000L,
                FlowtrapSystem.PROBE), 201).path("id").asText());
        assertThat(empty.path("parts").get(0).path("window_bytes").asLong()).isZero();
        assertThat(empty.path("message").asText()).isEqualTo("no packets matched");
        assertThat(system.get("/rest/searches/", system.analystToken).json().path("count").asLong()).as("a restart forgets")
                .isEqualTo(1);
    }

    @Test
    @Order(10)
    void aSearchDeletedPastMaxKeptIsAuditedAsTheSystemsDeletion() throws Exception {
        system.stopManager();
        system.startManager(List.of("--flowtrap.searches.max-kept=2"));
        List<String> ids = new ArrayList<>();
        for (String filter : List.of("tcp", "udp", "tcp port 80")) { // max-kept + 1
            ids.add(endedOverTheStore(filter));
        }
        String oldest = ids.get(0);
        List<String> kept = new ArrayList<>();
        system.get("/rest/searches/", system.analystToken).json().path("results").forEach(r -> kept.add(r.path("id").asText()));
        assertThat(kept).as("the newest max-kept").containsExactlyInAnyOrderElementsOf(ids.subList(1, 3));
        expectError(system.get("/rest/searches/" + oldest + "/", system.analystToken), 404);
        JsonNode deleted = AuditEntries.of(AuditEntries.await(system, "id", oldest, "search.start", "search.finished",
                "search.delete"), "search.delete");
        assertThat(deleted.path("user").asText()).isEqualTo("system");
        assertThat(deleted.at("/details/reason").asText()).isEqualTo("more than flowtrap.searches.max-kept (2) ended searches");
        assertThat(deleted.at("/details/filter").asText()).isEqualTo("tcp");
        assertThat(deleted.at("/details/sha256").asText()).hasSize(64);
    }
}
