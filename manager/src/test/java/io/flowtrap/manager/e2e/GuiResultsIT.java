package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.users.Role;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The Results pages in a real browser against the whole system (the replaying probe's store, two
 * searches of it made through the REST API as results to work on): the list shows every result
 * with its kind, probes, packets and SHA-256; tags set on a result's page are what the REST API
 * then says, and the list filtered by one of them shows that result alone; a share link made on the
 * page shows its URL once, opens without a login (no cookie, no key) to the result's bytes, counts
 * the open, and after Revoke answers 404; two results chosen in the list merged with duplicates
 * dropped give a merge whose counts the page shows as the REST API does, and that merge filtered
 * from its page holds what {@code tcpdump -r} of it keeps; a filter libpcap refuses shows its words;
 * an alert's pcap retrieved through the pcap chain is listed under the kind {@code extraction} with
 * its alert's signature and flow, downloads from its page as the chain gave it, and merges with a
 * search; Delete is shown to whom may delete (merges and filters: anyone; ana's extraction: her, not
 * bob, another analyst, whose forged POST is refused in words on the page and deletes nothing), and
 * once confirmed the extraction is gone from the list and from the REST API, its share link answers
 * 404 and the audit has ana's deletion. Screenshots under target/screenshots/; no console error.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuiResultsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEMO = FlowtrapSystem.REPO.resolve("ops/demo-data");
    private static final Pattern SEGMENT = Pattern.compile("\\.?segment-(\\d{16})\\.pcap(\\.active)?");
    private static final Pattern TIME = Pattern.compile("^(\\d+)\\.(\\d{9}) ");

    @TempDir
    static Path dir;

    private static FlowtrapSystem system;
    private static GuiBrowser browser;
    /** Another analyst's password: bob, who may delete the merges and filters but not ana's extraction. */
    private static String bobPassword;
    /** The searches: port 80's packets, and port 80's and UDP's (so a dedup merge of both drops port 80's once). */
    private static JsonNode web;
    private static JsonNode webAndUdp;
    /** The alert whose pcap ana downloads from its page (the pcap chain: upload, extract_pcap, retrieve, download). */
    private static JsonNode chainedAlert;

    @BeforeAll
    static void start() throws Exception {
        Path systemDir = dir.resolve("system");
        system = new FlowtrapSystem(systemDir, DEMO.resolve("demo.pcap"), DEMO.resolve("demo-eve.json"), List.of());
        String password = system.users().create("ana", Role.ANALYST).password();
        bobPassword = system.users().create("bob", Role.ANALYST).password();
        system.awaitIndexed(system.recordedAlerts().size(), Duration.ofSeconds(120));
        long[] window = storeWindow();
        web = result("search", search("tcp port 80", window));
        webAndUdp = result("search", search("tcp port 80 or udp", window));
        assertThat(web.path("packets").asLong()).isPositive();
        assertThat(webAndUdp.path("packets").asLong()).isGreaterThan(web.path("packets").asLong());
        chainedAlert = storedAlert();
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

    @AfterEach
    void noConsoleErrors() {
        browser.assertConsoleClean();
    }

    /** An alert whose flow the probe stored whole from its first packet (its alerts_tail hit has the record). */
    private static JsonNode storedAlert() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            for (JsonNode hit : system.get("/rest/rules/es/alerts_tail/?from_date=0&page_size=100", system.analystToken).json()
                    .path("results")) {
                if (hit.path("capture").path("from_flow_start").asBoolean()) {
                    return hit;
                }
            }
            assertThat(System.nanoTime()).as("an alert with the probe's record of its flow").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The first and last packet times the store holds (ns), as tcpdump reads its segments. */
    private static long[] storeWindow() throws Exception {
        long first = Long.MAX_VALUE;
        long last = 0;
        List<Path> segments;
        try (Stream<Path> files = Files.walk(system.store)) {
            segments = files.filter(f -> SEGMENT.matcher(f.getFileName().toString()).matches()).toList();
        }
        assertThat(segments).as("segments under " + system.store).isNotEmpty();
        for (Path segment : segments) {
            FlowtrapSystem.Run r = FlowtrapSystem.run(List.of("tcpdump", "-nn", "-tt", "--time-stamp-precision=nano", "-r",
                    segment.toString()));
            assertThat(r.exit()).as(r.err()).isZero();
            for (String line : r.out().split("\n")) {
                Matcher m = TIME.matcher(line);
                if (m.find()) {
                    long t = Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2));
                    first = Math.min(first, t);
                    last = Math.max(last, t);
                }
            }
        }
        return new long[] {first, last};
    }

    /** Starts a search of the replaying probe's store over the window and waits until it is done: its id. */
    private static String search(String filter, long[] window) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("filter", filter).put("from", Instant.ofEpochSecond(0, window[0]).toString())
                .put("to", Instant.ofEpochSecond(0, window[1]).toString());
        request.putArray("probes").add(FlowtrapSystem.PROBE);
        FlowtrapSystem.Response r = system.post("/rest/searches/", system.analystToken, "application/json",
                JSON.writeValueAsBytes(request));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        String id = r.json().path("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            JsonNode s = system.get("/rest/searches/" + id + "/", system.analystToken).json();
            if (s.path("state").asText().equals("done")) {
                return id;
            }
            assertThat(s.path("state").asText()).as(s.toString()).isIn("queued", "running");
            assertThat(System.nanoTime()).as("search %s never ended: %s", id, s).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static JsonNode result(String kind, String id) throws Exception {
        FlowtrapSystem.Response r = system.get("/rest/results/" + kind + "/" + id + "/", system.analystToken);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }

    private static WebElement row(String kind, String id) {
        List<WebElement> rows = browser.all("#results tr.result[data-kind='" + kind + "'][data-id='" + id + "']");
        assertThat(rows).as("the row of %s %s", kind, id).hasSize(1);
        return rows.get(0);
    }

    private static void openResult(String kind, String id) {
        browser.open("/results/" + kind + "/" + id);
        browser.waitUntil(d -> browser.byId("result").getAttribute("data-id").equals(id), "the page of " + kind + " " + id);
    }

    private static void type(String id, String text) {
        WebElement field = browser.byId(id);
        field.clear();
        field.sendKeys(text);
    }

    @Test
    @Order(1)
    void theListShowsEveryResultAndTagsSetOnItsPageFilterIt() throws Exception {
        browser.open("/results");
        WebElement row = row("search", web.path("id").asText());
        assertThat(row.findElement(By.cssSelector(".packets")).getText()).isEqualTo(web.path("packets").asText());
        assertThat(row.findElement(By.cssSelector(".sha256")).getAttribute("title")).isEqualTo(web.path("sha256").asText());
        assertThat(row.getText()).contains("search", FlowtrapSystem.PROBE);
        // each probe's part is a result of its own
        row("search", webAndUdp.path("id").asText() + ":" + FlowtrapSystem.PROBE);
        browser.screenshot("results-list");

        browser.submit(row.findElement(By.cssSelector("a.result-link")));
        assertThat(browser.byId("kind").getText()).isEqualTo("search");
        assertThat(browser.byId("sha256").getText()).isEqualTo(web.path("sha256").asText());
        type("tags", "incident-9, web");
        type("comment", "the port 80 of the incident");
        browser.submit(browser.byId("save-labels"));
        assertThat(browser.byId("notice").getText()).isEqualTo("Tags and comment saved.");
        assertThat(browser.byId("tags").getAttribute("value")).isEqualTo("incident-9, web");
        browser.screenshot("result-tagged");
        JsonNode rest = result("search", web.path("id").asText());
        assertThat(rest.path("tags").toString()).isEqualTo("[\"incident-9\",\"web\"]");
        assertThat(rest.path("comment").asText()).isEqualTo("the port 80 of the incident");
        assertThat(rest.path("labelled_by").asText()).isEqualTo("ana");

        // a bad tag is refused with why, and changes nothing
        type("tags", "with space!");
        browser.submit(browser.byId("save-labels"));
        assertThat(browser.byId("message").getText()).startsWith("invalid tag");
        assertThat(result("search", web.path("id").asText()).path("tags").toString()).isEqualTo("[\"incident-9\",\"web\"]");

        browser.open("/results");
        type("tag", "incident-9");
        browser.submit(browser.byId("show"));
        assertThat(browser.all("#results tr.result")).extracting(e -> e.getAttribute("data-id"))
                .containsExactly(web.path("id").asText());
        browser.screenshot("results-by-tag");
    }

    @Test
    @Order(2)
    void aShareLinkShowsItsUrlOnceOpensWithoutALoginAndAnswers404OnceRevoked() throws Exception {
        String id = webAndUdp.path("id").asText();
        openResult("search", id);
        assertThat(browser.byId("no-links").getText()).isEqualTo("No share links to this result.");
        type("expires_hours", "1");
        browser.submit(browser.byId("make-link"));
        String url = browser.byId("new-link-url").getAttribute("value");
        assertThat(url).startsWith(system.managerUrl() + "/share/");
        Instant expires = Instant.parse(browser.byId("new-link-expires").getText());
        assertThat(Duration.between(Instant.now(), expires)).isBetween(Duration.ofMinutes(55), Duration.ofMinutes(61));
        browser.driver().executeScript("arguments[0].scrollIntoView()", browser.byId("shares"));
        browser.screenshot("result-share-link");

        // no cookie, no key: the result's bytes
        HttpResponse<byte[]> opened = open(url);
        assertThat(opened.statusCode()).isEqualTo(200);
        Path file = Files.write(dir.resolve("shared.pcap"), opened.body());
        assertThat(Pcaps.sha256(file)).isEqualTo(webAndUdp.path("sha256").asText());

        openResult("search", id); // the URL is not shown again
        assertThat(browser.all("#new-link-url")).isEmpty();
        List<WebElement> links = browser.all("#links tr.link");
        assertThat(links).hasSize(1);
        assertThat(links.get(0).getAttribute("data-state")).isEqualTo("active");
        assertThat(links.get(0).findElement(By.cssSelector(".opens")).getText()).isEqualTo("1");
        browser.submit(links.get(0).findElement(By.cssSelector("button.revoke")));
        assertThat(browser.byId("notice").getText()).endsWith("revoked: it opens nothing now.");
        assertThat(browser.all("#links tr.link")).extracting(e -> e.getAttribute("data-state")).containsExactly("revoked");
        assertThat(browser.all("#links button.revoke")).isEmpty();
        browser.driver().executeScript("arguments[0].scrollIntoView()", browser.byId("shares"));
        browser.screenshot("result-share-revoked");
        assertThat(open(url).statusCode()).isEqualTo(404);
    }

    private static HttpResponse<byte[]> open(String url) throws Exception {
        return system.http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    @Order(3)
    void twoResultsChosenInTheListMergeWithoutDuplicatesAndTheMergeFiltersLikeTcpdump() throws Exception {
        browser.open("/results");
        row("search", web.path("id").asText()).findElement(By.cssSelector("input[name=inputs]")).click();
        row("search", webAndUdp.path("id").asText()).findElement(By.cssSelector("input[name=inputs]")).click();
        browser.byId("dedup").click();
        browser.screenshot("results-merge-chosen");
        browser.submit(browser.byId("merge"));
        assertThat(browser.byId("kind").getText()).isEqualTo("merge");
        String mergeId = browser.byId("result").getAttribute("data-id");
        JsonNode merge = result("merge", mergeId);
        long in = web.path("packets").asLong() + webAndUdp.path("packets").asLong();
        assertThat(merge.path("packets_in").asLong()).isEqualTo(in);
        // port 80's packets are in both at the same times: one copy of each kept
        assertThat(merge.path("duplicates").asLong()).isGreaterThanOrEqualTo(web.path("packets").asLong());
        assertThat(merge.path("packets").asLong() + merge.path("duplicates").asLong()).isEqualTo(in);
        assertThat(browser.byId("packets-in").getText()).isEqualTo(Long.toString(in));
        assertThat(browser.byId("duplicates").getText()).isEqualTo(merge.path("duplicates").asText());
        assertThat(browser.byId("packets").getText()).isEqualTo(merge.path("packets").asText());
        assertThat(browser.byId("notice").getText()).contains(merge.path("duplicates").asText() + " duplicates dropped");
        assertThat(browser.all("#facts a.input")).extracting(WebElement::getText)
                .containsExactlyInAnyOrder("search " + web.path("id").asText(), "search " + webAndUdp.path("id").asText());
        browser.screenshot("result-merge");

        FlowtrapSystem.Response pcap = system.get(merge.path("download").asText(), system.analystToken);
        assertThat(pcap.status()).isEqualTo(200);
        Path merged = Files.write(dir.resolve("merged.pcap"), pcap.body());
        List<String> udp = Pcaps.packets(merged, "udp");
        assertThat(udp).isNotEmpty();

        type("bpf", "tcp port eleventy");
        browser.submit(browser.byId("apply-filter"));
        assertThat(browser.byId("message").getText()).startsWith("invalid filter");
        type("bpf", "udp");
        browser.submit(browser.byId("apply-filter"));
        assertThat(browser.byId("kind").getText()).isEqualTo("filter");
        String filterId = browser.byId("result").getAttribute("data-id");
        assertThat(browser.byId("packets").getText()).isEqualTo(Integer.toString(udp.size()));
        FlowtrapSystem.Response filtered = system.get("/rest/results/filter/" + filterId + "/download/", system.analystToken);
        assertThat(Pcaps.packets(Files.write(dir.resolve("filtered.pcap"), filtered.body()), "")).containsExactlyElementsOf(udp);
        browser.screenshot("result-filter");
        List<String> kinds = new ArrayList<>();
        browser.open("/results");
        browser.all("#results tr.result").forEach(e -> kinds.add(e.getAttribute("data-kind")));
        assertThat(kinds).contains("merge", "filter", "search");
    }

    @Test
    @Order(4)
    void anAlertsPcapDownloadedFromItsPageIsAnExtractionToFindDownloadAndMergeWithASearch() throws Exception {
        String chainedJob = chainedAlert.path("_id").asText();
        browser.open("/alerts/" + chainedJob);
        browser.clearDownloads();
        browser.byId("download-pcap").click();
        byte[] chainedPcap = Files.readAllBytes(browser.awaitDownload(chainedJob + ".pcap"));
        browser.waitUntil(d -> browser.byId("pcap-result-link").isDisplayed(), "the link to the pcap in Results");
        browser.screenshot("alert-pcap-in-results");
        browser.submit(browser.byId("pcap-result"));
        assertThat(browser.byId("result").getAttribute("data-id")).isEqualTo(chainedJob);

        browser.open("/results");
        new Select(browser.byId("kind")).selectByValue("extraction");
        browser.submit(browser.byId("show"));
        assertThat(browser.all("#results tr.result")).extracting(e -> e.getAttribute("data-kind")).containsOnly("extraction");
        String signature = chainedAlert.path("alert").path("signature").asText();
        WebElement row = row("extraction", chainedJob);
        assertThat(row.findElement(By.cssSelector("a.result-link")).getText()).startsWith(signature + ": "
                + chainedAlert.path("src_ip").asText());
        assertThat(row.getText()).contains(FlowtrapSystem.PROBE);
        assertThat(row.findElements(By.cssSelector(".expired"))).isEmpty();
        browser.screenshot("results-extractions");

        browser.submit(row.findElement(By.cssSelector("a.result-link")));
        assertThat(browser.byId("kind").getText()).isEqualTo("extraction");
        assertThat(browser.byId("alert-signature").getText()).startsWith(signature);
        assertThat(browser.byId("alert-flow-id").getText()).isEqualTo(chainedAlert.path("flow_id").asText());
        assertThat(browser.byId("alert-whole").getText()).isEqualTo("yes, from its first packet");
        assertThat(browser.byId("analyst").getText()).isEqualTo("ana");
        Path chained = Files.write(dir.resolve("chained.pcap"), chainedPcap);
        assertThat(browser.byId("sha256").getText()).isEqualTo(Pcaps.sha256(chained));
        assertThat(browser.byId("packets").getText()).isEqualTo(Integer.toString(Pcaps.packets(chained, "").size()));
        browser.screenshot("result-extraction");
        browser.clearDownloads();
        browser.byId("download").click();
        assertThat(Files.readAllBytes(browser.awaitDownload(chainedJob + ".pcap"))).isEqualTo(chainedPcap);

        browser.open("/results");
        row("extraction", chainedJob).findElement(By.cssSelector("input[name=inputs]")).click();
        row("search", web.path("id").asText()).findElement(By.cssSelector("input[name=inputs]")).click();
        browser.submit(browser.byId("merge"));
        assertThat(browser.byId("kind").getText()).isEqualTo("merge");
        long in = Pcaps.packets(chained, "").size() + web.path("packets").asLong();
        assertThat(browser.byId("packets-in").getText()).isEqualTo(Long.toString(in));
        assertThat(browser.all("#facts a.input")).extracting(WebElement::getText)
                .containsExactlyInAnyOrder("extraction " + chainedJob, "search " + web.path("id").asText());
        JsonNode merge = result("merge", browser.byId("result").getAttribute("data-id"));
        assertThat(merge.path("packets").asLong()).isEqualTo(in);
        browser.screenshot("result-merge-extraction");
    }

    @Test
    @Order(5)
    void deleteIsShownToWhomMayDeleteAndOnceConfirmedTheResultAndItsShareLinksAreGone() throws Exception {
        String job = chainedAlert.path("_id").asText();
        openResult("extraction", job);
        type("expires_hours", "1");
        browser.submit(browser.byId("make-link"));
        String url = browser.byId("new-link-url").getAttribute("value");
        assertThat(open(url).statusCode()).isEqualTo(200);

        try (GuiBrowser bob = new GuiBrowser(system.managerUrl(), dir.resolve("bob-downloads"))) {
            bob.signIn("bob", bobPassword);
            bob.open("/results");
            List<WebElement> rows = bob.all("#results tr.result");
            assertThat(rows).extracting(e -> e.getAttribute("data-kind")).contains("merge", "filter", "search", "extraction");
            assertThat(rows).filteredOn(e -> !e.findElements(By.cssSelector("a.delete")).isEmpty())
                    .extracting(e -> e.getAttribute("data-kind")).as("Delete on anyone's merges and filters only").isNotEmpty()
                    .containsOnly("merge", "filter");
            bob.screenshot("results-delete-other-analyst");
            bob.open("/results/extraction/" + job + "/delete");
            bob.waitUntil(d -> bob.byId("result").getAttribute("data-id").equals(job), "the page of extraction " + job);
            assertThat(bob.all("#delete-panel")).as("no Delete on ana's extraction for bob").isEmpty();
            assertThat(bob.all("#confirm-delete")).isEmpty();

            // the form ana would see, forged by bob with his own session's CSRF token
            bob.postForged("/results/extraction/" + job + "/delete");
            assertThat(bob.byId("message").getText()).isEqualTo("forbidden: extraction " + job
                    + " was asked for by ana: only they or an admin may delete it");
            assertThat(bob.byId("result").getAttribute("data-id")).isEqualTo(job);
            bob.screenshot("result-delete-forged");
            bob.assertConsoleClean();
        }
        assertThat(system.get("/rest/results/extraction/" + job + "/", system.analystToken).status()).as("nothing deleted")
                .isEqualTo(200);
        assertThat(open(url).statusCode()).isEqualTo(200);

        browser.open("/results");
        browser.submit(row("extraction", job).findElement(By.cssSelector("a.delete")));
        assertThat(browser.byId("confirm-delete").getText()).contains("This cannot be undone.");
        browser.driver().executeScript("arguments[0].scrollIntoView()", browser.byId("confirm-delete"));
        browser.screenshot("result-delete-confirm");
        browser.submit(browser.byId("delete-confirmed"));
        assertThat(browser.byId("notice").getText()).isEqualTo("Result extraction " + job + " was deleted.");
        assertThat(browser.all("#results tr.result[data-kind='extraction'][data-id='" + job + "']")).isEmpty();
        assertThat(browser.all("#results tr.result")).isNotEmpty();
        browser.screenshot("results-deleted");
        assertThat(system.get("/rest/results/extraction/" + job + "/", system.analystToken).status()).isEqualTo(404);
        assertThat(open(url).statusCode()).as("its share link").isEqualTo(404);

        List<JsonNode> audit = AuditEntries.await(system, "id", job, "result.refused", "result.delete");
        assertThat(AuditEntries.of(audit, "result.refused").path("user").asText()).isEqualTo("bob");
        assertThat(AuditEntries.of(audit, "result.delete").path("user").asText()).isEqualTo("ana");
    }
}
