package io.flowtrap.api.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.api.tls.PemTls;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FlowtrapClient} against {@link ManagerStandIn}, a real HTTP server answering as the manager answers. */
class FlowtrapClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "7408a4b978abdc03ee39e1fea419512e5734f51e";
    private static final String JOB = "91d04be7c2a35f1e08b6d4a7c9e2f30b51a8d6e4";
    private static final String CHAIN = "/rest/rules/filestore_pcap/";
    private static final String HIT = """
            {"timestamp": "2023-11-14T22:13:20.029727+0000", "flow_id": 127680346174622, "pcap_cnt": 28,
             "event_type": "alert", "src_ip": "2001:0db8:0001:0000:0000:0000:0000:0001",
             "dest_ip": "2001:0db8:0002:0000:0000:0000:0000:0001", "proto": "IPv6-ICMP", "icmp_type": 128, "icmp_code": 0,
             "pkt_src": "wire/pcap", "community_id": "1:kP/tcmAzDr/1An7UcFx3GAi4VdA=",
             "alert": {"action": "allowed", "gid": 1, "signature_id": 9100005, "rev": 1,
                       "signature": "flowtrap marker in ICMP", "category": "", "severity": 3},
             "direction": "to_server",
             "flow": {"pkts_toserver": 1, "pkts_toclient": 0, "bytes_toserver": 110, "bytes_toclient": 0,
                      "start": "2023-11-14T22:13:20.029727+0000", "src_ip": "2001:0db8:0001:0000:0000:0000:0000:0001",
                      "dest_ip": "2001:0db8:0002:0000:0000:0000:0000:0001"},
             "host": "sensor-1", "_id": "%s"}""".formatted(JOB);
    private static final String UNAUTHORIZED = "{\"error\": \"authentication required\", \"detail\": \"send Authorization: Token <key>\"}";

    @TempDir
    Path tmp;

    private ManagerStandIn manager;
    private FlowtrapClient client;

    @BeforeEach
    void start() throws IOException {
        manager = new ManagerStandIn(null);
        client = new FlowtrapClient(manager.uri("http", "127.0.0.1"), KEY, null);
    }

    @AfterEach
    void stop() {
        manager.close();
    }

    @Test
    void alertsTailEncodesTheQueryFilterAndSendsTheToken() throws Exception {
        String page = "{\"count\": 1, \"next\": null, \"previous\": null, \"results\": [" + HIT + "]}";
        manager.json("GET", "/rest/rules/es/alerts_tail/", 200, Document.ALERTS_PAGE, page);
        String qfilter = "alert.signature_id:9100005 AND flow_id:127680346174622";

        JsonNode answer = client.alertsTail(qfilter, 1_700_000_000_000L, 1_700_003_600_000L, 2, 50);

        assertThat(answer.path("count").asLong()).isEqualTo(1);
        assertThat(answer.path("results").get(0).path("_id").asText()).isEqualTo(JOB);
        ManagerStandIn.Seen seen = manager.last();
        assertThat(seen.method()).isEqualTo("GET");
        assertThat(seen.rawPath()).isEqualTo("/rest/rules/es/alerts_tail/");
        assertThat(seen.rawQuery()).isEqualTo("qfilter=alert.signature_id%3A9100005%20AND%20flow_id%3A127680346174622"
                + "&from_date=1700000000000&to_date=1700003600000&page=2&page_size=50");
        assertThat(seen.query()).startsWith("qfilter=" + qfilter + "&");
        assertThat(seen.header("Authorization")).isEqualTo("Token " + KEY);
    }

    @Test
    void alertsTailLeavesOutWhatIsNotGiven() throws Exception {
        manager.json("GET", "/rest/rules/es/alerts_tail/", 200, Document.ALERTS_PAGE,
                "{\"count\": 0, \"next\": null, \"previous\": null, \"results\": []}");

        assertThat(client.alertsTail(null, null, null, 1, 30).path("results").size()).isZero();
        assertThat(manager.last().rawQuery()).isEqualTo("page=1&page_size=30");
    }

    @Test
    void uploadSendsTheAlertAsTheMultipartPartFileAndReturnsTheJob() throws Exception {
        manager.json("POST", CHAIN + "upload/", 200, Document.UPLOAD_ANSWER, "{\"upload\": \"done\", \"filename\": \"" + JOB + "\"}");
        JsonNode alert = JSON.readTree(HIT);

        assertThat(client.upload("sensor-1", alert)).isEqualTo(JOB);

        ManagerStandIn.Seen seen = manager.last();
        assertThat(seen.method()).isEqualTo("POST");
        assertThat(seen.rawQuery()).isEqualTo("host=sensor-1");
        assertThat(seen.header("Authorization")).isEqualTo("Token " + KEY);
        Matcher type = Pattern.compile("multipart/form-data; boundary=([A-Za-z0-9'()+_,./:=?-]{1,70})")
                .matcher(seen.header("Content-Type"));
        assertThat(type.matches()).as(seen.header("Content-Type")).isTrue();
        String delimiter = "--" + type.group(1);
        String body = seen.bodyText();
        assertThat(body).startsWith(delimiter + "\r\n").endsWith("\r\n" + delimiter + "--\r\n");
        String[] parts = body.substring(0, body.length() - (delimiter + "--\r\n").length()).split(Pattern.quote(delimiter + "\r\n"), -1);
        assertThat(parts).as("one part").hasSize(2);
        assertThat(parts[0]).isEmpty();
        String part = parts[1];
        int headersEnd = part.indexOf("\r\n\r\n");
        List<String> headers = List.of(part.substring(0, headersEnd).split("\r\n"));
        assertThat(headers).containsExactlyInAnyOrder(
                "Content-Disposition: form-data; name=\"file\"; filename=\"alert.json\"",
                "Content-Type: application/json");
        String content = part.substring(headersEnd + 4);
        assertThat(content).endsWith("\r\n");
        assertThat(JSON.readTree(content)).isEqualTo(alert);
    }

    @Test
    void uploadWithoutAHostLetsTheManagerTakeTheAlerts() throws Exception {
        manager.json("POST", CHAIN + "upload/", 200, Document.UPLOAD_ANSWER, "{\"upload\": \"done\", \"filename\": \"5b0e6f2a9c8d4e71b3a2c1d0e9f87654\"}");
        ObjectNode flat = (ObjectNode) JSON.readTree(HIT);
        flat.remove("_id");

        assertThat(client.upload(null, flat)).isEqualTo("5b0e6f2a9c8d4e71b3a2c1d0e9f87654");
        assertThat(manager.last().rawQuery()).isNull();
    }

    @Test
    void extractPcapReturnsTheCarve() throws Exception {
        manager.json("POST", CHAIN + JOB + "/extract_pcap/", 200, Document.EXTRACTION_ANSWER, """
                {"extraction": "done", "filename": "%s", "packets": 10, "bytes": 1474,
                 "first_ts": "2023-11-14T22:13:20.045173Z", "last_ts": "2023-11-14T22:13:20.061209Z"}""".formatted(JOB));

        FlowtrapClient.Extraction extraction = client.extractPcap(JOB, "sensor-1");

        assertThat(extraction).isEqualTo(new FlowtrapClient.Extraction(true, JOB, 10, 1474,
                Instant.parse("2023-11-14T22:13:20.045173Z"), Instant.parse("2023-11-14T22:13:20.061209Z"), null));
        assertThat(manager.last().method()).isEqualTo("POST");
        assertThat(manager.last().rawQuery()).isEqualTo("host=sensor-1");
        assertThat(manager.last().body()).isEmpty();
    }

    @Test
    void extractPcapAnswered202IsPending() throws Exception {
        String detail = "probe sensor-1 is still carving; retrieve answers 409 until it is done";
        manager.json("POST", CHAIN + JOB + "/extract_pcap/", 202, Document.EXTRACTION_ANSWER,
                "{\"extraction\": \"pending\", \"filename\": \"" + JOB + "\", \"detail\": \"" + detail + "\"}");

        FlowtrapClient.Extraction extraction = client.extractPcap(JOB, null);

        assertThat(extraction.done()).isFalse();
        assertThat(extraction.job()).isEqualTo(JOB);
        assertThat(extraction.detail()).isEqualTo(detail);
        assertThat(manager.last().rawQuery()).isNull();
    }

    @Test
    void statusReadsEachState() throws Exception {
        for (FlowtrapClient.JobStatus status : FlowtrapClient.JobStatus.values()) {
            manager.json("GET", CHAIN + JOB + "/status/", 200, Document.STATUS_ANSWER,
                    "{\"status\": \"" + status.name().toLowerCase(java.util.Locale.ROOT) + "\"}");
            assertThat(client.status(JOB)).isEqualTo(status);
        }
        assertThat(manager.last().method()).isEqualTo("GET");
    }

    @Test
    void statusOfAnUnknownJobIsThe404() {
        manager.json("GET", CHAIN + JOB + "/status/", 404, Document.STATUS_ANSWER,
                "{\"status\": \"unknown\", \"error\": \"unknown job\", \"detail\": \"no extraction job " + JOB + "\"}");

        assertThatThrownBy(() -> client.status(JOB)).isInstanceOfSatisfying(FlowtrapApiException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.error()).isEqualTo("unknown job");
            assertThat(e.detail()).isEqualTo("no extraction job " + JOB);
        });
    }

    @Test
    void retrieveReturnsSizeAndDigest() throws Exception {
        String sha256 = "9f2b5c0d7e41a8b36c5d90e1f27a4b8c3d6e09f1a2b4c7d8e0f1a3b5c6d7e8f9";
        manager.json("GET", CHAIN + JOB + "/retrieve/", 200, Document.RETRIEVE_ANSWER,
                "{\"retrieve\": \"done\", \"filename\": \"" + JOB + "\", \"size\": 1658, \"sha256\": \"" + sha256 + "\"}");

        assertThat(client.retrieve(JOB, "sensor-1")).isEqualTo(new FlowtrapClient.Retrieved(1658, sha256));
        assertThat(manager.last().rawQuery()).isEqualTo("host=sensor-1");
        assertThat(manager.last().header("Authorization")).isEqualTo("Token " + KEY);
    }

    @Test
    void downloadWritesThePcapAndCountsItsBytes() throws Exception {
        byte[] pcap = new byte[70_000];
        for (int i = 0; i < pcap.length; i++) {
            pcap[i] = (byte) (i * 31 + 7);
        }
        manager.raw("GET", CHAIN + JOB + "/download/", 200, "application/vnd.tcpdump.pcap", pcap,
                Map.of("Content-Disposition", "attachment; filename=\"" + JOB + ".pcap\""));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThat(client.download(JOB, out)).isEqualTo(pcap.length);
        assertThat(out.toByteArray()).isEqualTo(pcap);
        assertThat(manager.last().header("Authorization")).isEqualTo("Token " + KEY);
    }

    @Test
    void anExpiredDownloadIsThe410AndWritesNothing() {
        manager.error("GET", CHAIN + JOB + "/download/", 410,
                "{\"error\": \"expired\", \"detail\": \"the pcap of " + JOB + " is gone; retrieve it again\"}", Map.of());
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThatThrownBy(() -> client.download(JOB, out)).isInstanceOfSatisfying(FlowtrapApiException.class, e -> {
            assertThat(e.status()).isEqualTo(410);
            assertThat(e.error()).isEqualTo("expired");
        });
        assertThat(out.size()).isZero();
    }

    @Test
    void a401CarriesTheErrorAndWwwAuthenticate() {
        manager.error("GET", "/rest/rules/es/alerts_tail/", 401, UNAUTHORIZED, Map.of("WWW-Authenticate", "Token"));

        assertThatThrownBy(() -> client.alertsTail("x", null, null, 1, 30)).isInstanceOfSatisfying(FlowtrapApiException.class, e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.error()).isEqualTo("authentication required");
            assertThat(e.detail()).isEqualTo("send Authorization: Token <key>");
            assertThat(e.wwwAuthenticate()).isEqualTo("Token");
            assertThat(e).hasMessage("401 authentication required: send Authorization: Token <key>");
        });
    }

    @Test
    void retrieveOfAnUnknownJobIsThe404AndBeforeExtractionThe409() {
        manager.error("GET", CHAIN + JOB + "/retrieve/", 404,
                "{\"error\": \"unknown job\", \"detail\": \"no extraction job " + JOB + "\"}", Map.of());
        assertThatThrownBy(() -> client.retrieve(JOB, null)).isInstanceOfSatisfying(FlowtrapApiException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.error()).isEqualTo("unknown job");
            assertThat(e.wwwAuthenticate()).isNull();
        });

        manager.error("GET", CHAIN + JOB + "/retrieve/", 409,
                "{\"error\": \"not extracted\", \"detail\": \"call extract_pcap for " + JOB + " first\"}", Map.of());
        assertThatThrownBy(() -> client.retrieve(JOB, null)).isInstanceOfSatisfying(FlowtrapApiException.class, e -> {
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.error()).isEqualTo("not extracted");
            assertThat(e.detail()).isEqualTo("call extract_pcap for " + JOB + " first");
        });
    }

    @Test
    void anUnreachableProbeIsThe502() {
        manager.error("POST", CHAIN + JOB + "/extract_pcap/", 502,
                "{\"error\": \"probe unreachable\", \"detail\": \"cannot connect to probe sensor-1 at https://127.0.0.1:8444/\"}", Map.of());

        assertThatThrownBy(() -> client.extractPcap(JOB, "sensor-1")).isInstanceOfSatisfying(FlowtrapApiException.class, e -> {
            assertThat(e.status()).isEqualTo(502);
            assertThat(e.error()).isEqualTo("probe unreachable");
            assertThat(e.detail()).isEqualTo("cannot connect to probe sensor-1 at https://127.0.0.1:8444/");
        });
    }

    @Test
    void anErrorThatIsNotJsonKeepsItsStatusAndText() {
        manager.raw("POST", CHAIN + JOB + "/extract_pcap/", 502, "text/html",
                "<html><body>Bad Gateway</body></html>".getBytes(StandardCharsets.UTF_8), Map.of());

        assertThatThrownBy(() -> client.extractPcap(JOB, null)).isInstanceOfSatisfying(FlowtrapApiException.class, e -> {
            assertThat(e.status()).isEqualTo(502);
            assertThat(e.error()).isEqualTo("HTTP 502");
            assertThat(e.detail()).isEqualTo("<html><body>Bad Gateway</body></html>");
        });
    }

    @Test
    void aJobNameThatCouldBeAPathIsRefusedBeforeAnythingIsSent() {
        for (String bad : new String[] {"../etc", "a/b", "", "a%2Fb"}) {
            assertThatThrownBy(() -> client.status(bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> client.download(bad, new ByteArrayOutputStream())).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(manager.seen()).isEmpty();
    }

    @Test
    void overHttpsItTrustsTheGivenCaAndNoOther() throws Exception {
        Path certs = makeCerts(tmp.resolve("certs"));
        Path other = makeCerts(tmp.resolve("other"));
        try (ManagerStandIn https = new ManagerStandIn(PemTls.server(certs.resolve("server.pem"), certs.resolve("server.key")))) {
            https.json("GET", CHAIN + JOB + "/status/", 200, Document.STATUS_ANSWER, "{\"status\": \"available\"}");
            URI base = https.uri("https", "localhost");

            assertThat(new FlowtrapClient(base, KEY, certs.resolve("ca.pem")).status(JOB)).isEqualTo(FlowtrapClient.JobStatus.AVAILABLE);
            assertThatThrownBy(() -> new FlowtrapClient(base, KEY, other.resolve("ca.pem")).status(JOB))
                    .isInstanceOf(SSLHandshakeException.class);
            assertThat(https.seen()).hasSize(1);
        }
    }

    private static Path makeCerts(Path dir) throws Exception {
        Path script = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && script == null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("ops/tls/make-certs"))) {
                script = p.resolve("ops/tls/make-certs");
            }
        }
        assertThat(script).as("ops/tls/make-certs above " + Path.of("").toAbsolutePath()).isNotNull();
        Process p = new ProcessBuilder(script.toString(), dir.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("make-certs finished").isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return dir;
    }
}
