package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.users.Role;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The Alerts pages in a real browser against the whole system (Elasticsearch, the manager, a probe
 * replaying the demo capture with Suricata's alerts into a store small enough that its oldest
 * segments rotate out): a user signs in and lands on the alert list; a query narrows it, and so
 * does a click on a top signature or probe; one alert's pcap downloaded from its PCAP section is
 * byte for byte the probe's own carve of that flow, and tcpdump reads it; an alert whose flow
 * rotated out says "pcap expired" (and the chain agrees: 410); with the probe stopped, the extract
 * step shows the server's own error, and Try again works once the probe is back; the alerts of a
 * probe that arms nothing (pcap extraction off, its store does not grow) say "not stored". A screenshot of
 * each page goes to target/screenshots/; no page logs an error to the console. One system and one
 * browser for the class; the probe's outage comes last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuiAlertsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAIN = "/rest/rules/filestore_pcap/";
    private static Path dir;
    private static FlowtrapSystem system;
    private static GuiBrowser browser;
    private static List<JsonNode> recorded;
    /** Every indexed alert as alerts_tail gives it (with its capture), newest first. */
    private static List<JsonNode> indexed;
    /** Packets in the probe's store when it stopped arming flows. */
    private static long storedBefore;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-gui-alerts-it");
        Path pcap = FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap");
        Path eve = FlowtrapSystem.suricata(dir, pcap);
        system = new FlowtrapSystem(dir, pcap, eve, List.of(), new FlowtrapSystem.ProbeStore("160KB", "64KB"));
        String password = system.users().create("ana", Role.ANALYST).password();
        recorded = system.recordedAlerts();
        system.awaitIndexed(recorded.size(), Duration.ofSeconds(60));
        indexed = awaitCaptures();
        browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"));
        browser.signIn("ana", password);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (system != null) {
            system.close();
        }
    }

    @Test
    @Order(1)
    void signingInLandsOnTheAlertListWithEveryAlert() throws Exception {
        assertThat(browser.currentUrl()).endsWith("/alerts");
        assertThat(browser.title()).isEqualTo("flowtrap: Alerts");
        assertThat(total()).isEqualTo(recorded.size());
        List<WebElement> rows = browser.all("#alerts tbody tr.alert");
        assertThat(rows).hasSize(Math.min(recorded.size(), 50));
        String newestTime = indexed.get(0).path("timestamp").asText();
        WebElement first = rows.get(0);
        JsonNode shown = indexed.stream().filter(a -> a.path("_id").asText().equals(first.getAttribute("data-id")))
                .findFirst().orElseThrow();
        assertThat(shown.path("timestamp").asText()).as("newest first").isEqualTo(newestTime);
        assertThat(first.getText()).contains(newestTime, FlowtrapSystem.PROBE, shown.path("alert").path("signature").asText(),
                shown.path("proto").asText(), "stored");
        assertThat(browser.byId("nav-alerts").getAttribute("class")).contains("active");
        browser.screenshot("alerts-list");
        browser.assertConsoleClean();
        // the next page holds the rest, older
        assertThat(recorded.size()).as("more than a page").isGreaterThan(50);
        browser.byId("next").click();
        browser.waitUntil(d -> d.getCurrentUrl().contains("page=2"), "page 2");
        List<WebElement> second = browser.all("#alerts tbody tr.alert");
        assertThat(second).hasSize(Math.min(recorded.size() - 50, 50));
        assertThat(second.get(0).findElement(By.cssSelector("td.time")).getText()).as("older than page 1's last")
                .isLessThanOrEqualTo(indexed.get(49).path("timestamp").asText());
        assertThat(browser.all("#previous")).hasSize(1);
        browser.assertConsoleClean();
    }

    @Test
    @Order(2)
    void aQueryNarrowsTheListAndSoDoesATopSignature() throws Exception {
        long sid = recorded.get(0).path("alert").path("signature_id").asLong();
        long expected = recorded.stream().filter(a -> a.path("alert").path("signature_id").asLong() == sid).count();
        assertThat(expected).isLessThan(recorded.size());
        browser.open("/alerts");
        WebElement q = browser.byId("q");
        q.clear();
        q.sendKeys("alert.signature_id:" + sid);
        browser.byId("range").findElement(By.cssSelector("option[value='1h']")).click();
        browser.visible("#search button[type=submit]").click();
        browser.waitUntil(d -> d.getCurrentUrl().contains("q=alert.signature_id"), "the narrowed list");
        assertThat(total()).isEqualTo(expected);
        assertThat(browser.all("#alerts tbody tr.alert")).allSatisfy(r -> assertThat(r.getText()).contains("(" + sid + ")"));
        browser.screenshot("alerts-query");

        // back to everything, then a top signature narrows to it
        browser.open("/alerts?range=1h");
        WebElement top = browser.all("#top-signatures a.narrow").get(0);
        String signature = top.getText();
        long count = recorded.stream().filter(a -> a.path("alert").path("signature").asText().equals(signature)).count();
        assertThat(Long.parseLong(top.findElement(By.xpath("../../td[2]")).getText())).isEqualTo(count);
        top.click();
        browser.waitUntil(d -> d.getCurrentUrl().contains("alert.signature"), "the list narrowed to a signature");
        assertThat(total()).isEqualTo(count);
        assertThat(browser.byId("q").getAttribute("value")).isEqualTo("alert.signature:\"" + signature + "\"");
        assertThat(browser.all("#alerts tbody tr.alert")).allSatisfy(r -> assertThat(r.getText()).contains(signature));
        // and a top probe narrows further (one probe here: the same alerts)
        browser.all("#top-probes a.narrow").get(0).click();
        browser.waitUntil(d -> d.getCurrentUrl().contains("host"), "the list narrowed to a probe");
        assertThat(browser.byId("q").getAttribute("value"))
                .isEqualTo("(alert.signature:\"" + signature + "\") AND host:\"" + FlowtrapSystem.PROBE + "\"");
        assertThat(total()).isEqualTo(count);
        browser.screenshot("alerts-top-signature");

        // a query that does not parse says so
        browser.open("/alerts?q=" + URLEncoder.encode("src_ip:10.0.0.0/8", StandardCharsets.UTF_8));
        assertThat(browser.byId("message").getText()).startsWith("The query does not parse:");
        browser.assertConsoleClean("/alerts?q=src_ip"); // the page's 400, on purpose
    }

    @Test
    @Order(3)
    void anAlertsPcapDownloadsAsTheProbeCarvesIt() throws Exception {
        JsonNode alert = downloadable();
        String id = alert.path("_id").asText();
        browser.open("/alerts/" + id);
        assertThat(browser.byId("signature").getText()).isEqualTo(alert.path("alert").path("signature").asText());
        assertThat(JSON.readTree(browser.byId("eve").getText())).isEqualTo(alert);
        assertThat(browser.byId("pcap-probe").getText()).isEqualTo(FlowtrapSystem.PROBE);
        assertThat(browser.byId("pcap-facts").getText())
                .contains(alert.path("capture").path("first_ts").asText(), alert.path("capture").path("last_ts").asText())
                .contains("packets " + alert.path("capture").path("packets").asLong());
        assertThat(browser.byId("pcap-warning").getText()).isEqualTo("The PCAP can contain malicious, inappropriate, or illegal data!");
        browser.screenshot("alert-detail");

        Path downloaded = download(id);
        byte[] carved = probeCarve(alert, "download");
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(carved);
        assertThat(tcpdumpPackets(downloaded)).isEqualTo(alert.path("capture").path("packets").asLong());
        assertThat(stepDetail("extract")).startsWith(tcpdumpPackets(downloaded) + " packets");
        browser.screenshot("alert-downloaded");
        browser.assertConsoleClean();
    }

    @Test
    @Order(4)
    void anAlertWhoseFlowRotatedOutSaysPcapExpired() throws Exception {
        JsonNode store = storeStatus();
        assertThat(store.path("rotated_segments").asLong()).as("the small store rotated: %s", store).isPositive();
        Instant oldest = Instant.ofEpochSecond(0, store.path("oldest_ts_ns").asLong());
        JsonNode alert = indexed.stream()
                .filter(a -> Instant.parse(a.path("capture").path("last_ts").asText()).isBefore(oldest))
                .findFirst().orElseThrow(() -> new AssertionError("no flow rotated out wholly; oldest packet " + oldest));
        String id = alert.path("_id").asText();
        browser.open("/alerts/" + id);
        assertThat(browser.byId("pcap-unavailable").getText()).isEqualTo("pcap expired (oldest stored packet: " + oldest + ")");
        assertThat(browser.byId("pcap-oldest").getText()).isEqualTo(oldest.toString());
        assertThat(browser.all("#download-pcap")).as("no button").isEmpty();
        assertThat(browser.byId("pcap-warning").isDisplayed()).isTrue();
        browser.screenshot("alert-expired");
        browser.open("/alerts?range=1h&q=" + URLEncoder.encode("flow_id:" + alert.path("flow_id").asLong() + " AND alert.signature_id:"
                + alert.path("alert").path("signature_id").asLong(), StandardCharsets.UTF_8));
        assertThat(browser.visible("#alerts tr[data-id='" + id + "'] .badge").getText()).as("the list says so too").isEqualTo("expired");
        browser.assertConsoleClean();
        // what the page says is what the chain finds: the probe answers that the flow rotated out
        FlowtrapSystem.Response upload = system.post(CHAIN + "upload/?host=" + FlowtrapSystem.PROBE, system.analystToken,
                "multipart/form-data; boundary=flowtrapboundary", FlowtrapSystem.multipart(alert.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(upload.status()).as(upload.text()).isEqualTo(200);
        FlowtrapSystem.expectError(system.post(CHAIN + id + "/extract_pcap/?host=" + FlowtrapSystem.PROBE, system.analystToken,
                "application/json", new byte[0]), 410);
    }

    @Test
    @Order(5)
    void aFailedStepShowsTheServersErrorAndTryAgainWorksOnceTheProbeIsBack() throws Exception {
        List<JsonNode> candidates = downloadables();
        JsonNode alert = candidates.get(candidates.size() > 1 ? 1 : 0);
        String id = alert.path("_id").asText();
        browser.open("/alerts/" + id);
        browser.byId("download-pcap");
        // the probe stops arming flows (kept across its restart), then goes away
        JsonNode settings = system.probeApi("GET", "/api/v1/settings", null).json();
        ObjectNode off = ((ObjectNode) settings.path("settings").deepCopy()).put("pcap_extraction_on_alerts", false);
        off.put("version", settings.path("version").asLong());
        FlowtrapSystem.Response put = system.probeApi("PUT", "/api/v1/settings", off.toString());
        assertThat(put.status()).as(put.text()).isEqualTo(200);
        storedBefore = storeStatus().path("packets").asLong();
        system.stopProbe();
        // what the chain itself answers for the extract step while the probe is away
        FlowtrapSystem.Response upload = system.post(CHAIN + "upload/?host=" + FlowtrapSystem.PROBE, system.analystToken,
                "multipart/form-data; boundary=flowtrapboundary", FlowtrapSystem.multipart(alert.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(upload.status()).as(upload.text()).isEqualTo(200);
        JsonNode refusal = FlowtrapSystem.expectError(system.post(CHAIN + id + "/extract_pcap/?host=" + FlowtrapSystem.PROBE,
                system.analystToken, "application/json", new byte[0]), 502);
        String serversWords = refusal.path("error").asText() + ": " + refusal.path("detail").asText();

        clearDownloads();
        browser.byId("download-pcap").click();
        browser.waitUntil(d -> "failed".equals(stepState("extract")), "the extract step failing");
        assertThat(stepState("send")).isEqualTo("done");
        assertThat(stepState("retrieve")).isEqualTo("waiting");
        assertThat(stepState("download")).isEqualTo("waiting");
        assertThat(browser.byId("step-extract").findElement(By.className("error")).getText()).isEqualTo(serversWords);
        assertThat(serversWords).startsWith("probe unreachable: cannot connect to probe " + FlowtrapSystem.PROBE);
        WebElement tryAgain = browser.byId("try-again");
        assertThat(tryAgain.isDisplayed()).isTrue();
        browser.screenshot("alert-step-failed");
        browser.assertConsoleClean("/extract_pcap/"); // the 502 the browser saw, on purpose

        // back: it replays the capture and its alerts again (moved to now), arming nothing
        system.restartProbe(FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap"), system.eve);
        tryAgain.click();
        Path downloaded = awaitDownload(id);
        assertThat(stepState("send")).isEqualTo("done");
        assertThat(stepState("extract")).isEqualTo("done");
        assertThat(stepState("retrieve")).isEqualTo("done");
        assertThat(browser.byId("step-extract").findElement(By.className("error")).isDisplayed()).isFalse();
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(probeCarve(alert, "after-outage"));
        assertThat(tcpdumpPackets(downloaded)).isPositive();
        browser.screenshot("alert-try-again");
        browser.assertConsoleClean("/extract_pcap/");
    }

    @Test
    @Order(6)
    void anAlertOfAProbeThatArmsNothingSaysNotStored() throws Exception {
        assertThat(storedBefore).as("runs after the outage, which turned arming off").isPositive();
        system.awaitIndexed(2L * recorded.size(), Duration.ofSeconds(60)); // the replay's alerts, again
        JsonNode page = system.get("/rest/rules/es/alerts_tail/?from_date=0&page_size=1000", system.analystToken).json();
        Set<String> before = new HashSet<>();
        indexed.forEach(a -> before.add(a.path("_id").asText()));
        JsonNode fresh = null;
        for (JsonNode a : page.path("results")) {
            if (!before.contains(a.path("_id").asText())) {
                fresh = a;
                break;
            }
        }
        assertThat(fresh).as("an alert of the second replay").isNotNull();
        assertThat(fresh.has("capture")).as("no flow armed, no flow record: %s", fresh).isFalse();
        assertThat(storeStatus().path("packets").asLong()).as("the store did not grow").isEqualTo(storedBefore);
        browser.open("/alerts/" + fresh.path("_id").asText());
        assertThat(browser.byId("pcap-unavailable").getText()).isEqualTo("not stored: pcap extraction is off on this probe");
        assertThat(browser.all("#download-pcap")).as("no button").isEmpty();
        browser.screenshot("alert-not-stored");
        browser.assertConsoleClean();
    }

    /** Clicks Download pcap and waits for the file. */
    private static Path download(String id) throws Exception {
        clearDownloads();
        browser.byId("download-pcap").click();
        return awaitDownload(id);
    }

    /** Waits for the four steps to end and the browser to have saved {@code <id>.pcap}. */
    private static Path awaitDownload(String id) throws IOException {
        browser.waitUntil(d -> "started".equals(stepState("download")) || browser.all(".steps .error:not([hidden])").size() > 0,
                "the download step");
        assertThat(stepState("download")).as("steps: %s", browser.byId("pcap-steps").getText()).isEqualTo("started");
        Path file = browser.downloads().resolve(id + ".pcap");
        browser.waitUntil(d -> Files.isRegularFile(file) && !partial(), "the browser saving " + file.getFileName());
        return file;
    }

    private static boolean partial() {
        try (Stream<Path> files = Files.list(browser.downloads())) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".crdownload"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void clearDownloads() throws IOException {
        try (Stream<Path> files = Files.list(browser.downloads())) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    private static String stepState(String step) {
        return browser.byId("step-" + step).getAttribute("data-state");
    }

    private static String stepDetail(String step) {
        return browser.byId("step-" + step).findElement(By.className("detail")).getText();
    }

    private static long total() {
        return Long.parseLong(browser.byId("total").getText());
    }

    /** Alerts whose flow is wholly in the store (its first packet not older than the oldest stored), newest first. */
    private static List<JsonNode> downloadables() throws Exception {
        Instant oldest = Instant.ofEpochSecond(0, storeStatus().path("oldest_ts_ns").asLong());
        List<JsonNode> whole = new ArrayList<>();
        for (JsonNode a : indexed) {
            if (!Instant.parse(a.path("capture").path("first_ts").asText()).isBefore(oldest)) {
                whole.add(a);
            }
        }
        assertThat(whole).as("alerts whose flow is still stored whole").isNotEmpty();
        return whole;
    }

    private static JsonNode downloadable() throws Exception {
        return downloadables().get(0);
    }

    private static JsonNode storeStatus() throws Exception {
        FlowtrapSystem.Response r = system.get("/rest/appliances/", system.adminToken);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json().get(0).path("store");
    }

    /** Every alert from alerts_tail once each has its flow record (the probe sends it when the flow ends). */
    private static List<JsonNode> awaitCaptures() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode page = system.get("/rest/rules/es/alerts_tail/?from_date=0&page_size=1000", system.analystToken).json();
            List<JsonNode> all = new ArrayList<>();
            page.path("results").forEach(all::add);
            if (all.size() == recorded.size() && all.stream().allMatch(a -> a.has("capture"))) {
                all.sort(Comparator.comparing((JsonNode a) -> a.path("timestamp").asText()).reversed());
                return all;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not every alert has its flow record: " + page);
            }
            Thread.sleep(200);
        }
    }

    /** What the probe's own extract command carves for the flow of {@code alert}. */
    private static byte[] probeCarve(JsonNode alert, String name) throws Exception {
        Path alertFile = Files.writeString(dir.resolve("alert-" + name + ".json"), alert.toString());
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
}
