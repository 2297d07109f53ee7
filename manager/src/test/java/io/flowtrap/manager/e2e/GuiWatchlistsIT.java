package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.manager.users.Role;
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
import org.openqa.selenium.WebElement;

/**
 * The Watchlists pages in a real browser against the whole system, set up as WatchlistsIT's: a
 * live probe {@code live-1} ({@link LiveProbe}, shipping, flows ending after 2 s idle) beside the
 * replaying {@code sensor-1}. A list uploaded from the form with a line that is no address shows
 * its counts and the refused line with its reason, and its trigger in force on the probe; a name
 * taken shows the 409's words, keeping what was typed, and a file over the upload limit is stopped
 * in the page with a message; when tcpreplay sends the demo traffic into
 * the live probe, the listed entry's session appears (the page read again until it does); the
 * entries page; Delete asks first, removes the trigger, and the list says so. Screenshots under
 * target/screenshots/; no console error but the 4xx caused on purpose.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuiWatchlistsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEMO = FlowtrapSystem.REPO.resolve("ops/demo-data");
    private static final Path TRAFFIC = DEMO.resolve("demo.pcap");
    private static final String LIVE = "live-1";
    /** One server of the demo traffic, a prefix nobody uses, and a line that is no address. */
    private static final String LIST = "# Emerging Threats - fwrules\n192.0.2.1\nexample.com\n2001:db8:ffff::/48\n";

    @TempDir
    static Path dir;

    private static LiveProbe live;
    private static FlowtrapSystem system;
    private static GuiBrowser browser;
    private static Path upload;

    @BeforeAll
    static void start() throws Exception {
        upload = Files.writeString(dir.resolve("emerging-block.txt"), LIST);
        live = new LiveProbe(LIVE, dir.resolve("live"));
        List<String> args = new ArrayList<>(live.managerArguments(1));
        args.add("--flowtrap.watchlists.directory=" + Files.createDirectories(dir.resolve("lists")));
        Path systemDir = dir.resolve("system");
        system = new FlowtrapSystem(systemDir, TRAFFIC, DEMO.resolve("demo-eve.json"), args);
        String password = system.users().create("ana", Role.ANALYST).password();
        live.startShipping(system, "2s");
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

    private static void fill(String name) {
        WebElement field = browser.byId("name");
        field.clear();
        field.sendKeys(name);
        WebElement probe = browser.byId("probe-" + LIVE);
        if (!probe.isSelected()) {
            probe.click();
        }
        browser.byId("upload").sendKeys(upload.toString());
    }

    @Test
    @Order(1)
    void anUploadedListShowsItsCountsItsRefusedLineAndItsTriggerInForce() throws Exception {
        browser.open("/watchlists");
        assertThat(browser.byId("nav-watchlists").getAttribute("class")).contains("active");
        assertThat(browser.byId("none").getText()).isEqualTo("No watchlists.");
        assertThat(browser.all("#probes input[type=checkbox]")).extracting(e -> e.getAttribute("value"))
                .containsExactly(LIVE, FlowtrapSystem.PROBE);
        fill("emerging");
        browser.screenshot("watchlist-load");
        browser.submit(browser.byId("load"));
        assertThat(browser.currentUrl()).endsWith("/watchlists/emerging?loaded=1");
        assertThat(browser.byId("notice").getText()).isEqualTo("Watchlist emerging was loaded.");
        assertThat(browser.byId("source").getText()).isEqualTo("upload");
        assertThat(browser.byId("entries-count").getText()).isEqualTo("2");
        assertThat(browser.byId("refused-count").getText()).isEqualTo("1");
        assertThat(browser.byId("loaded").getText()).endsWith(" by ana");
        List<WebElement> refused = browser.all("#refused-lines tr.refused-line");
        assertThat(refused).hasSize(1);
        assertThat(refused.get(0).findElement(By.cssSelector(".line")).getText()).isEqualTo("3");
        assertThat(refused.get(0).findElement(By.cssSelector(".text")).getText()).isEqualTo("example.com");
        assertThat(refused.get(0).findElement(By.cssSelector(".reason")).getText()).contains("example.com").contains("not an IPv4");
        List<WebElement> triggers = browser.all("#probe-triggers tr.probe-trigger");
        assertThat(triggers).extracting(t -> t.getAttribute("data-probe") + " " + t.getAttribute("data-state"))
                .containsExactly(LIVE + " in_force");
        assertThat(live.triggers().findValuesAsText("name")).contains("emerging");
        assertThat(browser.all(".entry")).extracting(WebElement::getText).containsExactly("192.0.2.1/32", "2001:db8:ffff:0:0:0:0:0/48");
        assertThat(browser.byId("entries-range").getText()).isEqualTo("Entries 1–2 of 2");
        assertThat(browser.byId("no-sessions").getText()).contains("pending");
        browser.screenshot("watchlist-loaded");

        browser.open("/watchlists");
        List<WebElement> rows = browser.all("#watchlists tr.watchlist");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).findElement(By.cssSelector(".entries")).getText()).isEqualTo("2");
        assertThat(rows.get(0).findElement(By.cssSelector(".refused")).getText()).isEqualTo("1");
        assertThat(rows.get(0).findElement(By.cssSelector(".probe-trigger")).getAttribute("data-state")).isEqualTo("in_force");
        browser.screenshot("watchlists-list");
        browser.assertConsoleClean();
    }

    @Test
    @Order(2)
    void aNameTakenOrNoListShowsWhyAndKeepsWhatWasTyped() throws Exception {
        browser.open("/watchlists");
        fill("emerging");
        browser.submit(browser.byId("load"));
        assertThat(browser.byId("message").getText()).startsWith("watchlist exists: ").contains("'emerging'");
        assertThat(browser.byId("name").getAttribute("value")).isEqualTo("emerging");
        assertThat(browser.byId("probe-" + LIVE).isSelected()).isTrue();
        browser.screenshot("watchlist-name-taken");
        browser.assertConsoleClean("status of 409");

        WebElement name = browser.byId("name");
        name.clear();
        name.sendKeys("nothing");
        browser.submit(browser.byId("load"));
        assertThat(browser.byId("message").getText()).startsWith("Choose a file to upload, or name a file of ");
        browser.byId("file").sendKeys("../etc/passwd");
        browser.submit(browser.byId("load"));
        assertThat(browser.byId("message").getText()).startsWith("file outside the watchlist directory: ");
        browser.assertConsoleClean("status of 400");

        // over the upload limit (1MB): stopped in the page, saying so, nothing sent
        Path big = Files.writeString(dir.resolve("too-big.txt"), "10.0.0.1\n".repeat(150_000));
        browser.byId("file").clear();
        browser.byId("upload").sendKeys(big.toString());
        browser.byId("load").click();
        assertThat(browser.byId("upload-too-large").getText()).isEqualTo("too-big.txt is 1350000 bytes: at most 1048576 can be"
                + " uploaded. Put it in the watchlist directory and name it instead.");
        browser.screenshot("watchlist-too-large");
        browser.assertConsoleClean();
        assertThat(system.get("/rest/watchlists/", system.analystToken).json().path("count").asLong()).isEqualTo(1);
    }

    @Test
    @Order(3)
    void aSessionAppearsWhenListedTrafficFlowsAndDeleteAsksFirst() throws Exception {
        live.replay(TRAFFIC, "--mbps", "50");
        browser.open("/watchlists/emerging");
        browser.waitUntil(d -> {
            if (!d.findElements(By.cssSelector("#sessions tr.session[data-entry='192.0.2.1/32'][data-state=active]")).isEmpty()) {
                return true;
            }
            d.navigate().refresh(); // the page shows the sessions as they are when it is read: read it again
            return false;
        }, "the session of 192.0.2.1/32 active on the page");
        // the session's flows grow while the probe's reports of the replay still arrive: the page and the REST
        // answer must agree once they stop changing, read again until a read of both is the same
        browser.waitUntil(d -> {
            String onPage = d.findElements(By.cssSelector("#sessions tr.session .flows")).stream().findFirst()
                    .map(WebElement::getText).orElse("");
            try {
                String viaRest = system.get("/rest/watchlists/emerging/", system.analystToken).json().path("sessions").get(0)
                        .path("flows").asText();
                if (onPage.equals(viaRest)) {
                    return true;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            d.navigate().refresh();
            return false;
        }, "the page's flow count of the session the same as the REST answer's");
        WebElement session = browser.all("#sessions tr.session").get(0);
        assertThat(Long.parseLong(session.findElement(By.cssSelector(".flows")).getText())).isPositive();
        assertThat(browser.all("#sessions tr.session")).hasSize(1); // the unused prefix stays pending
        assertThat(browser.byId("session-counts").getText()).startsWith("1 active, 1 pending");
        browser.screenshot("watchlist-session");

        browser.byId("delete").click();
        browser.waitUntil(d -> !d.findElements(By.id("confirm-delete")).isEmpty(), "the delete asking first");
        browser.screenshot("watchlist-delete-confirm");
        browser.submit(browser.byId("delete-confirmed"));
        assertThat(browser.byId("notice").getText()).isEqualTo("Watchlist emerging was deleted.");
        assertThat(browser.all("#watchlists tr.watchlist")).isEmpty();
        assertThat(live.triggers().findValuesAsText("name")).doesNotContain("emerging");
        assertThat(system.get("/rest/watchlists/emerging/", system.analystToken).status()).isEqualTo(404);
        browser.assertConsoleClean();
    }
}
