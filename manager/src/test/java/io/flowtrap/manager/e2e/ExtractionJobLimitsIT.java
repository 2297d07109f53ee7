package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.extraction.ExtractionJobs;
import io.flowtrap.manager.extraction.Extractions;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile input (issue 8, item 8), the whole system real: extraction job directories go after their
 * retention; extractions beyond the bound are refused with 503, {@code Retry-After} and the JSON
 * error; a carve announced larger than the manager stores is refused (413) before a byte is stored;
 * the download cache stays within its quota, the oldest pcap evicted first and counted. The
 * results of kind {@code extraction} follow: an evicted pcap's says it expired and hands nothing
 * over (410), a job gone by its retention takes its result and its tags with it.
 */
@Tag("hostile-input")
class ExtractionJobLimitsIT {
    private static final String CHAIN = "/rest/rules/filestore_pcap/";
    private static final long QUOTA = 2_000;
    private static final Duration RETENTION = Duration.ofSeconds(8);
    private static Path dir;
    private static FlowtrapSystem system;
    private static JsonNode hits;
    private static ServerSocket silentProbe;
    private static final List<Socket> held = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-jobs-it");
        silentProbe = new ServerSocket(0); // accepts and never answers: a carve on it stays in flight
        Thread acceptor = new Thread(() -> {
            while (!silentProbe.isClosed()) {
                try {
                    held.add(silentProbe.accept());
                } catch (java.io.IOException e) {
                    return;
                }
            }
        }, "silent-probe");
        acceptor.setDaemon(true);
        acceptor.start();
        system = new FlowtrapSystem(dir, FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap"),
                FlowtrapSystem.REPO.resolve("ops/demo-data/demo-eve.json"), List.of(
                        "--flowtrap.jobs.retention=" + RETENTION.toSeconds() + "s",
                        "--flowtrap.expiry-sweep-interval=200ms",
                        "--flowtrap.jobs.concurrent-extractions=1",
                        "--flowtrap.jobs.queued-extractions=0",
                        "--flowtrap.jobs.retry-after=7s",
                        "--flowtrap.jobs.cache-quota=" + QUOTA + "B",
                        "--flowtrap.extraction-wait=1s",
                        "--flowtrap.probe-timeout=60s",
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



    private static Path jobDir(String job) {
        return dir.resolve("manager/jobs").resolve(job);
    }

    /** The size of the pcap a carve makes: the file header, then a record header and the bytes of each packet. */
    private static long pcapSize(JsonNode extracted) {
        return 24 + 16 * extracted.path("packets").asLong() + extracted.path("bytes").asLong();
    }

    /** A job through upload, extract_pcap and retrieve whose pcap fits the quota (an alert from the end of the list). */
    private static String retrievedJob() throws Exception {
        for (int i = hits.size() - 1; i >= 0; i--) {
            String job = upload(hits.get(i), FlowtrapSystem.PROBE);
            FlowtrapSystem.Response extracted = extract(job, FlowtrapSystem.PROBE);
            assertThat(extracted.status()).as(extracted.text()).isEqualTo(200);
            if (pcapSize(extracted.json()) <= QUOTA) {
                FlowtrapSystem.Response retrieved = system.get(CHAIN + job + "/retrieve/", system.analystToken);
                assertThat(retrieved.status()).as(retrieved.text()).isEqualTo(200);
                return job;
            }
        }
        throw new AssertionError("no alert's carve fits " + QUOTA + " bytes");
    }

    @Test
    void hostileInputAJobDirectoryIsDeletedAfterItsRetentionAndTheJobIsThenUnknown() throws Exception {
        ExtractionJobs jobs = system.managerBean(ExtractionJobs.class);
        long deletedBefore = jobs.deletedJobs();
        String job = upload(hits.get(0), FlowtrapSystem.PROBE);
        assertThat(jobDir(job)).isDirectory();
        long uploaded = System.nanoTime();
        // a retrieved one is a result, tagged
        String result = retrievedJob();
        FlowtrapSystem.Response tagged = system.send("PATCH", "/rest/results/extraction/" + result + "/", system.analystToken,
                "{\"tags\": [\"retention-" + result + "\"]}");
        assertThat(tagged.status()).as(tagged.text()).isEqualTo(200);
        Path labels = dir.resolve("manager/results/labels.json");
        assertThat(Files.readString(labels)).contains("extraction/" + result);
        long deadline = uploaded + RETENTION.plusSeconds(30).toNanos();
        while (Files.exists(jobDir(job))) { // the sweep's work, seen in the job area
            assertThat(System.nanoTime()).as("job directory deleted by the sweep").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(System.nanoTime() - uploaded).as("not before its retention").isGreaterThanOrEqualTo(RETENTION.toNanos());
        assertThat(jobs.deletedJobs()).isGreaterThan(deletedBefore);
        FlowtrapSystem.Response status = system.get(CHAIN + job + "/status/", system.analystToken);
        assertThat(status.status()).as(status.text()).isEqualTo(404);
        assertThat(status.json().path("status").asText()).isEqualTo("unknown");

        while (Files.exists(jobDir(result)) || Files.readString(labels).contains("extraction/" + result)) { // its labels go with it
            assertThat(System.nanoTime()).as("job %s and its labels deleted by the sweep", result).isLessThan(deadline);
            Thread.sleep(100);
        }
        FlowtrapSystem.expectError(system.get("/rest/results/extraction/" + result + "/", system.analystToken), 404);
        assertThat(system.get("/rest/results/?tag=retention-" + result, system.analystToken).json().path("count").asLong()).isZero();
    }

    @Test
    void hostileInputAnExtractionBeyondTheBoundIs503WithRetryAfterAndTheJsonErrorAndGoesThroughOnceThereIsRoom() throws Exception {
        Extractions extractions = system.managerBean(Extractions.class);
        String stuck = upload(hits.get(1), "sensor-silent");
        FlowtrapSystem.Response pending = extract(stuck, "sensor-silent");
        assertThat(pending.status()).as("the carve goes on behind a 202: " + pending.text()).isEqualTo(202);
        assertThat(extractions.carving(stuck)).isTrue();

        String next = upload(hits.get(2), FlowtrapSystem.PROBE);
        long refusedBefore = extractions.refusedBusy();
        FlowtrapSystem.Response busy = extract(next, FlowtrapSystem.PROBE);
        JsonNode error = FlowtrapSystem.expectError(busy, 503);
        assertThat(busy.header("Retry-After")).isEqualTo("7");
        assertThat(error.path("error").asText()).isEqualTo("too many extractions");
        assertThat(error.path("detail").asText()).contains("flowtrap.jobs.concurrent-extractions");
        assertThat(extractions.refusedBusy()).isEqualTo(refusedBefore + 1);

        for (Socket s : held) {
            s.close(); // the silent probe hangs up: its carve fails and frees the slot
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (extractions.carving(stuck)) {
            assertThat(System.nanoTime()).as("the stuck carve ends").isLessThan(deadline);
            Thread.sleep(50);
        }
        FlowtrapSystem.Response done = extract(next, FlowtrapSystem.PROBE);
        assertThat(done.status()).as(done.text()).isEqualTo(200);
        assertThat(done.json().path("extraction").asText()).isEqualTo("done");
    }

    @Test
    void hostileInputACarveOverTheCapIsRefusedBeforeItIsStoredAndTheCacheKeepsItsQuotaOldestFirst() throws Exception {
        ExtractionJobs jobs = system.managerBean(ExtractionJobs.class);
        // carves of known size: two that fit the quota alone but not together, one larger than it
        List<String> fitting = new ArrayList<>();
        String tooLarge = null;
        long tooLargeSize = 0;
        for (JsonNode hit : hits) {
            if (fitting.size() == 2 && tooLarge != null) {
                break;
            }
            String job = upload(hit, FlowtrapSystem.PROBE);
            FlowtrapSystem.Response extracted = extract(job, FlowtrapSystem.PROBE);
            assertThat(extracted.status()).as(extracted.text()).isEqualTo(200);
            long size = pcapSize(extracted.json());
            if (size > QUOTA && tooLarge == null) {
                tooLarge = job;
                tooLargeSize = size;
            } else if (size > QUOTA / 2 && size <= QUOTA && fitting.size() < 2) {
                fitting.add(job);
            }
        }
        assertThat(fitting).hasSize(2);
        assertThat(tooLarge).isNotNull();

        JsonNode refused = FlowtrapSystem.expectError(system.get(CHAIN + tooLarge + "/retrieve/?host=" + FlowtrapSystem.PROBE,
                system.analystToken), 413);
        assertThat(refused.path("error").asText()).isEqualTo("carve too large");
        assertThat(refused.path("detail").asText()).contains(Long.toString(tooLargeSize), "flowtrap.jobs.cache-quota");
        try (Stream<Path> files = Files.list(jobDir(tooLarge))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).as("nothing stored")
                    .containsExactlyInAnyOrder("alert.json", "job.json");
        }

        long evictedBefore = jobs.evictedPcaps();
        String first = fitting.get(0);
        String second = fitting.get(1);
        FlowtrapSystem.Response r1 = system.get(CHAIN + first + "/retrieve/?host=" + FlowtrapSystem.PROBE, system.analystToken);
        assertThat(r1.status()).as(r1.text()).isEqualTo(200);
        assertThat(system.get(CHAIN + first + "/status/", system.analystToken).json().path("status").asText()).isEqualTo("available");
        FlowtrapSystem.Response r2 = system.get(CHAIN + second + "/retrieve/?host=" + FlowtrapSystem.PROBE, system.analystToken);
        assertThat(r2.status()).as(r2.text()).isEqualTo(200);
        assertThat(r1.json().path("size").asLong() + r2.json().path("size").asLong()).isGreaterThan(QUOTA);

        assertThat(jobs.evictedPcaps()).as("the older pcap evicted, and counted").isEqualTo(evictedBefore + 1);
        assertThat(system.get(CHAIN + first + "/status/", system.analystToken).json().path("status").asText()).isEqualTo("expired");
        FlowtrapSystem.expectError(system.get(CHAIN + first + "/download/", system.analystToken), 410);
        assertThat(jobDir(first).resolve("flow.pcap")).doesNotExist();
        // its result stays, saying so, and hands nothing over
        JsonNode expired = system.get("/rest/results/extraction/" + first + "/", system.analystToken).json();
        assertThat(DocumentSchema.of(Document.RESULT).validate(expired)).isEmpty();
        assertThat(expired.path("expired").asText()).isNotBlank();
        assertThat(expired.has("download")).isFalse();
        assertThat(expired.path("message").asText()).contains("expired", "flowtrap.jobs.cache-quota");
        JsonNode gone = FlowtrapSystem.expectError(system.get("/rest/results/extraction/" + first + "/download/", system.analystToken),
                410);
        assertThat(gone.path("error").asText()).isEqualTo("result gone");
        assertThat(gone.path("detail").asText()).startsWith("extraction " + first + ": its pcap expired at ");
        JsonNode goneInput = FlowtrapSystem.expectError(system.post("/rest/filters/", system.analystToken, "application/json",
                ("{\"input\": {\"kind\": \"extraction\", \"id\": \"" + first + "\"}, \"filter\": \"tcp\"}").getBytes(StandardCharsets.UTF_8)),
                410);
        assertThat(goneInput.path("detail").asText()).as("a merge's or filter's input says the same").isEqualTo(gone.path("detail").asText());
        JsonNode kept = system.get("/rest/results/extraction/" + second + "/", system.analystToken).json();
        assertThat(kept.has("expired")).isFalse();
        assertThat(kept.path("download").asText()).isEqualTo("/rest/results/extraction/" + second + "/download/");
        assertThat(system.get(CHAIN + second + "/status/", system.analystToken).json().path("status").asText())
                .isEqualTo("available");
        FlowtrapSystem.Response download = system.get(CHAIN + second + "/download/", system.analystToken);
        assertThat(download.status()).isEqualTo(200);
        assertThat((long) download.body().length).isEqualTo(r2.json().path("size").asLong()).isLessThanOrEqualTo(QUOTA);
    }
}
