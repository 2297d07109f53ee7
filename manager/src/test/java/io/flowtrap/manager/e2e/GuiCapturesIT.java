package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.manager.users.Role;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;

/**
 * The Captures pages in a real browser against the whole system with a live probe {@code live-1}
 * ({@link LiveProbe}: tcpreplay sends ops/demo-data/demo.pcap into its namespace) beside the
 * replaying {@code sensor-1}: a capture started from the form (its defaults: 300 s, 100 packets)
 * ends by its packet limit while the traffic is sent, its page updating by itself; its download is
 * byte for byte the REST download and packet for packet the first 100 that {@code tcpdump -r} of
 * the traffic with that filter selects, and so is the per-probe one; a capture that matches nothing
 * says "no packets matched" and offers no download; a second capture on a busy probe shows the
 * 409's text and queues when asked, starting when the first is stopped; a filter the probe refuses
 * shows libpcap's words; the list filters by analyst and state, newest first; Delete asks first;
 * another analyst's capture shows neither Stop nor Delete, and says who may.
 * Screenshots under target/screenshots/; no console error but the 4xx caused on purpose.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuiCapturesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEMO = FlowtrapSystem.REPO.resolve("ops/demo-data");
    private static final Path TRAFFIC = DEMO.resolve("demo.pcap");
    private static final String LIVE = "live-1";

    @TempDir
    static Path dir;

    private static LiveProbe live;
    private static FlowtrapSystem system;
    private static GuiBrowser browser;

    @BeforeAll
    static void start() throws Exception {
        live = new LiveProbe(LIVE, dir.resolve("live"));
        List<String> args = new ArrayList<>(live.managerArguments(1));
        args.add("--flowtrap.captures.poll-interval=200ms");
        Path systemDir = dir.resolve("system");
        system = new FlowtrapSystem(systemDir, TRAFFIC, DEMO.resolve("demo-eve.json"), args);
        String password = system.users().create("ana", Role.ANALYST).password();
        live.start();
        browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"));
        browser.signIn("ana", password);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (system != null) {
            system.close();
        }
        if (live != null) {
            live.close();
        }
    }

    @Test
    @Order(1)
    void aCaptureStartedFromTheFormEndsByItsPacketLimitAndDownloadsWhatTcpdumpSelects() throws Exception {
        String filter = "tcp port 80";
        List<String> expected = Pcaps.packets(TRAFFIC, filter);
        assertThat(expected).hasSizeGreaterThan(100);
        browser.open("/captures");
        browser.byId("new-capture").click();
        browser.waitUntil(d -> d.getCurrentUrl().endsWith("/captures/new"), "the start form");
        assertThat(browser.byId("duration").getAttribute("value")).isEqualTo("300");
        assertThat(browser.byId("max_packets").getAttribute("value")).isEqualTo("100");
        assertThat(browser.all("#probes input[type=checkbox]")).extracting(e -> e.getAttribute("value"))
                .containsExactly(LIVE, FlowtrapSystem.PROBE); // by name
        fill("web", "traffic to grantstavely.com", filter, LIVE);
        browser.byId("tags").sendKeys("case-7, web");
        browser.screenshot("capture-new");
        String id = submit();
        assertThat(state()).isEqualTo("running");
        assertThat(browser.byId("file-name").getText()).startsWith("ana_traffic.to.grantstavely.com_");
        browser.byId("stop");
        browser.screenshot("capture-running");

        live.replay(TRAFFIC, "--mbps", "50");
        browser.waitUntil(d -> "done".equals(state()), "the page showing the capture done");
        assertThat(browser.byId("ended").getText()).endsWith("(max_packets)");
        assertThat(browser.all("#stop")).isEmpty();
        assertThat(browser.byId("summary-packets").getText()).isEqualTo("100");
        List<WebElement> probes = browser.all("#probe-results tr.probe-result");
        assertThat(probes).hasSize(1);
        assertThat(probes.get(0).getAttribute("data-probe")).isEqualTo(LIVE);
        assertThat(probes.get(0).findElement(By.cssSelector(".packets")).getText()).isEqualTo("100");
        browser.screenshot("capture-done");

        JsonNode rest = system.get("/rest/captures/" + id + "/", system.analystToken).json();
        String fileName = rest.path("file_name").asText();
        clearDownloads();
        browser.byId("download").click();
        Path downloaded = awaitDownload(fileName);
        FlowtrapSystem.Response byRest = system.get("/rest/captures/" + id + "/download/", system.analystToken);
        assertThat(byRest.status()).isEqualTo(200);
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(byRest.body());
        assertThat(Pcaps.sha256(downloaded)).isEqualTo(browser.byId("sha256").getText());
        assertThat(Pcaps.packets(downloaded, "")).containsExactlyElementsOf(expected.subList(0, 100));

        clearDownloads();
        browser.all("#probe-results a.download-probe").get(0).click();
        Path perProbe = awaitDownload(fileName.replaceFirst("\\.pcap$", "") + "." + LIVE + ".pcap");
        assertThat(Pcaps.packets(perProbe, "")).containsExactlyElementsOf(expected.subList(0, 100));
        browser.assertConsoleClean();
    }

    @Test
    @Order(2)
    void aStoppedCaptureThatMatchedNothingSaysSoAndOffersNoDownload() throws Exception {
        browser.open("/captures/new");
        fill("nothing", "", "host 203.0.113.99", LIVE, FlowtrapSystem.PROBE);
        submit();
        assertThat(state()).isEqualTo("running");
        browser.byId("stop").click();
        browser.waitUntil(d -> "done".equals(state()), "the stopped capture done");
        assertThat(browser.byId("ended").getText()).endsWith("(stopped)");
        assertThat(browser.byId("capture-message").getText()).isEqualTo("no packets matched");
        assertThat(browser.all("#download")).isEmpty();
        assertThat(browser.all("#probe-results a.download-probe")).isEmpty();
        browser.screenshot("capture-no-packets");
        browser.assertConsoleClean();
    }

    @Test
    @Order(3)
    void aSecondCaptureOnABusyProbeShowsTheConflictAndQueuesWhenAsked() throws Exception {
        browser.open("/captures/new");
        fill("first", "", "udp", LIVE);
        String first = submit();
        browser.open("/captures/new");
        fill("second", "", "tcp", LIVE);
        browser.byId("start").click();
        browser.waitUntil(d -> !d.findElements(By.id("busy")).isEmpty(), "the 409");
        assertThat(browser.byId("message").getText()).contains("capture " + first + " ").contains("'first' by ana")
                .contains("running on " + LIVE);
        assertThat(browser.byId("name").getAttribute("value")).as("the form kept what was typed").isEqualTo("second");
        browser.screenshot("capture-busy");
        browser.assertConsoleClean("status of 409");
        browser.byId("queue-it").click();
        browser.waitUntil(d -> d.getCurrentUrl().matches(".*/captures/[a-z0-9]{12}$"), "the queued capture's page");
        String queued = browser.currentUrl().replaceFirst(".*/captures/", "");
        assertThat(state()).isEqualTo("queued");

        browser.open("/captures/" + first);
        browser.byId("stop").click();
        browser.waitUntil(d -> "done".equals(state()), "the first capture stopped");
        browser.open("/captures/" + queued);
        browser.waitUntil(d -> "running".equals(state()), "the queued capture started by itself");
        browser.byId("stop").click();
        browser.waitUntil(d -> "done".equals(state()), "the second capture stopped");
        browser.assertConsoleClean();
    }

    @Test
    @Order(4)
    void aFilterTheProbeRefusesShowsItsOwnWords() throws Exception {
        browser.open("/captures/new");
        fill("bad", "", "tcp port eleventy", LIVE);
        browser.byId("start").click();
        browser.waitUntil(d -> !d.findElements(By.id("message")).isEmpty(), "the refusal");
        assertThat(browser.byId("message").getText()).startsWith("invalid filter: ").contains("eleventy");
        assertThat(browser.byId("filter").getAttribute("value")).isEqualTo("tcp port eleventy");
        browser.screenshot("capture-bad-filter");
        browser.assertConsoleClean("status of 400");
    }

    @Test
    @Order(5)
    void theListFiltersByAnalystAndStateNewestFirstAndDeleteAsksFirst() throws Exception {
        JsonNode all = system.get("/rest/captures/", system.analystToken).json();
        browser.open("/captures");
        List<String> shown = browser.all("#captures tr.capture").stream().map(r -> r.getAttribute("data-id")).toList();
        assertThat(shown).isEqualTo(all.path("results").findValuesAsText("id"));
        assertThat(shown).hasSize(4);
        assertThat(browser.byId("nav-captures").getAttribute("class")).contains("active");
        WebElement newest = browser.all("#captures tr.capture").get(0);
        assertThat(newest.getText()).contains("second", "ana", LIVE, "tcp", "done");
        browser.screenshot("captures-list");

        browser.byId("analyst").sendKeys("ana");
        browser.byId("state").findElement(By.cssSelector("option[value='done']")).click();
        browser.visible("#filter button[type=submit]").click();
        browser.waitUntil(d -> d.getCurrentUrl().contains("state=done"), "the filtered list");
        assertThat(browser.all("#captures tr.capture")).hasSize(4);
        browser.open("/captures?analyst=nobody");
        assertThat(browser.byId("none").getText()).isEqualTo("No captures.");

        String id = shown.get(shown.size() - 1);
        // tagged and shared on its result's page first: both go with the capture
        browser.open("/results/capture/" + id);
        browser.byId("tags").sendKeys("to-be-deleted");
        browser.submit(browser.byId("save-labels"));
        assertThat(browser.byId("notice").getText()).isEqualTo("Tags and comment saved.");
        browser.submit(browser.byId("make-link"));
        String url = browser.byId("new-link-url").getAttribute("value");
        assertThat(system.http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        Path labels = system.dir.resolve("manager/results/labels.json");
        assertThat(Files.readString(labels)).contains("capture/" + id + "\"");

        browser.open("/captures/" + id);
        browser.byId("delete").click();
        browser.byId("confirm-delete");
        browser.screenshot("capture-delete-confirm");
        assertThat(system.get("/rest/captures/" + id + "/", system.analystToken).status()).as("nothing deleted yet").isEqualTo(200);
        browser.byId("delete-confirmed").click();
        browser.waitUntil(d -> d.getCurrentUrl().contains("/captures?deleted=" + id), "the list after the delete");
        assertThat(browser.byId("notice").getText()).contains(id);
        assertThat(browser.all("#captures tr.capture")).extracting(r -> r.getAttribute("data-id")).doesNotContain(id);
        assertThat(system.get("/rest/captures/" + id + "/", system.analystToken).status()).isEqualTo(404);
        assertThat(Files.readString(labels)).doesNotContain(id);
        assertThat(system.http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).as("its share link").isEqualTo(404);
        assertThat(system.get("/rest/shares/", system.analystToken).json().path("results").findValuesAsText("result_id"))
                .doesNotContain(id);
        browser.open("/results?tag=to-be-deleted");
        assertThat(browser.byId("none").getText()).isEqualTo("No results.");
        browser.assertConsoleClean();
    }

    @Test
    @Order(6)
    void anotherAnalystsCaptureShowsNoStopNorDeleteAndSaysWhoMay() throws Exception {
        String bob = system.ownKey("bob", Role.ANALYST);
        FlowtrapSystem.Response started = system.post("/rest/captures/", bob, "application/json", JSON.writeValueAsBytes(
                JSON.createObjectNode().put("name", "bob's").put("filter", "icmp").put("duration", 300).put("queue", true)
                        .set("probes", JSON.createArrayNode().add(FlowtrapSystem.PROBE))));
        assertThat(started.status()).as(started.text()).isEqualTo(201);
        String id = started.json().path("id").asText();
        browser.open("/captures/" + id);
        assertThat(browser.byId("not-yours").getText()).isEqualTo("Only bob (its analyst) or an admin may stop or delete this capture.");
        assertThat(browser.all("#stop")).isEmpty();
        assertThat(browser.all("#delete")).isEmpty();
        browser.screenshot("capture-not-yours");
        browser.open("/captures/" + id + "/delete");
        browser.byId("not-yours");
        assertThat(browser.all("#confirm-delete")).isEmpty();
        assertThat(system.post("/rest/captures/" + id + "/stop/", system.adminToken, "application/json", new byte[0]).status())
                .isEqualTo(200);
        browser.assertConsoleClean();
    }

    private static void fill(String name, String description, String filter, String... probes) {
        browser.byId("name").sendKeys(name);
        browser.byId("description").sendKeys(description);
        browser.byId("filter").sendKeys(filter);
        for (String p : probes) {
            browser.byId("probe-" + p).click();
        }
    }

    /** Submits the start form, waits for the new capture's page; its id. */
    private static String submit() {
        browser.byId("start").click();
        browser.waitUntil(d -> d.getCurrentUrl().matches(".*/captures/[a-z0-9]{12}$"), "the new capture's page");
        return browser.currentUrl().replaceFirst(".*/captures/", "");
    }

    /** The state the capture's page shows (null while it reloads). */
    private static String state() {
        try {
            List<WebElement> state = browser.all("#state");
            return state.isEmpty() ? null : state.get(0).getText();
        } catch (StaleElementReferenceException e) {
            return null;
        }
    }

    private static Path awaitDownload(String name) {
        return browser.awaitDownload(name);
    }

    private static void clearDownloads() throws IOException {
        browser.clearDownloads();
    }
}
