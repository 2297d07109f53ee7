package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Carves that outlast the manager's wait ({@code flowtrap.extraction-wait}, here 0): extract_pcap
 * answers 202, retrieve answers 409 while the probe carves, then the pcap arrives whole; a carve
 * that fails in the background is reported by status ("failed") and by retrieve with the probe's
 * own answer.
 */
class LongExtractionIT {
    private static final String CHAIN = "/rest/rules/filestore_pcap/";
    private static FlowtrapSystem system;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-long-it");
        system = new FlowtrapSystem(dir, FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap"),
                FlowtrapSystem.REPO.resolve("ops/demo-data/demo-eve.json"), List.of("--flowtrap.extraction-wait=0s"));
        system.awaitIndexed(system.recordedAlerts().size(), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aCarveThatOutlastsTheWaitIs202AndRetrieveWaitsForIt() throws Exception {
        JsonNode hit = system.get("/rest/rules/es/alerts_tail/?page_size=1", system.analystToken).json().path("results").get(0);
        String job = upload(hit).json().path("filename").asText();
        FlowtrapSystem.Response extract = system.post(CHAIN + job + "/extract_pcap/?host=" + FlowtrapSystem.PROBE,
                system.analystToken, "application/json", new byte[0]);
        assertThat(extract.status()).as(extract.text()).isEqualTo(202);
        assertThat(extract.json().path("extraction").asText()).isEqualTo("pending");
        FlowtrapSystem.Response retrieve = awaitRetrieve(job);
        assertThat(retrieve.status()).as(retrieve.text()).isEqualTo(200);
        assertThat(system.get(CHAIN + job + "/status/", system.analystToken).json().path("status").asText()).isEqualTo("available");
        byte[] pcap = system.get(CHAIN + job + "/download/", system.analystToken).body();
        assertThat(pcap.length).isEqualTo(retrieve.json().path("size").asInt());
        Path alert = Files.writeString(dir.resolve("alert.json"), hit.toString());
        Path carved = dir.resolve("carved.pcap");
        FlowtrapSystem.Run r = FlowtrapSystem.run(List.of(FlowtrapSystem.REPO.resolve("ops/bin/flowtrap-probe").toString(),
                "extract", "--store", system.store.toString(), "--alert", alert.toString(), "--out", carved.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(pcap).isEqualTo(Files.readAllBytes(carved));
    }

    @Test
    void aCarveThatFailsInTheBackgroundIsReportedByStatusAndRetrieve() throws Exception {
        ObjectNode elsewhere = system.get("/rest/rules/es/alerts_tail/?page_size=1", system.analystToken).json()
                .path("results").get(0).deepCopy();
        elsewhere.remove("_id");
        elsewhere.put("community_id", "1:AAAAAAAAAAAAAAAAAAAAAAAAAAA="); // a flow this probe never saw
        String job = upload(elsewhere).json().path("filename").asText();
        assertThat(system.post(CHAIN + job + "/extract_pcap/?host=" + FlowtrapSystem.PROBE, system.analystToken,
                "application/json", new byte[0]).status()).isIn(202, 404);
        FlowtrapSystem.Response retrieve = awaitRetrieve(job);
        assertThat(retrieve.status()).as(retrieve.text()).isEqualTo(404);
        assertThat(retrieve.json().path("error").asText()).isEqualTo("flow not in the store");
        assertThat(system.get(CHAIN + job + "/status/", system.analystToken).json().path("status").asText()).isEqualTo("failed");
    }

    /** Retrieves until the carve has ended (409 meanwhile); the first other answer. */
    private static FlowtrapSystem.Response awaitRetrieve(String job) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            FlowtrapSystem.Response r = system.get(CHAIN + job + "/retrieve/?host=" + FlowtrapSystem.PROBE, system.analystToken);
            if (r.status() != 409 || System.nanoTime() > deadline) {
                return r;
            }
            assertThat(r.json().path("error").asText()).isEqualTo("extraction in progress");
            // pending while it carves; the carve may end between the two calls
            assertThat(system.get(CHAIN + job + "/status/", system.analystToken).json().path("status").asText())
                    .isIn("pending", "available", "failed");
            Thread.sleep(20);
        }
    }

    private static FlowtrapSystem.Response upload(JsonNode alert) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"myalert.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(alert.toString().getBytes(StandardCharsets.UTF_8));
        body.writeBytes("\r\n--b--\r\n".getBytes(StandardCharsets.US_ASCII));
        FlowtrapSystem.Response r = system.post(CHAIN + "upload/?host=" + FlowtrapSystem.PROBE, system.analystToken,
                "multipart/form-data; boundary=b", body.toByteArray());
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r;
    }
}
