package io.flowtrap.manager.e2e;

import static io.flowtrap.manager.e2e.FlowtrapSystem.expectError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tags, share links, Slack's slash command and the capture webhook end to end, one system for the
 * class: the manager, the replaying probe {@code sensor-1} (its traffic predates every capture: it
 * matches nothing) and the live probe {@code live-1} ({@link LiveProbe}). A real HTTP server on
 * the loopback stands for Slack's response URL (its first post answers 500, so the retry is
 * exercised). Only admins may download ({@code flowtrap.sharing.download-roles=admin}; chat users
 * act as admins), so an analyst key shows the refusal. Waits are on what the system says or sends.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEMO = FlowtrapSystem.REPO.resolve("ops/demo-data");
    private static final Path TRAFFIC = DEMO.resolve("demo.pcap");
    private static final String SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    private static final String WEBHOOK_SECRET = "st2-webhook-secret-for-this-test";
    private static final Pattern SHARE_URL = Pattern.compile("(https://127\\.0\\.0\\.1:\\d+/share/[A-Za-z0-9_-]{43})");

    @TempDir
    static Path dir;

    private static LiveProbe live;
    private static FlowtrapSystem system;
    private static HttpServer receiver;
    private static final BlockingQueue<JsonNode> posted = new LinkedBlockingQueue<>();
    private static final AtomicInteger posts = new AtomicInteger();
    /** The capture the Slack command made (order 1), and the share URL it posted for live-1. */
    private static String slackCapture;
    private static String slackShareUrl;
    /** Share links of order 4: one revoked, one expired. */
    private static String revokedUrl;
    private static String expiredUrl;

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/commands/T1/1/x", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean fail = posts.incrementAndGet() == 1; // the first post fails: the manager must post again
            if (!fail) {
                posted.add(JSON.readTree(body));
            }
            exchange.sendResponseHeaders(fail ? 500 : 200, -1);
            exchange.close();
        });
        receiver.start();
        Path slackSecret = secret("slack.secret", SLACK_SECRET);
        Path webhookSecret = secret("webhook.secret", WEBHOOK_SECRET);
        live = new LiveProbe("live-1", dir.resolve("live"));
        List<String> args = new ArrayList<>(live.managerArguments(1));
        args.addAll(List.of("--flowtrap.captures.poll-interval=200ms", "--flowtrap.sharing.download-roles=admin",
                "--flowtrap.chatops.role=admin", "--flowtrap.chatops.slack-signing-secret-file=" + slackSecret,
                "--flowtrap.chatops.webhook-secret-file=" + webhookSecret, "--flowtrap.chatops.watch-interval=200ms",
                "--flowtrap.chatops.retry-delay=100ms"));
        system = new FlowtrapSystem(dir.resolve("system"), TRAFFIC, DEMO.resolve("demo-eve.json"), args);
        live.start();
    }

    private static Path secret(String name, String value) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, value + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @AfterAll
    static void stop() throws Exception {
        if (system != null) {
            system.close();
        }
        if (live != null) {
            live.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    /** A form body as Slack sends it: every byte but letters and digits percent-encoded (a space as %20, never +). */
    private static String form(Map<String, String> fields) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            if (!b.isEmpty()) {
                b.append('&');
            }
            b.append(f.getKey()).append('=');
            for (byte c : f.getValue().getBytes(StandardCharsets.UTF_8)) {
                if (Character.isLetterOrDigit(c) && c > 0) {
                    b.append((char) c);
                } else {
                    b.append('%').append(String.format("%02X", c & 0xff));
                }
            }
        }
        return b.toString();
    }

    private static Map<String, String> command(String text) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("token", "gIkuvaNzQIHg97ATvDxqgjtO");
        f.put("team_id", "T1");
        f.put("team_domain", "ops");
        f.put("channel_id", "C2147483705");
        f.put("channel_name", "netops");
        f.put("user_id", "U2147483697");
        f.put("user_name", "will");
        f.put("command", "/flowtrap");
        f.put("text", text);
        f.put("response_url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/commands/T1/1/x");
        f.put("trigger_id", "13345224609.738474920.8088930838d88f008e0");
        return f;
    }

    private static String sign(String secret, String prefix, long timestamp, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((prefix + timestamp + ":").getBytes(StandardCharsets.UTF_8));
        return "v0=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    private static FlowtrapSystem.Response signedPost(String path, String contentType, byte[] body, String timestampHeader,
            String signatureHeader, long timestamp, String signature) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(system.managerUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", contentType).header(timestampHeader, Long.toString(timestamp))
                .header(signatureHeader, signature).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> a = system.http.send(r, HttpResponse.BodyHandlers.ofByteArray());
        return new FlowtrapSystem.Response(a.statusCode(), a.body(), a.headers().map());
    }

    private static FlowtrapSystem.Response slack(String text, String secret, long timestamp) throws Exception {
        byte[] body = form(command(text)).getBytes(StandardCharsets.US_ASCII);
        return signedPost("/rest/chatops/slack", "application/x-www-form-urlencoded", body, "X-Slack-Request-Timestamp",
                "X-Slack-Signature", timestamp, sign(secret, "v0:", timestamp, body));
    }

    private static FlowtrapSystem.Response send(String method, String path, String token, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(system.managerUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Token " + token);
        }
        HttpResponse<byte[]> a = system.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new FlowtrapSystem.Response(a.statusCode(), a.body(), a.headers().map());
    }

    private static FlowtrapSystem.Response open(String url) throws Exception {
        HttpResponse<byte[]> a = system.http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("User-Agent", "SharingIT").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        return new FlowtrapSystem.Response(a.statusCode(), a.body(), a.headers().map());
    }

    private static JsonNode ok(FlowtrapSystem.Response r, int status, Document schema) throws Exception {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        if (schema != null) {
            assertThat(DocumentSchema.of(schema).validate(r.json())).as(r.text()).isEmpty();
        }
        return r.json();
    }

    private static JsonNode capture(String id) throws Exception {
        return ok(system.get("/rest/captures/" + id + "/", system.analystToken), 200, Document.CAPTURE);
    }

    private static JsonNode awaitFinished(String id) throws Exception {
        return Waits.until("capture " + id + " finished", Duration.ofSeconds(90), Duration.ofMillis(100), () -> capture(id),
                c -> List.of("done", "failed").contains(c.path("state").asText()), c -> c + "\n" + live.log());
    }

    private static double counter(String name, String outcome) {
        var c = system.managerBean(MeterRegistry.class).find(name).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    @Order(1)
    void aSlackMulticapturePostsAPacketCountAndAWorkingShareLinkPerProbeAndTheSeedsWordsForNoMatch() throws Exception {
        String filter = "tcp port 80";
        List<String> expected = Pcaps.packets(TRAFFIC, filter);
        assertThat(expected).hasSizeGreaterThan(100);
        long now = Instant.now().getEpochSecond();
        JsonNode ack = ok(slack("multicapture '" + filter + "' on probes " + FlowtrapSystem.PROBE + ",live-1 count="
                + expected.size(), SLACK_SECRET, now), 200, Document.CHAT_REPLY);
        assertThat(ack.path("response_type").asText()).isEqualTo("ephemeral");
        Matcher started = Pattern.compile("Started capture ([0-9a-f]{12}) of 'tcp port 80' on sensor-1, live-1 for at most 300 s or "
                + expected.size() + " packets").matcher(ack.path("text").asText());
        assertThat(started.find()).as(ack.toString()).isTrue();
        slackCapture = started.group(1);
        JsonNode running = capture(slackCapture);
        assertThat(running.path("analyst").asText()).isEqualTo("slack:will");
        assertThat(running.path("tags").toString()).isEqualTo("[\"slack\"]");

        live.replay(TRAFFIC, "--mbps", "50");
        JsonNode message = posted.poll(120, TimeUnit.SECONDS);
        assertThat(message).as("the result was never posted; capture: %s", capture(slackCapture)).isNotNull();
        assertThat(DocumentSchema.of(Document.CHAT_REPLY).validate(message)).isEmpty();
        assertThat(message.path("response_type").asText()).isEqualTo("in_channel");
        String[] lines = message.path("text").asText().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("Capture " + slackCapture + " of 'tcp port 80' for slack:will done (max_packets)");
        assertThat(lines[1]).isEqualTo("sensor-1 did not match any packets, so no point uploading");
        assertThat(lines[2]).startsWith("live-1 - " + expected.size() + " packets: ");
        Matcher url = SHARE_URL.matcher(lines[2]);
        assertThat(url.find()).as(lines[2]).isTrue();
        slackShareUrl = url.group(1);
        // the first post was refused (500) and posted again
        assertThat(posts.get()).isEqualTo(2);
        assertThat(counter("flowtrap.chatops.responses", "retried")).isEqualTo(1);
        assertThat(counter("flowtrap.chatops.responses", "posted")).isEqualTo(1);

        // the link opens without a key: live-1's pcap, what tcpdump selects from the traffic sent
        FlowtrapSystem.Response pcap = open(slackShareUrl);
        assertThat(pcap.status()).as(pcap.text()).isEqualTo(200);
        assertThat(pcap.header("Content-Type")).isEqualTo("application/vnd.tcpdump.pcap");
        JsonNode done = capture(slackCapture);
        assertThat(pcap.header("Content-Disposition")).isEqualTo("attachment; filename=\""
                + done.path("file_name").asText().replaceFirst("\\.pcap$", "") + ".live-1.pcap\"");
        assertThat(Pcaps.sha256(pcap.body())).isEqualTo(done.path("probe_results").get(1).path("sha256").asText());
        Path file = Files.write(dir.resolve("shared.pcap"), pcap.body());
        assertThat(Pcaps.packets(file, "")).containsExactlyElementsOf(expected);

        // the audit trail: who said what in which channel, the link chat-ops made, and its open (by no one)
        JsonNode said = AuditEntries.of(AuditEntries.await(system, "capture", slackCapture, "chatops.command"), "chatops.command");
        assertThat(said.path("user").asText()).isEqualTo("slack:will");
        assertThat(said.at("/details/command").asText()).isEqualTo("multicapture '" + filter + "' on probes "
                + FlowtrapSystem.PROBE + ",live-1 count=" + expected.size());
        assertThat(said.at("/details/probes").toString()).isEqualTo("[\"" + FlowtrapSystem.PROBE + "\",\"live-1\"]");
        List<JsonNode> shared = AuditEntries.await(system, "id", slackCapture + ":live-1", "share.create", "share.open");
        assertThat(AuditEntries.of(shared, "share.create").path("user").asText()).isEqualTo("slack:will");
        JsonNode openedBy = AuditEntries.of(shared, "share.open");
        assertThat(openedBy.path("user").asText()).isEqualTo("anonymous");
        assertThat(openedBy.at("/details/address").asText()).isEqualTo("127.0.0.1");
        assertThat(openedBy.at("/details/status").asInt()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void slackRequestsWithABadOrStaleSignatureAreRefusedAndAMalformedCommandIsAnsweredWithTheUsage() throws Exception {
        long captures = ok(system.get("/rest/captures/", system.analystToken), 200, null).path("count").asLong();
        long now = Instant.now().getEpochSecond();
        String text = "multicapture 'udp' on probes live-1";
        JsonNode bad = expectError(slack(text, "not the signing secret", now), 403);
        assertThat(bad.path("detail").asText()).isEqualTo("bad signature");
        JsonNode stale = expectError(slack(text, SLACK_SECRET, now - 301), 403);
        assertThat(stale.path("detail").asText()).startsWith("stale timestamp");
        // signed right, then changed on the way: one byte of the body
        byte[] body = form(command(text)).getBytes(StandardCharsets.US_ASCII);
        String signature = sign(SLACK_SECRET, "v0:", now, body);
        body[body.length - 1] = (byte) (body[body.length - 1] == '0' ? '1' : '0');
        expectError(signedPost("/rest/chatops/slack", "application/x-www-form-urlencoded", body, "X-Slack-Request-Timestamp",
                "X-Slack-Signature", now, signature), 403);
        JsonNode usage = ok(slack("multicapture port 80 on probes live-1", SLACK_SECRET, now), 200, Document.CHAT_REPLY);
        assertThat(usage.path("response_type").asText()).isEqualTo("ephemeral");
        assertThat(usage.path("text").asText()).startsWith("Not started: invalid command")
                .contains("usage: multicapture '<filter>' on probes p1,p2 [timeout=S] [count=N]");
        JsonNode unknown = ok(slack("multicapture 'udp' on probes nowhere-9", SLACK_SECRET, now), 200, Document.CHAT_REPLY);
        assertThat(unknown.path("text").asText()).startsWith("Not started: unknown probe");
        assertThat(ok(system.get("/rest/captures/", system.analystToken), 200, null).path("count").asLong()).isEqualTo(captures);
    }

    @Test
    @Order(3)
    void tagsAndACommentAreSetOnAResultAndTheListFiltersByTag() throws Exception {
        JsonNode slackTagged = ok(system.get("/rest/results/?tag=slack", system.analystToken), 200, Document.RESULTS_PAGE);
        assertThat(slackTagged.path("results").findValuesAsText("id")).containsExactlyInAnyOrder(slackCapture,
                slackCapture + ":live-1");
        ObjectNode labels = JSON.createObjectNode().put("comment", "the web traffic of the 17:00 incident");
        labels.putArray("tags").add("incident-42").add("web");
        JsonNode labelled = ok(send("PATCH", "/rest/results/capture/" + slackCapture + "/", system.analystToken,
                JSON.writeValueAsBytes(labels)), 200, Document.RESULT);
        assertThat(labelled.path("tags").toString()).isEqualTo("[\"incident-42\",\"web\"]");
        assertThat(labelled.path("labelled_by").asText()).startsWith("key-");
        assertThat(labelled.path("sha256").asText()).isEqualTo(capture(slackCapture).at("/summary/sha256").asText());

        assertThat(ok(system.get("/rest/results/?tag=incident-42", system.analystToken), 200, Document.RESULTS_PAGE)
                .path("results").findValuesAsText("id")).containsExactly(slackCapture);
        // the tags were replaced: the merged result is no longer tagged slack; its probe part still is
        assertThat(ok(system.get("/rest/results/?tag=slack", system.analystToken), 200, Document.RESULTS_PAGE)
                .path("results").findValuesAsText("id")).containsExactly(slackCapture + ":live-1");
        assertThat(ok(system.get("/rest/results/?tag=nothing-has-this", system.analystToken), 200, null).path("count").asLong())
                .isZero();
        // a comment alone keeps the tags
        JsonNode comment = ok(send("PATCH", "/rest/results/capture/" + slackCapture + "/", system.analystToken,
                "{\"comment\": \"checked\"}".getBytes(StandardCharsets.UTF_8)), 200, Document.RESULT);
        assertThat(comment.path("comment").asText()).isEqualTo("checked");
        assertThat(comment.path("tags")).hasSize(2);

        ObjectNode tooMany = JSON.createObjectNode();
        var many = tooMany.putArray("tags");
        for (int i = 0; i < 31; i++) {
            many.add("t" + i);
        }
        expectError(send("PATCH", "/rest/results/capture/" + slackCapture + "/", system.analystToken,
                JSON.writeValueAsBytes(tooMany)), 400);
        expectError(send("PATCH", "/rest/results/capture/" + slackCapture + "/", system.analystToken,
                "{\"tags\": [\"with space\"]}".getBytes(StandardCharsets.UTF_8)), 400);
        expectError(send("PATCH", "/rest/results/capture/" + slackCapture + "/", system.analystToken,
                "{\"tags\": [\"web\", \"web\"]}".getBytes(StandardCharsets.UTF_8)), 400);
        expectError(send("PATCH", "/rest/results/capture/" + slackCapture + "/", system.analystToken,
                "{\"tags\": ".getBytes(StandardCharsets.UTF_8)), 400);
        expectError(send("PATCH", "/rest/results/capture/nosuchcapture/", system.analystToken,
                "{\"comment\": \"x\"}".getBytes(StandardCharsets.UTF_8)), 404);
        expectError(send("PATCH", "/rest/results/extraction/" + slackCapture + "/", system.analystToken,
                "{\"comment\": \"x\"}".getBytes(StandardCharsets.UTF_8)), 404);
        // what was refused changed nothing
        assertThat(ok(system.get("/rest/results/?tag=incident-42", system.analystToken), 200, null).path("count").asLong())
                .isEqualTo(1);
        // the audit trail holds the tags set, and both comments (the one before and the one after)
        List<JsonNode> audit = AuditEntries.await(system, "id", slackCapture, "result.tag", "result.comment");
        JsonNode tagged = AuditEntries.of(audit, "result.tag");
        assertThat(tagged.path("user").asText()).isEqualTo(labelled.path("labelled_by").asText());
        assertThat(tagged.at("/details/tags").toString()).isEqualTo("[\"incident-42\",\"web\"]");
        assertThat(tagged.at("/details/was").toString()).isEqualTo("[\"slack\"]");
        assertThat(audit.stream().filter(e -> e.path("action").asText().equals("result.comment"))
                .map(e -> e.at("/details/comment").asText())).containsExactlyInAnyOrder("the web traffic of the 17:00 incident", "checked");
    }

    @Test
    @Order(4)
    void aShareLinkOpensWithoutALoginUntilRevokedOrExpiredAndEveryOpenIsKept() throws Exception {
        String result = "/rest/results/capture/" + slackCapture + "/";
        // analysts may not download here, nor make links
        JsonNode forbidden = expectError(system.post(result + "shares/", system.analystToken, "application/json", new byte[0]), 403);
        assertThat(forbidden.path("error").asText()).isEqualTo("downloads forbidden");
        expectError(system.get(result + "download/", system.analystToken), 403);
        FlowtrapSystem.Response direct = system.get(result + "download/", system.adminToken);
        assertThat(direct.status()).isEqualTo(200);
        String sha256 = capture(slackCapture).at("/summary/sha256").asText();
        assertThat(Pcaps.sha256(direct.body())).isEqualTo(sha256);

        JsonNode link = ok(system.post(result + "shares/", system.adminToken, "application/json", new byte[0]), 201,
                Document.SHARE_LINK);
        assertThat(Duration.between(Instant.parse(link.path("created").asText()), Instant.parse(link.path("expires").asText())))
                .isEqualTo(Duration.ofHours(24));
        assertThat(link.path("state").asText()).isEqualTo("active");
        String url = link.path("url").asText();
        revokedUrl = url;
        FlowtrapSystem.Response opened = open(url);
        assertThat(opened.status()).as(opened.text()).isEqualTo(200);
        assertThat(Pcaps.sha256(opened.body())).isEqualTo(sha256);
        assertThat(opened.header("Content-Disposition")).isEqualTo("attachment; filename=\""
                + capture(slackCapture).path("file_name").asText() + "\"");
        // the store keeps the token's hash only, readable by the manager's user alone
        Path links = system.dir.resolve("manager/sharing/share-links.json");
        String token = url.substring(url.lastIndexOf('/') + 1);
        assertThat(Files.readString(links)).doesNotContain(token).contains(Pcaps.sha256(token.getBytes(StandardCharsets.UTF_8)));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(links))).isEqualTo("rw-------");

        JsonNode revoked = ok(send("DELETE", "/rest/shares/" + link.path("id").asText() + "/", system.adminToken, null), 200,
                Document.SHARE_LINK);
        assertThat(revoked.path("state").asText()).isEqualTo("revoked");
        assertThat(revoked.has("url")).isFalse();
        assertThat(expectError(open(url), 404).path("error").asText()).isEqualTo("no such link");
        expectError(open(url.substring(0, url.length() - 1) + (url.endsWith("A") ? "B" : "A")), 404);
        expectError(open(system.managerUrl() + "/share/x"), 404);

        JsonNode brief = ok(system.post(result + "shares/?expires_in=2", system.adminToken, "application/json", new byte[0]),
                201, Document.SHARE_LINK);
        expiredUrl = brief.path("url").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        FlowtrapSystem.Response late = open(brief.path("url").asText());
        while (late.status() == 200) {
            assertThat(System.nanoTime()).as("the link never expired").isLessThan(deadline);
            Thread.sleep(200);
            late = open(brief.path("url").asText());
        }
        assertThat(expectError(late, 410).path("error").asText()).isEqualTo("link expired");
        expectError(system.post(result + "shares/?expires_in=0", system.adminToken, "application/json", new byte[0]), 400);
        expectError(system.post(result + "shares/?expires_in=999999999", system.adminToken, "application/json", new byte[0]), 400);

        JsonNode audit = ok(system.get("/rest/shares/", system.analystToken), 200, Document.SHARE_LINKS_PAGE);
        JsonNode first = find(audit, link.path("id").asText());
        assertThat(first.path("opens").asLong()).isEqualTo(2);
        assertThat(List.of(first.at("/recent_opens/0/status").asInt(), first.at("/recent_opens/1/status").asInt()))
                .containsExactly(200, 404);
        assertThat(first.at("/recent_opens/0/user_agent").asText()).isEqualTo("SharingIT");
        assertThat(first.at("/recent_opens/0/address").asText()).isEqualTo("127.0.0.1");
        assertThat(find(audit, brief.path("id").asText()).path("state").asText()).isEqualTo("expired");
        assertThat(counter("flowtrap.sharing.opens", "unknown")).isEqualTo(2);
        assertThat(counter("flowtrap.sharing.opens", "revoked")).isEqualTo(1);
        assertThat(counter("flowtrap.sharing.opens", "expired")).isGreaterThanOrEqualTo(1);

        // the audit trail: the download, the link made, opened, revoked and opened after; the late open of the brief one
        assertThat(AuditEntries.await(system, "id", slackCapture, "result.download").stream()
                .filter(e -> e.path("action").asText().equals("result.download")).map(e -> e.at("/details/sha256").asText()))
                .containsExactly(sha256);
        List<JsonNode> trail = AuditEntries.await(system, "link", link.path("id").asText(), "share.create", "share.open",
                "share.revoke");
        assertThat(AuditEntries.of(trail, "share.create").path("user").asText()).isEqualTo(link.path("created_by").asText());
        assertThat(AuditEntries.of(trail, "share.revoke").path("user").asText()).isEqualTo(revoked.path("revoked_by").asText());
        assertThat(trail.stream().filter(e -> e.path("action").asText().equals("share.open")).map(e -> e.at("/details/status")
                .asInt())).containsExactlyInAnyOrder(200, 404);
        JsonNode lateOpen = AuditEntries.await(system, "link", brief.path("id").asText(), "share.expired-open").stream()
                .filter(e -> e.path("action").asText().equals("share.expired-open")).findFirst().orElseThrow();
        assertThat(lateOpen.at("/details/status").asInt()).isEqualTo(410);
    }

    private static JsonNode find(JsonNode page, String id) {
        for (JsonNode l : page.path("results")) {
            if (l.path("id").asText().equals(id)) {
                return l;
            }
        }
        throw new AssertionError("no link " + id + " in " + page);
    }

    @Test
    @Order(5)
    void linksLabelsAndRevocationsSurviveAManagerRestart() throws Exception {
        JsonNode before = ok(system.get("/rest/shares/", system.adminToken), 200, Document.SHARE_LINKS_PAGE);
        assertThat(before.path("count").asLong()).isEqualTo(3); // chat's link, the revoked one, the expired one
        system.stopManager();
        system.startManager();
        assertThat(open(slackShareUrl).status()).isEqualTo(200);
        assertThat(expectError(open(revokedUrl), 404).path("error").asText()).isEqualTo("no such link");
        assertThat(expectError(open(expiredUrl), 410).path("error").asText()).isEqualTo("link expired");
        assertThat(ok(system.get("/rest/results/?tag=incident-42", system.analystToken), 200, null)
                .path("results").findValuesAsText("id")).containsExactly(slackCapture);
        JsonNode after = ok(system.get("/rest/shares/", system.adminToken), 200, Document.SHARE_LINKS_PAGE);
        assertThat(after.path("results").findValuesAsText("id")).isEqualTo(before.path("results").findValuesAsText("id"));
        for (JsonNode l : before.path("results")) {
            // each was opened once since the restart, and its opens before it are still counted
            assertThat(find(after, l.path("id").asText()).path("opens").asLong()).isEqualTo(l.path("opens").asLong() + 1);
        }
    }

    @Test
    @Order(6)
    void theWebhookStartsASignedCaptureRequestAndRefusesAnUnsignedOne() throws Exception {
        ObjectNode request = JSON.createObjectNode().put("name", "st2 rule").put("filter", "udp").put("duration", 1);
        request.putArray("probes").add("live-1");
        byte[] body = JSON.writeValueAsBytes(request);
        long now = Instant.now().getEpochSecond();
        expectError(signedPost("/rest/webhooks/capture", "application/json", body, "X-Flowtrap-Timestamp", "X-Flowtrap-Signature",
                now, sign("guess", "v0:", now, body)), 403);
        expectError(system.post("/rest/webhooks/capture", null, "application/json", body), 403);
        JsonNode created = ok(signedPost("/rest/webhooks/capture", "application/json", body, "X-Flowtrap-Timestamp",
                "X-Flowtrap-Signature", now, sign(WEBHOOK_SECRET, "v0:", now, body)), 201, Document.CAPTURE);
        assertThat(created.path("analyst").asText()).isEqualTo("webhook");
        assertThat(created.path("probes").get(0).asText()).isEqualTo("live-1");
        JsonNode done = awaitFinished(created.path("id").asText());
        assertThat(done.path("end_reason").asText()).isEqualTo("duration");
        JsonNode hooked = AuditEntries.of(AuditEntries.await(system, "capture", created.path("id").asText(), "webhook.capture"),
                "webhook.capture");
        assertThat(hooked.path("user").asText()).isEqualTo("webhook");
        assertThat(hooked.at("/details/filter").asText()).isEqualTo("udp");
        byte[] invalid = "{\"filter\": \"udp\"}".getBytes(StandardCharsets.UTF_8);
        JsonNode refused = expectError(signedPost("/rest/webhooks/capture", "application/json", invalid, "X-Flowtrap-Timestamp",
                "X-Flowtrap-Signature", now, sign(WEBHOOK_SECRET, "v0:", now, invalid)), 400);
        assertThat(refused.path("error").asText()).isEqualTo("not a valid capture request");
    }

    @Test
    @Order(7)
    void aDeletedCaptureTakesItsLabelsAndShareLinksWithIt() throws Exception {
        Path labels = system.dir.resolve("manager/results/labels.json");
        assertThat(Files.readString(labels)).contains("capture/" + slackCapture + "\"");
        JsonNode before = ok(system.get("/rest/shares/", system.adminToken), 200, Document.SHARE_LINKS_PAGE);
        assertThat(before.path("results").findValuesAsText("result_id")).containsOnly(slackCapture, slackCapture + ":live-1");
        assertThat(before.path("results").findValuesAsText("state")).containsExactlyInAnyOrder("active", "revoked", "expired");

        ok(send("DELETE", "/rest/captures/" + slackCapture + "/", system.adminToken, null), 200, Document.CAPTURE);
        assertThat(Files.readString(labels)).doesNotContain(slackCapture);
        assertThat(ok(system.get("/rest/results/?tag=incident-42", system.analystToken), 200, null).path("count").asLong()).isZero();
        assertThat(ok(system.get("/rest/shares/", system.adminToken), 200, Document.SHARE_LINKS_PAGE).path("count").asLong())
                .as("the links of a deleted result are gone from the list").isZero();
        for (String url : List.of(slackShareUrl, revokedUrl, expiredUrl)) {
            assertThat(expectError(open(url), 404).path("error").asText()).isEqualTo("no such link");
        }

        // the audit trail: the labels dropped, and each link not revoked yet revoked, by who deleted it and why
        JsonNode deletion = AuditEntries.of(AuditEntries.await(system, "id", slackCapture, "capture.delete", "result.unlabel"),
                "result.unlabel");
        assertThat(deletion.at("/details/tags").toString()).isEqualTo("[\"incident-42\",\"web\"]");
        assertThat(deletion.at("/details/comment").asText()).isEqualTo("checked");
        for (JsonNode link : before.path("results")) {
            if (link.path("state").asText().equals("revoked")) {
                continue;
            }
            JsonNode revoke = AuditEntries.await(system, "link", link.path("id").asText(), "share.revoke").stream()
                    .filter(e -> e.path("action").asText().equals("share.revoke")).findFirst().orElseThrow();
            assertThat(revoke.path("user").asText()).isEqualTo(deletion.path("user").asText());
            assertThat(revoke.at("/details/state").asText()).isEqualTo(link.path("state").asText());
            assertThat(revoke.at("/details/reason").asText()).startsWith("its result was deleted: deleted by ");
        }
    }
}
