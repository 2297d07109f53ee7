package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.manager.users.Role;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compatibility contract, end to end: Suricata alerts on the demo capture, the probe replays it
 * and ships the alerts, the manager indexes them in Elasticsearch; then the Python client from the
 * Stamus documentation (rest-api/clients/python, byte-identical to the seed) and curl each pull
 * alerts' pcaps over HTTPS, and every download must equal the probe's own carve of that flow; and
 * what the chain retrieved is a result (kind {@code extraction}) like any other.
 */
class SeedClientIT {
    private static final Path CLIENT = FlowtrapSystem.REPO.resolve("rest-api/clients/python/stamus_pcap_client.py");
    private static Path dir;
    private static FlowtrapSystem system;
    private static List<JsonNode> alerts;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-seed-it");
        Path pcap = FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap");
        Path eve = FlowtrapSystem.suricata(dir, pcap);
        system = new FlowtrapSystem(dir, pcap, eve);
        alerts = system.recordedAlerts();
        assertThat(alerts).hasSizeGreaterThan(20);
        system.awaitIndexed(alerts.size(), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void theSeedsPythonClientDownloadsEachAlertsFlowAsTheProbeCarvesIt() throws Exception {
        List<JsonNode> picked = onePerSignature();
        assertThat(picked).hasSizeGreaterThanOrEqualTo(3);
        for (JsonNode alert : picked) {
            long sid = alert.path("alert").path("signature_id").asLong();
            long flowId = alert.path("flow_id").asLong();
            Files.deleteIfExists(Path.of("/tmp/myfile.pcap"));
            FlowtrapSystem.Run run = FlowtrapSystem.run(List.of("python3", CLIENT.toString(), system.managerAddress(),
                    system.analystToken, Long.toString(sid), Long.toString(flowId)), dir,
                    Map.of("REQUESTS_CA_BUNDLE", system.ca.toString()));
            assertThat(run.exit()).as("client output:\n" + run.out() + run.err()).isZero();
            assertThat(run.out()).contains("\"upload\":\"done\"", "\"extraction\":\"done\"", "\"retrieve\":\"done\"");
            byte[] downloaded = Files.readAllBytes(Path.of("/tmp/myfile.pcap"));
            byte[] carved = probeCarve(Path.of("/tmp/myalert.json"), "sid-" + sid);
            assertThat(downloaded).as("sid %d flow %d", sid, flowId).isEqualTo(carved);
            assertThat(tcpdumpPackets(Path.of("/tmp/myfile.pcap"))).isGreaterThan(0);
        }
    }

    @Test
    void curlDrivesTheSameChain() throws Exception {
        JsonNode alert = alerts.get(alerts.size() / 2);
        String qfilter = "alert.signature_id:" + alert.path("alert").path("signature_id").asLong()
                + " AND flow_id:" + alert.path("flow_id").asLong();
        String base = system.managerUrl() + "/rest";
        List<String> curl = List.of("curl", "-sS", "--fail-with-body", "--cacert", system.ca.toString(), "-H",
                "Authorization: Token " + system.analystToken);
        FlowtrapSystem.Run tail = curlRun(curl, "-G", base + "/rules/es/alerts_tail/", "--data-urlencode", "qfilter=" + qfilter);
        JsonNode hit = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tail.out()).path("results").get(0);
        assertThat(DocumentSchema.of(Document.ALERTS_PAGE).validate(json(tail))).isEmpty();
        Path hitFile = dir.resolve("curl-hit.json");
        Files.writeString(hitFile, hit.toString());
        JsonNode upload = json(curlRun(curl, "-F", "file=@" + hitFile, base + "/rules/filestore_pcap/upload/?host=" + hit.path("host").asText()));
        assertThat(upload.path("upload").asText()).isEqualTo("done");
        assertThat(DocumentSchema.of(Document.UPLOAD_ANSWER).validate(upload)).isEmpty();
        String job = upload.path("filename").asText();
        JsonNode extract = json(curlRun(curl, "-X", "POST", base + "/rules/filestore_pcap/" + job + "/extract_pcap/?host=" + FlowtrapSystem.PROBE));
        assertThat(extract.path("extraction").asText()).isEqualTo("done");
        assertThat(DocumentSchema.of(Document.EXTRACTION_ANSWER).validate(extract)).isEmpty();
        JsonNode pending = json(curlRun(curl, base + "/rules/filestore_pcap/" + job + "/status/"));
        assertThat(pending.path("status").asText()).isEqualTo("pending");
        assertThat(DocumentSchema.of(Document.STATUS_ANSWER).validate(pending)).isEmpty();
        JsonNode retrieve = json(curlRun(curl, base + "/rules/filestore_pcap/" + job + "/retrieve/?host=" + FlowtrapSystem.PROBE));
        assertThat(retrieve.path("retrieve").asText()).isEqualTo("done");
        assertThat(DocumentSchema.of(Document.RETRIEVE_ANSWER).validate(retrieve)).isEmpty();
        JsonNode available = json(curlRun(curl, base + "/rules/filestore_pcap/" + job + "/status/"));
        assertThat(available.path("status").asText()).isEqualTo("available");
        assertThat(DocumentSchema.of(Document.STATUS_ANSWER).validate(available)).isEmpty();
        Path pcap = dir.resolve("curl.pcap");
        FlowtrapSystem.Run download = curlRun(curl, "-D", "-", "-o", pcap.toString(), base + "/rules/filestore_pcap/" + job + "/download/");
        assertThat(download.out()).containsIgnoringCase("content-type: application/vnd.tcpdump.pcap")
                .containsIgnoringCase("content-disposition: attachment; filename=\"" + job + ".pcap\"")
                .containsIgnoringCase("content-length: " + Files.size(pcap));
        assertThat(retrieve.path("size").asLong()).isEqualTo(Files.size(pcap));
        assertThat(Files.readAllBytes(pcap)).isEqualTo(probeCarve(hitFile, "curl"));
        assertThat(extract.path("packets").asLong()).isEqualTo(tcpdumpPackets(pcap));
        // downloads stay: a second one gives the same bytes
        Path again = dir.resolve("curl-again.pcap");
        curlRun(curl, "-o", again.toString(), base + "/rules/filestore_pcap/" + job + "/download/");
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(pcap));
    }

    @Test
    void everyAlertShowsWhatTheProbesStoreHoldsOfItsFlow() throws Exception {
        JsonNode page = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            page = system.get("/rest/rules/es/alerts_tail/?from_date=0&page_size=1000", system.analystToken).json();
            boolean all = true;
            for (JsonNode a : page.path("results")) {
                all &= a.has("capture");
            }
            if (all) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(page.path("results")).hasSize(alerts.size()).allSatisfy(a -> {
            assertThat(a.path("capture").path("status").asText()).as(a.toString()).isEqualTo("stored");
            assertThat(a.path("capture").path("packets").asLong()).isPositive();
        });
        // the record says what a carve gives: packets, and the flow whole from its first packet
        JsonNode alert = page.path("results").get(0);
        Path alertFile = Files.writeString(dir.resolve("capture-alert.json"), alert.toString());
        Path carve = dir.resolve("capture.pcap");
        Files.write(carve, probeCarve(alertFile, "capture"));
        assertThat(alert.path("capture").path("packets").asLong()).isEqualTo(tcpdumpPackets(carve));
        assertThat(alert.path("capture").path("from_flow_start").asBoolean()).isTrue();
    }

    @Test
    void whatTheChainRetrievedIsAResultToTagDownloadMergeFilterShareAndDelete() throws Exception {
        String ana = system.ownKey("ana", Role.ANALYST);
        String bob = system.ownKey("bob", Role.ANALYST);
        // two alerts of flows no other test here uploads (theirs: the first of each signature, the middle one)
        List<JsonNode> others = new ArrayList<>(onePerSignature());
        others.add(alerts.get(alerts.size() / 2));
        List<JsonNode> hits = new ArrayList<>();
        JsonNode page = awaitCaptureRecords();
        for (JsonNode h : page.path("results")) {
            if (hits.size() < 2 && others.stream().noneMatch(o -> sameFlowAndSignature(o, h))
                    && hits.stream().noneMatch(o -> sameFlowAndSignature(o, h))) {
                hits.add(h);
            }
        }
        assertThat(hits).hasSize(2);
        Chained a = chain(hits.get(0), ana);
        Chained b = chain(hits.get(1), ana);

        // listed as a result, with what identifies it for an analyst
        FlowtrapSystem.Response listed = system.get("/rest/results/?kind=extraction", system.analystToken);
        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        assertThat(DocumentSchema.of(Document.RESULTS_PAGE).validate(listed.json())).isEmpty();
        JsonNode entry = null;
        for (JsonNode r : listed.json().path("results")) {
            assertThat(r.path("kind").asText()).isEqualTo("extraction");
            if (r.path("id").asText().equals(a.job())) {
                entry = r;
            }
        }
        assertThat(entry).as("job %s in %s", a.job(), listed.text()).isNotNull();
        JsonNode hit = hits.get(0);
        assertThat(entry.path("analyst").asText()).isEqualTo("ana");
        assertThat(entry.path("probes").toString()).isEqualTo("[\"" + FlowtrapSystem.PROBE + "\"]");
        assertThat(entry.path("packets").asLong()).isEqualTo(a.extract().path("packets").asLong()).isEqualTo(tcpdumpPackets(a.pcap()));
        assertThat(entry.path("bytes").asLong()).isEqualTo(a.extract().path("bytes").asLong());
        assertThat(entry.path("size").asLong()).isEqualTo(a.retrieve().path("size").asLong()).isEqualTo(Files.size(a.pcap()));
        assertThat(entry.path("sha256").asText()).isEqualTo(a.retrieve().path("sha256").asText()).isEqualTo(Pcaps.sha256(a.pcap()));
        assertThat(entry.path("file_name").asText()).isEqualTo(a.job() + ".pcap");
        assertThat(entry.has("expired")).isFalse();
        JsonNode facts = entry.path("alert");
        assertThat(facts.path("signature").asText()).isEqualTo(hit.path("alert").path("signature").asText());
        assertThat(facts.path("signature_id").asLong()).isEqualTo(hit.path("alert").path("signature_id").asLong());
        assertThat(facts.path("flow_id").asLong()).isEqualTo(hit.path("flow_id").asLong());
        assertThat(facts.path("src_ip").asText()).isEqualTo(hit.path("src_ip").asText());
        assertThat(facts.path("dest_port").asInt()).isEqualTo(hit.path("dest_port").asInt());
        assertThat(facts.path("timestamp").asText()).isEqualTo(hit.path("timestamp").asText());
        assertThat(facts.path("whole").asBoolean()).isEqualTo(hit.path("capture").path("from_flow_start").asBoolean()).isTrue();
        assertThat(entry.path("name").asText()).startsWith(hit.path("alert").path("signature").asText() + ": "
                + hit.path("src_ip").asText());

        // tagged, and found by its tag
        JsonNode tagged = send("PATCH", "/rest/results/extraction/" + a.job() + "/", ana,
                "{\"tags\": [\"incident-7\"], \"comment\": \"the alert's flow\"}");
        assertThat(tagged.path("tags").toString()).isEqualTo("[\"incident-7\"]");
        assertThat(system.get("/rest/results/?tag=incident-7", system.analystToken).json().path("results"))
                .extracting(r -> r.path("kind").asText() + "/" + r.path("id").asText()).containsExactly("extraction/" + a.job());

        // downloaded from the results, byte for byte what the chain's download gave
        FlowtrapSystem.Response download = system.get(entry.path("download").asText(), ana);
        assertThat(download.status()).as(download.text()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(Files.readAllBytes(a.pcap()));
        assertThat(download.header("Content-Disposition")).contains(a.job() + ".pcap");

        // merged with another result, and filtered: tcpdump reads what each says
        JsonNode merge = created(system.post("/rest/merges/", ana, "application/json", ("{\"inputs\": [{\"kind\": \"extraction\", \"id\": \""
                + a.job() + "\"}, {\"kind\": \"extraction\", \"id\": \"" + b.job() + "\"}]}").getBytes(StandardCharsets.UTF_8)));
        long both = tcpdumpPackets(a.pcap()) + tcpdumpPackets(b.pcap());
        assertThat(merge.path("packets_in").asLong()).isEqualTo(both);
        assertThat(merge.path("packets").asLong()).isEqualTo(both);
        Path merged = Files.write(dir.resolve("extractions-merged.pcap"), system.get(merge.path("download").asText(), ana).body());
        assertThat(tcpdumpPackets(merged)).isEqualTo(both);
        assertThat(Pcaps.packets(merged, "")).containsAll(Pcaps.packets(a.pcap(), "")).containsAll(Pcaps.packets(b.pcap(), ""));
        String bpf = "vlan and host " + hit.path("src_ip").asText(); // the demo capture is VLAN-tagged
        JsonNode filter = created(system.post("/rest/filters/", ana, "application/json", ("{\"input\": {\"kind\": \"extraction\", \"id\": \""
                + a.job() + "\"}, \"filter\": \"" + bpf + "\"}").getBytes(StandardCharsets.UTF_8)));
        assertThat(filter.path("packets").asLong()).isEqualTo(Pcaps.packets(a.pcap(), bpf).size()).isPositive();
        assertThat(filter.path("inputs").get(0).path("kind").asText()).isEqualTo("extraction");

        // shared: the link opens without a login to the same bytes
        JsonNode link = created(system.post("/rest/results/extraction/" + a.job() + "/shares/", ana, "application/json", new byte[0]));
        HttpResponse<byte[]> opened = system.http.send(HttpRequest.newBuilder(URI.create(link.path("url").asText()))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(opened.statusCode()).isEqualTo(200);
        assertThat(opened.body()).isEqualTo(Files.readAllBytes(a.pcap()));

        // deleted only by who asked for it (or an admin); then the chain knows it no more, nor the share link, nor its tag
        JsonNode refused = FlowtrapSystem.expectError(system.send("DELETE", "/rest/results/extraction/" + a.job() + "/", bob, null), 403);
        assertThat(refused.path("detail").asText()).contains("ana");
        FlowtrapSystem.Response deleted = system.send("DELETE", "/rest/results/extraction/" + a.job() + "/", ana, null);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
        assertThat(deleted.json().path("tags").toString()).isEqualTo("[\"incident-7\"]");
        FlowtrapSystem.expectError(system.get("/rest/results/extraction/" + a.job() + "/", ana), 404);
        FlowtrapSystem.Response status = system.get("/rest/rules/filestore_pcap/" + a.job() + "/status/", ana);
        assertThat(status.status()).isEqualTo(404);
        assertThat(status.json().path("status").asText()).isEqualTo("unknown");
        assertThat(system.get("/rest/results/?tag=incident-7", ana).json().path("count").asLong()).isZero();
        assertThat(system.http.send(HttpRequest.newBuilder(URI.create(link.path("url").asText())).timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray()).statusCode()).as("its link revoked with it")
                .isEqualTo(404);
        // b is still there, and still downloads through the chain
        assertThat(system.get("/rest/rules/filestore_pcap/" + b.job() + "/download/", ana).body()).isEqualTo(Files.readAllBytes(b.pcap()));
        // an admin may delete anyone's
        assertThat(system.send("DELETE", "/rest/results/extraction/" + b.job() + "/", system.adminToken, null).status()).isEqualTo(200);
        assertThat(system.get("/rest/rules/filestore_pcap/" + b.job() + "/status/", ana).status()).isEqualTo(404);

        List<JsonNode> audited = AuditEntries.await(system, "id", a.job(), "result.tag", "result.comment", "result.download",
                "result.refused", "result.delete");
        assertThat(AuditEntries.of(audited, "result.delete").path("user").asText()).isEqualTo("ana");
        assertThat(AuditEntries.of(audited, "result.refused").path("user").asText()).isEqualTo("bob");
    }

    /** One job through the chain (upload, extract_pcap, retrieve, download) with {@code key}, as the seed's client drives it. */
    private record Chained(String job, JsonNode extract, JsonNode retrieve, Path pcap) {}

    private static Chained chain(JsonNode hit, String key) throws Exception {
        String base = "/rest/rules/filestore_pcap/";
        FlowtrapSystem.Response upload = system.post(base + "upload/?host=" + hit.path("host").asText(), key,
                "multipart/form-data; boundary=flowtrapboundary", FlowtrapSystem.multipart(hit.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(upload.status()).as(upload.text()).isEqualTo(200);
        String job = upload.json().path("filename").asText();
        FlowtrapSystem.Response extract = system.post(base + job + "/extract_pcap/", key, "application/json", new byte[0]);
        assertThat(extract.status()).as(extract.text()).isEqualTo(200);
        FlowtrapSystem.Response retrieve = system.get(base + job + "/retrieve/", key);
        assertThat(retrieve.status()).as(retrieve.text()).isEqualTo(200);
        FlowtrapSystem.Response download = system.get(base + job + "/download/", key);
        assertThat(download.status()).as(download.text()).isEqualTo(200);
        Path pcap = Files.write(dir.resolve("chain-" + job + ".pcap"), download.body());
        return new Chained(job, extract.json(), retrieve.json(), pcap);
    }

    /** alerts_tail once every hit has the probe's record of its flow ({@code capture}). */
    private static JsonNode awaitCaptureRecords() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode page = system.get("/rest/rules/es/alerts_tail/?from_date=0&page_size=1000", system.analystToken).json();
            boolean all = page.path("results").size() == alerts.size();
            for (JsonNode a : page.path("results")) {
                all &= a.has("capture");
            }
            if (all) {
                return page;
            }
            assertThat(System.nanoTime()).as("every alert's capture record").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Whether two alerts are of the same flow and signature (what the seed's client and curl here ask alerts_tail for). */
    private static boolean sameFlowAndSignature(JsonNode a, JsonNode b) {
        return a.path("flow_id").asLong() == b.path("flow_id").asLong()
                && a.path("alert").path("signature_id").asLong() == b.path("alert").path("signature_id").asLong();
    }

    private static JsonNode created(FlowtrapSystem.Response r) throws Exception {
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json();
    }

    private static JsonNode send(String method, String path, String key, String body) throws Exception {
        FlowtrapSystem.Response r = system.send(method, path, key, body);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }

    /** The first alert of each signature, in file order. */
    private static List<JsonNode> onePerSignature() {
        Map<Long, JsonNode> first = new LinkedHashMap<>();
        for (JsonNode a : alerts) {
            first.putIfAbsent(a.path("alert").path("signature_id").asLong(), a);
        }
        return new ArrayList<>(first.values());
    }

    /** What the probe's own extract command carves for the flow of the alert in {@code alertFile}. */
    private static byte[] probeCarve(Path alertFile, String name) throws Exception {
        Path out = dir.resolve("probe-" + name + ".pcap");
        FlowtrapSystem.Run r = FlowtrapSystem.run(List.of(FlowtrapSystem.REPO.resolve("ops/bin/flowtrap-probe").toString(),
                "extract", "--store", system.store.toString(), "--alert", alertFile.toString(), "--out", out.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        return Files.readAllBytes(out);
    }

    private static long tcpdumpPackets(Path pcap) throws Exception {
        FlowtrapSystem.Run r = FlowtrapSystem.run(List.of("tcpdump", "-nn", "-r", pcap.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out().lines().count();
    }

    private static FlowtrapSystem.Run curlRun(List<String> curl, String... args) throws Exception {
        List<String> command = new ArrayList<>(curl);
        command.addAll(List.of(args));
        FlowtrapSystem.Run r = FlowtrapSystem.run(command);
        assertThat(r.exit()).as("curl %s: %s %s", List.of(args), r.out(), r.err()).isZero();
        return r;
    }

    private static JsonNode json(FlowtrapSystem.Run r) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    }
}
