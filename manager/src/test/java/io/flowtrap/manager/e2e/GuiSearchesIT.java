package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.users.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Searches pages in a real browser against the whole system: the manager, Elasticsearch, the
 * replaying probe {@code sensor-1} (what it stored of ops/demo-data is what is searched) and a
 * registered probe {@code down-1} nothing serves. A search started from the form ends done on its
 * own page (refreshed by assets/search-progress.js), its packet count what the REST API says and
 * its download, byte for byte the REST download, packet for packet what {@code tcpdump -r} of the
 * store's segments keeps in the window ({@link StoreOracle}); a search over both probes is done
 * with sensor-1's packets while down-1's part fails alone, its retries and reason on the page; a
 * search the manager refuses (window too long, a time it cannot read, an unknown probe) shows the
 * manager's words with the form kept filled in, and a filter libpcap refuses fails with its words;
 * a search running on down-1 (whose retry delay keeps it running) is cancelled from its page, the
 * one queued behind it from the list. Screenshots under target/screenshots/; no console
 * error but the 4xx caused on purpose.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuiSearchesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEMO = FlowtrapSystem.REPO.resolve("ops/demo-data");
    private static final String DOWN = "down-1";
    private static final String SENSOR = FlowtrapSystem.PROBE;

    @TempDir
    static Path dir;

    private static FlowtrapSystem system;
    private static GuiBrowser browser;
    private static List<Long> times;

    @BeforeAll
    static void start() throws Exception {
        Path systemDir = dir.resolve("system");
        List<String> args = new ArrayList<>(StoreOracle.unservedProbe(systemDir, 1, DOWN));
        // down-1's part waits this long between its two calls: what keeps a search on it running
        args.addAll(List.of("--flowtrap.searches.max-attempts=2", "--flowtrap.searches.retry-delay=20s",
                "--flowtrap.searches.progress-interval=100ms"));
        system = new FlowtrapSystem(systemDir, DEMO.resolve("demo.pcap"), DEMO.resolve("demo-eve.json"), args);
        String password = system.users().create("ana", Role.ANALYST).password();
        system.awaitIndexed(system.recordedAlerts().size(), Duration.ofSeconds(120));
        times = StoreOracle.times(system.store);
        assertThat(times).hasSizeGreaterThan(100);
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
    void aSearchStartedFromTheFormEndsDoneWithWhatTcpdumpKeepsOfTheStoreInTheWindow() throws Exception {
        long from = times.get(times.size() / 4);
        long to = times.get(times.size() * 3 / 4);
        String filter = "tcp and not port 443";
        List<String> expected = StoreOracle.kept(system.store, filter, from, to);
        assertThat(expected).hasSizeGreaterThan(10);

        browser.open("/searches");
        assertThat(browser.byId("nav-searches").getAttribute("class")).contains("active");
        Instant defaultFrom = Instant.parse(browser.byId("from").getAttribute("value"));
        Instant defaultTo = Instant.parse(browser.byId("to").getAttribute("value"));
        assertThat(Duration.between(defaultFrom, defaultTo)).as("the last hour").isEqualTo(Duration.ofHours(1));
        assertThat(Duration.between(defaultTo, Instant.now()).abs()).isLessThan(Duration.ofMinutes(5));
        assertThat(browser.all("#probes input[type=checkbox]")).extracting(e -> e.getAttribute("value"))
                .containsExactly(DOWN, SENSOR);
        assertThat(browser.all("#probes input[type=checkbox]")).allMatch(WebElement::isSelected);
        fill(filter, from, to, SENSOR);
        browser.screenshot("search-new");
        String id = submit();

        browser.waitUntil(d -> "done".equals(state()), "the page showing the search done");
        JsonNode rest = system.get("/rest/searches/" + id + "/", system.analystToken).json();
        assertThat(rest.path("state").asText()).isEqualTo("done");
        assertThat(rest.path("analyst").asText()).isEqualTo("ana");
        assertThat(browser.byId("summary-packets").getText()).isEqualTo(rest.path("summary").path("packets").asText())
                .isEqualTo(Integer.toString(expected.size()));
        assertThat(browser.byId("filter").getText()).isEqualTo(filter);
        assertThat(browser.byId("from").getText()).isEqualTo(Instant.ofEpochSecond(0, from).toString());
        assertThat(browser.all("#cancel")).isEmpty();
        WebElement part = browser.visible("#parts tr.part");
        assertThat(part.getAttribute("data-probe")).isEqualTo(SENSOR);
        assertThat(part.findElement(By.cssSelector(".packets")).getText()).isEqualTo(Integer.toString(expected.size()));
        assertThat(part.findElement(By.cssSelector(".window")).getText())
                .isEqualTo(rest.path("parts").get(0).path("window_segments").asLong() + " segments, "
                        + rest.path("parts").get(0).path("window_bytes").asLong() + " bytes");
        browser.screenshot("search-done");

        browser.clearDownloads();
        browser.byId("download").click();
        Path downloaded = browser.awaitDownload("search-" + id + ".pcap");
        FlowtrapSystem.Response byRest = system.get("/rest/searches/" + id + "/download/", system.analystToken);
        assertThat(byRest.status()).isEqualTo(200);
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(byRest.body());
        assertThat(StoreOracle.packets(downloaded, "")).containsExactlyElementsOf(expected);

        // the list: the search, done, with its packets and a download
        browser.open("/searches");
        WebElement row = row(id);
        assertThat(row.getAttribute("data-state")).isEqualTo("done");
        assertThat(row.getText()).contains("ana", filter, SENSOR);
        assertThat(row.findElement(By.cssSelector(".packets")).getText()).isEqualTo(Integer.toString(expected.size()));
        assertThat(row.findElements(By.cssSelector("a.download"))).hasSize(1);
        assertThat(row.findElements(By.cssSelector("button.cancel"))).isEmpty();
        browser.screenshot("searches-list");
        browser.assertConsoleClean();
    }

    @Test
    @Order(2)
    void aProbeThatFailsFailsItsOwnPartAloneAndItsReasonShows() throws Exception {
        long from = times.get(0);
        long to = times.get(times.size() - 1);
        List<String> expected = StoreOracle.kept(system.store, "udp", from, to);
        browser.open("/searches");
        fill("udp", from, to, SENSOR, DOWN);
        String id = submit();
        browser.waitUntil(d -> "running".equals(state()), "the search running");
        browser.driver().executeScript("window.flowtrapNotReloaded = true;");
        longWait(d -> "done".equals(state()), "the search done once down-1's retries ran out");
        assertThat(browser.driver().executeScript("return window.flowtrapNotReloaded === true;"))
                .as("the page swapped its live part in, it did not reload").isEqualTo(true);
        assertThat(browser.byId("search-message").getText()).startsWith("1 of 2 probes failed: " + DOWN + ": probe unreachable");
        assertThat(browser.byId("summary-packets").getText()).isEqualTo(Integer.toString(expected.size()));
        WebElement down = part(DOWN);
        assertThat(down.getAttribute("data-state")).isEqualTo("failed");
        assertThat(down.findElement(By.cssSelector(".attempts")).getText()).isEqualTo("2");
        assertThat(down.findElement(By.cssSelector(".retry-reasons")).getText()).contains("probe unreachable");
        assertThat(down.findElement(By.cssSelector(".part-error")).getText()).contains("probe unreachable").contains("2 attempts");
        assertThat(down.findElement(By.cssSelector(".window")).getText()).isEqualTo("not known");
        assertThat(down.findElements(By.cssSelector("a.download-probe"))).isEmpty();
        WebElement sensor = part(SENSOR);
        assertThat(sensor.getAttribute("data-state")).isEqualTo("done");
        assertThat(sensor.findElement(By.cssSelector(".packets")).getText()).isEqualTo(Integer.toString(expected.size()));
        browser.screenshot("search-one-probe-failed");

        browser.clearDownloads();
        sensor.findElement(By.cssSelector("a.download-probe")).click();
        Path perProbe = browser.awaitDownload("search-" + id + "." + SENSOR + ".pcap");
        assertThat(StoreOracle.packets(perProbe, "")).containsExactlyElementsOf(expected);

        browser.open("/searches");
        assertThat(row(id).findElement(By.cssSelector(".part[data-probe='" + DOWN + "'] .part-error")).getText())
                .contains("probe unreachable");
        browser.assertConsoleClean();
    }

    @Test
    @Order(3)
    void aSearchTheManagerRefusesShowsItsWordsWithTheFormKept() throws Exception {
        Instant now = Instant.now();
        browser.open("/searches");
        fill("tcp port 80", now.minus(Duration.ofHours(25)), now, SENSOR);
        browser.submit(browser.byId("start"));
        assertThat(browser.byId("message").getText()).startsWith("search too long: a window of 90000 s")
                .contains("flowtrap.searches.max-window (86400 s)");
        assertThat(browser.byId("filter").getAttribute("value")).as("the form kept what was typed").isEqualTo("tcp port 80");
        assertThat(browser.byId("from").getAttribute("value")).isEqualTo(now.minus(Duration.ofHours(25)).toString());
        assertThat(browser.byId("probe-" + SENSOR).isSelected()).isTrue();
        assertThat(browser.byId("probe-" + DOWN).isSelected()).isFalse();
        browser.screenshot("search-too-long");
        browser.assertConsoleClean("status of 413");

        browser.byId("from").clear();
        browser.byId("from").sendKeys("yesterday");
        browser.submit(browser.byId("start"));
        assertThat(browser.byId("message").getText()).startsWith("bad window: from and to are RFC 3339 times");
        assertThat(browser.byId("from").getAttribute("value")).isEqualTo("yesterday");
        browser.assertConsoleClean("status of 400");

        // a probe the manager does not know (one removed since the form was shown, say)
        browser.byId("from").clear();
        browser.byId("from").sendKeys(now.minusSeconds(60).toString());
        browser.driver().executeScript("document.getElementById('probe-" + SENSOR + "').value = 'nosuch';");
        browser.submit(browser.byId("start"));
        assertThat(browser.byId("message").getText()).startsWith("unknown probe: no probe named 'nosuch' is registered");
        browser.assertConsoleClean("status of 400");

        // a filter libpcap refuses: the search fails, with libpcap's words
        browser.open("/searches");
        fill("tcp port eleventy", now.minusSeconds(60), now, SENSOR);
        submit();
        browser.waitUntil(d -> "failed".equals(state()), "the search failed");
        assertThat(part(SENSOR).findElement(By.cssSelector(".part-error")).getText()).contains("eleventy");
        browser.screenshot("search-bad-filter");
        browser.assertConsoleClean();
    }

    @Test
    @Order(4)
    void theRunningSearchIsCancelledFromItsPageAndTheOneQueuedBehindItFromTheList() throws Exception {
        Instant now = Instant.now();
        // another analyst's: the first runs on down-1 for the retry delay, the second waits behind it
        String first = create(now, DOWN);
        String second = create(now, DOWN);
        browser.open("/searches/" + first);
        browser.waitUntil(d -> "running".equals(state()), "the first search running");
        assertThat(browser.byId("analyst").getText()).isEqualTo("grant");
        click("#cancel");
        // cancelled as soon as its probe's call (the retry delay) is over; meanwhile it holds down-1
        browser.open("/searches");
        browser.waitUntil(d -> "queued".equals(rowState(second)), "the second search shown queued");
        WebElement queued = row(second);
        assertThat(queued.getText()).contains("grant");
        assertThat(queued.findElement(By.cssSelector(".queue-position")).getText()).isEqualTo("(1 ahead in line)");
        browser.screenshot("searches-queued");
        click("tr.search[data-id='" + second + "'] button.cancel");
        browser.waitUntil(d -> "cancelled".equals(rowState(second)), "the queued search cancelled");
        assertThat(row(second).findElement(By.cssSelector(".part-error")).getText()).contains("cancelled by ana before it started");
        assertThat(row(second).findElements(By.cssSelector("button.cancel"))).isEmpty();
        assertThat(system.get("/rest/searches/" + second + "/", system.analystToken).json().path("state").asText())
                .isEqualTo("cancelled");

        longWait(d -> "cancelled".equals(rowState(first)), "the list showing the running search cancelled by itself");
        browser.open("/searches/" + first);
        assertThat(state()).isEqualTo("cancelled");
        assertThat(browser.all("#cancel")).isEmpty();
        assertThat(browser.all("#download")).isEmpty();
        assertThat(part(DOWN).findElement(By.cssSelector(".part-error")).getText()).isEqualTo("cancelled while it ran");
        assertThat(system.get("/rest/searches/" + first + "/", system.analystToken).json().path("state").asText())
                .isEqualTo("cancelled");
        browser.screenshot("search-cancelled");
        browser.assertConsoleClean();
    }

    /** Starts a search by REST for analyst grant over the minute before {@code now}; its id. */
    private static String create(Instant now, String probe) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("filter", "tcp").put("from", now.minusSeconds(60).toString())
                .put("to", now.toString()).put("analyst", "grant");
        request.putArray("probes").add(probe);
        FlowtrapSystem.Response r = system.post("/rest/searches/", system.analystToken, "application/json",
                JSON.writeValueAsBytes(request));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json().path("id").asText();
    }

    private static void fill(String filter, long from, long to, String... probes) {
        fill(filter, Instant.ofEpochSecond(0, from), Instant.ofEpochSecond(0, to), probes);
    }

    /** Fills the start form: the filter, the window, exactly these probes checked. */
    private static void fill(String filter, Instant from, Instant to, String... probes) {
        browser.byId("filter").sendKeys(filter);
        browser.byId("from").clear();
        browser.byId("from").sendKeys(from.toString());
        browser.byId("to").clear();
        browser.byId("to").sendKeys(to.toString());
        for (WebElement box : browser.all("#probes input[type=checkbox]")) {
            if (box.isSelected() != List.of(probes).contains(box.getAttribute("value"))) {
                box.click();
            }
        }
    }

    /** Submits the start form, waits for the new search's page; its id. */
    private static String submit() {
        browser.byId("start").click();
        browser.waitUntil(d -> d.getCurrentUrl().matches(".*/searches/[a-z0-9]{12}$"), "the new search's page");
        return browser.currentUrl().replaceFirst(".*/searches/", "");
    }

    /** Waits up to twice the retry delay and more (a machine under load) until {@code condition} holds. */
    private static void longWait(Predicate<WebDriver> condition, String what) {
        new WebDriverWait(browser.driver(), Duration.ofSeconds(90)).withMessage(what).until(condition::test);
    }

    /**
     * Clicks the button {@code css} finds (again if the page's refresh replaced it under the click)
     * and waits for the page its form leads to.
     */
    private static void click(String css) {
        browser.waitUntil(d -> {
            try {
                browser.submit(d.findElement(By.cssSelector(css)));
                return true;
            } catch (StaleElementReferenceException e) {
                return false;
            }
        }, "clicking " + css);
    }

    private static WebElement row(String id) {
        return browser.visible("#searches tr.search[data-id='" + id + "']");
    }

    private static WebElement part(String probe) {
        return browser.visible("#parts tr.part[data-probe='" + probe + "']");
    }

    /** The state the list shows for search {@code id} (null while the list is swapped or reloads). */
    private static String rowState(String id) {
        try {
            List<WebElement> rows = browser.all("#searches tr.search[data-id='" + id + "']");
            return rows.isEmpty() ? null : rows.get(0).getAttribute("data-state");
        } catch (StaleElementReferenceException e) {
            return null;
        }
    }

    /** The state the search's page shows (null while it is swapped or reloads). */
    private static String state() {
        try {
            List<WebElement> state = browser.all("#state");
            return state.isEmpty() ? null : state.get(0).getText();
        } catch (StaleElementReferenceException e) {
            return null;
        }
    }
}
