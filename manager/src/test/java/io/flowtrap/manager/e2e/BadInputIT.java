package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every bad request the REST chain can get, each answered with its status and a JSON
 * {@code {"error", "detail"}} body, and none of them writing anything outside the job area.
 */
@Tag("hostile-input")
class BadInputIT {
    private static final DateTimeFormatter SURICATA = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxx");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAIN = "/rest/rules/filestore_pcap/";
    private static Path dir;
    private static FlowtrapSystem system;
    private static JsonNode hit;
    private static ServerSocket silentProbe;
    private static final List<Socket> held = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-badinput-it");
        Path pcap = FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap");
        Path eve = FlowtrapSystem.REPO.resolve("ops/demo-data/demo-eve.json");
        // a probe that is down (nothing listens) and one that accepts connections but never answers
        int downPort = FlowtrapSystem.freePort();
        silentProbe = new ServerSocket(0);
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
        system = new FlowtrapSystem(dir, pcap, eve, List.of(
                "--flowtrap.probe-timeout=2s",
                "--flowtrap.ingest.max-body=4MB",
                "--flowtrap.probes[1].name=sensor-down",
                "--flowtrap.probes[1].url=https://127.0.0.1:" + downPort,
                "--flowtrap.probes[1].token-file=" + dir.resolve("probe-api.token"),
                "--flowtrap.probes[2].name=sensor-silent",
                "--flowtrap.probes[2].url=https://127.0.0.1:" + silentProbe.getLocalPort(),
                "--flowtrap.probes[2].token-file=" + dir.resolve("probe-api.token")));
        system.awaitIndexed(system.recordedAlerts().size(), Duration.ofSeconds(60));
        JsonNode firstPage = system.get("/rest/rules/es/alerts_tail/?page_size=1", system.analystToken).json();
        assertThat(firstPage.path("next").isTextual()).as("a second page in %s", firstPage).isTrue();
        assertThat(DocumentSchema.of(Document.ALERTS_PAGE).validate(firstPage)).isEmpty();
        hit = firstPage.path("results").get(0);
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
    void aMissingOrBadTokenIs401WithTheTokenChallenge() throws Exception {
        for (String path : List.of("/rest/rules/es/alerts_tail/", CHAIN + "abc/status/", CHAIN + "abc/download/",
                CHAIN + "abc/retrieve/?host=sensor-1")) {
            assertThat(FlowtrapSystem.expectError(system.get(path, null), 401).path("error").asText()).isEqualTo("authentication required");
            assertThat(FlowtrapSystem.expectError(system.get(path, "0000000000000000000000000000000000000000"), 401).path("error").asText())
                    .isEqualTo("invalid token");
            assertThat(FlowtrapSystem.expectError(system.get(path, "Bearer x"), 401).path("error").asText()).isEqualTo("invalid token");
            assertThat(system.get(path, null).header("WWW-Authenticate")).isEqualTo("Token");
        }
        FlowtrapSystem.expectError(system.post(CHAIN + "upload/?host=sensor-1", null, "application/json", new byte[0]), 401);
        // the open reachability check
        assertThat(system.get("/rest", null).status()).isEqualTo(200);
        assertThat(DocumentSchema.of(Document.REST_ROOT).validate(system.get("/rest", null).json())).isEmpty();
    }

    @Test
    void aRevokedTokenIs401() throws Exception {
        var tokens = system.tokens();
        var created = tokens.create(io.flowtrap.manager.users.Role.ANALYST, null, "to revoke");
        assertThat(system.get("/rest/rules/es/alerts_tail/", created.key()).status()).isEqualTo(200);
        assertThat(tokens.revoke(created.entry().id())).isTrue();
        FlowtrapSystem.expectError(system.get("/rest/rules/es/alerts_tail/", created.key()), 401);
    }

    @Test
    void aKeyWithoutTheRoleIs403() throws Exception {
        FlowtrapSystem.expectError(system.get("/rest/appliances/", system.analystToken), 403);
        FlowtrapSystem.expectError(system.get("/rest/rules/es/alerts_tail/", system.probeToken), 403);
        FlowtrapSystem.expectError(system.post("/api/ingest/events", system.analystToken, "application/x-ndjson", new byte[0]), 403);
        FlowtrapSystem.Response admin = system.get("/rest/appliances/", system.adminToken);
        assertThat(admin.status()).isEqualTo(200);
        assertThat(admin.json().get(0).path("store").path("packets").asLong()).isPositive();
        assertThat(admin.json().get(1).path("reachable").asBoolean()).isFalse();
        assertThat(DocumentSchema.of(Document.APPLIANCES_ANSWER).validate(admin.json())).isEmpty();
    }

    @Test
    void uploadsThatAreNoValidAlertAre400() throws Exception {
        FlowtrapSystem.expectError(upload("{\"timestamp\": ".getBytes(StandardCharsets.UTF_8)), 400); // malformed JSON
        FlowtrapSystem.expectError(upload("[1, 2]".getBytes(StandardCharsets.UTF_8)), 400); // not an object
        FlowtrapSystem.expectError(upload("{\"hello\": \"world\"}".getBytes(StandardCharsets.UTF_8)), 400); // JSON that is no alert
        ObjectNode flowEvent = hit.deepCopy();
        flowEvent.put("event_type", "flow");
        FlowtrapSystem.expectError(upload(flowEvent), 400);
        ObjectNode noIdentity = hit.deepCopy();
        noIdentity.remove(List.of("src_ip", "dest_ip", "community_id"));
        FlowtrapSystem.expectError(upload(noIdentity), 400);
        ObjectNode wrongTypes = hit.deepCopy();
        ((ObjectNode) wrongTypes.path("alert")).put("signature_id", "2029743");
        wrongTypes.put("src_port", "http");
        assertThat(FlowtrapSystem.expectError(upload(wrongTypes), 400).path("detail").asText()).contains("signature_id", "src_port");
        FlowtrapSystem.expectError(system.post(CHAIN + "upload/?host=sensor-1", system.analystToken, "multipart/form-data; boundary=x",
                "--x--\r\n".getBytes(StandardCharsets.UTF_8)), 400); // no file part
    }

    @Test
    void anUploadOf100MegabytesIs413() throws Exception {
        byte[] big = new byte[100 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');
        big[0] = '{';
        big[big.length - 1] = '}';
        FlowtrapSystem.expectError(upload(big), 413);
    }

    @Test
    void anUnknownOrMissingProbeIsAClearError() throws Exception {
        assertThat(FlowtrapSystem.expectError(uploadTo("sensor-9", hit.toString().getBytes(StandardCharsets.UTF_8)), 404)
                .path("detail").asText()).contains("sensor-9", "sensor-1");
        ObjectNode noHost = hit.deepCopy();
        noHost.remove("host");
        FlowtrapSystem.expectError(system.post(CHAIN + "upload/", system.analystToken, multipartType(), FlowtrapSystem.multipart(
                noHost.toString().getBytes(StandardCharsets.UTF_8))), 400);
    }

    @Test
    void jobNamesThatArePathsAre400AndTouchNothing() throws Exception {
        Path sentinel = Files.writeString(dir.resolve("sentinel.txt"), "untouched");
        FileTime passwd = Files.getLastModifiedTime(Path.of("/etc/passwd"));
        long jobsBefore = jobCount();
        List<String> hostile = List.of("..", "..%2F..%2Fsentinel.txt", "%2e%2e", "%2E%2E%2Fsentinel.txt",
                "a%2Fb", "%00", "a%00b", "%2Fetc%2Fpasswd", "..%5C..%5Csentinel.txt", "x".repeat(200));
        for (String name : hostile) {
            for (String step : List.of("status/", "download/", "retrieve/?host=sensor-1")) {
                FlowtrapSystem.expectError(system.get(CHAIN + name + "/" + step, system.analystToken), 400);
            }
            FlowtrapSystem.expectError(system.post(CHAIN + name + "/extract_pcap/?host=sensor-1", system.analystToken,
                    "application/json", new byte[0]), 400);
        }
        for (String raw : List.of("/rest/rules/filestore_pcap/../../sentinel.txt/download/",
                "/rest/rules/filestore_pcap//etc/passwd/download/")) {
            FlowtrapSystem.expectError(system.get(raw, system.analystToken), 400);
        }
        for (String id : List.of("../../sentinel", "/etc/passwd", "a/b", "a\u0000b", "..")) {
            ObjectNode alert = hit.deepCopy();
            alert.put("_id", id);
            FlowtrapSystem.expectError(upload(alert), 400);
        }
        assertThat(Files.readString(sentinel)).isEqualTo("untouched");
        assertThat(Files.getLastModifiedTime(Path.of("/etc/passwd"))).isEqualTo(passwd);
        assertThat(jobCount()).isEqualTo(jobsBefore);
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("passwd") || n.equals("b"));
        }
    }

    @Test
    void stepsOnUnknownJobsAre404AndOutOfOrderAre409() throws Exception {
        String unknown = "0123456789abcdef0123456789abcdef";
        FlowtrapSystem.expectError(system.post(CHAIN + unknown + "/extract_pcap/?host=sensor-1", system.analystToken, "application/json", new byte[0]), 404);
        FlowtrapSystem.expectError(system.get(CHAIN + unknown + "/retrieve/?host=sensor-1", system.analystToken), 404);
        FlowtrapSystem.expectError(system.get(CHAIN + unknown + "/download/", system.analystToken), 404);
        JsonNode unknownStatus = FlowtrapSystem.expectError(system.get(CHAIN + unknown + "/status/", system.analystToken), 404);
        assertThat(unknownStatus.path("status").asText()).isEqualTo("unknown");
        assertThat(DocumentSchema.of(Document.STATUS_ANSWER).validate(unknownStatus)).isEmpty();
        String job = upload(hit).json().path("filename").asText();
        FlowtrapSystem.expectError(system.get(CHAIN + job + "/retrieve/?host=sensor-1", system.analystToken), 409);
        FlowtrapSystem.expectError(system.get(CHAIN + job + "/download/", system.analystToken), 409);
        assertThat(system.post(CHAIN + job + "/extract_pcap/?host=sensor-1", system.analystToken, "application/json",
                new byte[0]).status()).isEqualTo(200);
        FlowtrapSystem.expectError(system.get(CHAIN + job + "/download/", system.analystToken), 409);
    }

    @Test
    void anAlertWithoutCommunityIdIsExtractedByItsTuple() throws Exception {
        // Suricata leaves community_id out of some live alerts; the tuple names the same flow
        ObjectNode withIt = hit.deepCopy();
        withIt.remove("_id");
        ObjectNode noCommunityId = withIt.deepCopy();
        noCommunityId.remove("community_id");
        long[] packets = new long[2];
        int i = 0;
        for (ObjectNode alert : List.of(withIt, noCommunityId)) {
            FlowtrapSystem.Response uploaded = upload(alert);
            assertThat(uploaded.status()).as(uploaded.text()).isEqualTo(200);
            String job = uploaded.json().path("filename").asText();
            FlowtrapSystem.Response extracted = system.post(CHAIN + job + "/extract_pcap/?host=sensor-1", system.analystToken,
                    "application/json", new byte[0]);
            assertThat(extracted.status()).as(extracted.text()).isEqualTo(200);
            assertThat(extracted.json().path("extraction").asText()).isEqualTo("done");
            packets[i++] = extracted.json().path("packets").asLong();
        }
        assertThat(packets[1]).as("the same flow as with its community_id").isEqualTo(packets[0]).isPositive();
    }

    @Test
    void aProbeThatIsDownIs502AndOneThatDoesNotAnswerIs504() throws Exception {
        String job = upload(hit).json().path("filename").asText();
        FlowtrapSystem.expectError(system.post(CHAIN + job + "/extract_pcap/?host=sensor-down", system.analystToken, "application/json", new byte[0]), 502);
        FlowtrapSystem.expectError(system.post(CHAIN + job + "/extract_pcap/?host=sensor-silent", system.analystToken, "application/json", new byte[0]), 504);
    }

    @Test
    void anIngestBatchIndexesItsGoodAlertsAndReportsEachBadLine() throws Exception {
        ObjectNode good = hit.deepCopy();
        good.remove("_id");
        good.put("flow_id", 777_000_001L);
        ObjectNode objectField = good.deepCopy();
        objectField.put("flow_id", 777_000_002L);
        objectField.putObject("x_bench_field").put("a", 1);
        ObjectNode clashingField = good.deepCopy(); // x_bench_field is an object now: Elasticsearch refuses a number
        clashingField.put("flow_id", 777_000_003L);
        clashingField.put("x_bench_field", 5);
        ObjectNode noSignature = good.deepCopy();
        ((ObjectNode) noSignature.path("alert")).remove("signature_id");
        // dates that pass the schema's pattern but name no real time: once a poison pill for the whole batch
        ObjectNode noSuchDay = good.deepCopy();
        noSuchDay.put("flow_id", 777_000_004L);
        noSuchDay.put("timestamp", "2026-02-30T10:00:00Z");
        ObjectNode noSuchHour = good.deepCopy();
        noSuchHour.put("flow_id", 777_000_005L);
        noSuchHour.put("timestamp", "2026-11-22T24:00:00.000000+0000");
        ObjectNode afterThem = good.deepCopy();
        afterThem.put("flow_id", 777_000_006L);
        String batch = String.join("\n",
                envelope(good), "", "{not json", envelope(objectField), envelope(noSignature),
                "{\"kind\":\"alert\",\"probe\":\"../x\",\"event\":" + good + "}", envelope(clashingField),
                envelope(noSuchDay), envelope(noSuchHour), envelope(afterThem), "");
        for (JsonNode valid : List.of(good, objectField, clashingField, noSuchDay, noSuchHour)) {
            assertThat(DocumentSchema.of(Document.INGEST_EVENT).validate(JSON.readTree(envelope(valid)))).isEmpty();
        }
        assertThat(DocumentSchema.of(Document.INGEST_EVENT).validate(JSON.readTree(envelope(noSignature))))
                .containsExactly("$.event.alert: required property 'signature_id' not found");
        FlowtrapSystem.Response r = system.post("/api/ingest/events", system.probeKeyFor("sensor-batch"), "application/x-ndjson",
                batch.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        JsonNode report = r.json();
        assertThat(DocumentSchema.of(Document.INGEST_REPORT).validate(report)).as(r.text()).isEmpty();
        assertThat(report.path("received").asInt()).isEqualTo(9);
        assertThat(report.path("indexed").asInt()).as("good, objectField, clashingField (its field unindexed) and the alert after the bad dates")
                .isEqualTo(4);
        List<Integer> lines = new ArrayList<>();
        report.path("rejected").forEach(n -> lines.add(n.path("line").asInt()));
        assertThat(lines).as("physical line numbers, the blank line counted").containsExactlyInAnyOrder(3, 5, 6, 8, 9);
        assertThat(report.path("unindexed").toString()).isEqualTo("[{\"line\":7,\"fields\":[\"x_bench_field\"]}]");
        assertThat(report.path("rejected").toString()).contains("not JSON", "signature_id", "$.probe: does not match",
                "timestamp '2026-02-30T10:00:00Z' is not a real date and time",
                "timestamp '2026-11-22T24:00:00.000000+0000' is not a real date and time");
    }

    @Test
    void aProbeKeyDeliversForItsOwnProbeOnlyAndAnUnboundOneForNone() throws Exception {
        ObjectNode alert = hit.deepCopy();
        alert.remove("_id");
        alert.put("flow_id", 777_000_101L);
        String own = "{\"kind\":\"alert\",\"probe\":\"sensor-own\",\"event\":" + alert + "}";
        String other = "{\"kind\":\"alert\",\"probe\":\"sensor-other\",\"event\":" + alert + "}";
        String key = system.probeKeyFor("sensor-own");
        FlowtrapSystem.Response r = system.post("/api/ingest/events", key, "application/x-ndjson",
                (own + "\n" + other + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().path("indexed").asInt()).isEqualTo(1);
        assertThat(r.json().path("rejected").get(0).path("line").asInt()).isEqualTo(2);
        assertThat(r.json().path("rejected").get(0).path("error").asText())
                .isEqualTo("this key delivers events of probe 'sensor-own' only, not of 'sensor-other'");
        FlowtrapSystem.Response admin = system.post("/api/ingest/events", system.adminToken, "application/x-ndjson",
                (other + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(admin.json().path("indexed").asInt()).as("an admin key delivers for any probe: " + admin.text()).isEqualTo(1);

        // a probe key from before keys were bound to probes, as the import of an old tokens.json stores it
        String unbound = io.flowtrap.api.auth.ApiToken.generate();
        String keysIndex = system.indexPrefix.replace("-alerts-", "-state-") + "keys";
        assertThat(system.elasticsearch.request("PUT", "/" + keysIndex + "/_doc/tk-00000000dead?refresh=true",
                JSON.createObjectNode().put("id", "tk-00000000dead").put("sha256", io.flowtrap.api.auth.ApiToken.hash(unbound))
                        .put("role", "PROBE").put("label", "old").put("created_ms", 1_761_955_200_000L).toString()).status())
                .isEqualTo(201);
        system.tokens().reload(); // what the manager does every flowtrap.keys.reload, not waited for here
        JsonNode refused = FlowtrapSystem.expectError(system.post("/api/ingest/events", unbound, "application/x-ndjson",
                (own + "\n").getBytes(StandardCharsets.UTF_8)), 403);
        assertThat(refused.path("detail").asText()).contains("names no probe", "--role probe --probe NAME");
    }

    @Test
    void anIngestBatchRefusesOverlongLinesAndAlertsOutsideItsWindowOnTheirOwnAndAnOverlongBodyWhole() throws Exception {
        ObjectNode good = hit.deepCopy();
        good.remove("_id");
        good.put("flow_id", 777_000_201L);
        ObjectNode huge = good.deepCopy();
        huge.put("flow_id", 777_000_202L);
        huge.put("payload_printable", "x".repeat(1_100_000)); // valid, but past the 1 MB line bound
        ObjectNode old = good.deepCopy();
        old.put("flow_id", 777_000_203L);
        old.put("timestamp", "2023-11-14T22:13:20.016584+0000"); // would make a 2023 index
        ObjectNode future = good.deepCopy();
        future.put("flow_id", 777_000_204L);
        future.put("timestamp", OffsetDateTime.now(ZoneOffset.UTC).plusDays(3).format(SURICATA));
        ObjectNode after = good.deepCopy();
        after.put("flow_id", 777_000_205L);
        String key = system.probeKeyFor("sensor-batch");
        String batch = String.join("\n", envelope(good), envelope(huge), envelope(old), envelope(future), envelope(after), "");
        FlowtrapSystem.Response r = system.post("/api/ingest/events", key, "application/x-ndjson",
                batch.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        JsonNode report = r.json();
        assertThat(DocumentSchema.of(Document.INGEST_REPORT).validate(report)).as(r.text()).isEmpty();
        assertThat(report.path("received").asInt()).isEqualTo(5);
        assertThat(report.path("indexed").asInt()).isEqualTo(2);
        assertThat(report.path("rejected")).extracting(n -> n.path("line").asInt()).containsExactly(2, 3, 4);
        assertThat(report.path("rejected").get(0).path("error").asText()).isEqualTo("line longer than 1048576 bytes");
        assertThat(report.path("rejected").get(1).path("error").asText()).startsWith("stamped 2023-11-14T22:13:20.016584Z, outside");
        assertThat(report.path("rejected").get(2).path("error").asText()).contains("outside what is taken now");
        String indices = system.elasticsearch.request("GET", "/_cat/indices/" + system.indexPrefix + "*?h=index", null).body();
        assertThat(indices).as("no index for the refused dates").doesNotContain("2023.11.14");

        byte[] tooLarge = (envelope(good) + "\n").repeat(5 * 1024 * 1024 / envelope(good).length() + 1).getBytes(StandardCharsets.UTF_8);
        assertThat(tooLarge.length).isGreaterThan(4 * 1024 * 1024);
        JsonNode refused = FlowtrapSystem.expectError(system.post("/api/ingest/events", key, "application/x-ndjson", tooLarge), 413);
        assertThat(refused.path("detail").asText()).contains("larger than 4194304 bytes", "nothing of it was taken");
    }

    private static String envelope(JsonNode alert) {
        return "{\"kind\":\"alert\",\"probe\":\"sensor-batch\",\"event\":" + alert + "}";
    }

    @Test
    void aQueryThatDoesNotParseIs400() throws Exception {
        FlowtrapSystem.expectError(system.get("/rest/rules/es/alerts_tail/?qfilter=src_ip:10.0.0.0/8", system.analystToken), 400);
        FlowtrapSystem.expectError(system.get("/rest/rules/es/alerts_tail/?page=0", system.analystToken), 400);
        FlowtrapSystem.expectError(system.get("/rest/rules/es/alerts_tail/?from_date=abc", system.analystToken), 400);
        FlowtrapSystem.Response quoted = system.get("/rest/rules/es/alerts_tail/?qfilter=src_ip:%2210.0.0.0/8%22", system.analystToken);
        assertThat(quoted.status()).isEqualTo(200);
        assertThat(DocumentSchema.of(Document.ALERTS_PAGE).validate(quoted.json())).as(quoted.text()).isEmpty();
    }

    private static long jobCount() throws Exception {
        try (Stream<Path> jobs = Files.list(dir.resolve("manager/jobs"))) {
            return jobs.count();
        }
    }

    private static FlowtrapSystem.Response upload(JsonNode alert) throws Exception {
        return upload(alert.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static FlowtrapSystem.Response upload(byte[] content) throws Exception {
        return uploadTo(FlowtrapSystem.PROBE, content);
    }

    private static FlowtrapSystem.Response uploadTo(String host, byte[] content) throws Exception {
        return system.post(CHAIN + "upload/?host=" + host, system.analystToken, multipartType(), FlowtrapSystem.multipart(content));
    }

    private static String multipartType() {
        return "multipart/form-data; boundary=flowtrapboundary";
    }


}
