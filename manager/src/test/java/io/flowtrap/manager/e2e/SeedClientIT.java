package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * alerts' pcaps over HTTPS, and every download must equal the probe's own carve of that flow.
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
