package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.manager.users.Role;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;

/**
 * The settings GUI against the whole system, in a real browser ({@link GuiBrowser}): Elasticsearch,
 * the manager, the replaying probe of {@link FlowtrapSystem} ({@code sensor-1}) and a second probe
 * ({@code sensor-live}) capturing live on the loopback interface (only the UDP port this test sends
 * to, by its BPF filter) with alerts from an eve.json this test appends to. Unticking "Activate
 * pcap extraction on alerts" in the template and pressing Apply changes makes the live probe's next
 * alert arm nothing (its own counters and store say so) while the alert still reaches the alert
 * list; an override on one probe survives a change of its template; with the live probe stopped its
 * task reads unreachable and is retried while sensor-1's succeeds, and succeeds once the probe is
 * back; a second Apply while a task is in flight is reported; analysts see the pages and get 403 on
 * their forms; the Audit page lists what was done. Each page is screenshot under
 * target/screenshots; no page logs a console error. One system for the whole class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SettingsGuiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LIVE = "sensor-live";
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" content=\"([^\"]+)\"");
    private static final DateTimeFormatter EVE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ");

    private static Path dir;
    private static FlowtrapSystem system;
    private static String adminPassword;
    private static String analystPassword;
    private static Process live;
    private static int livePort;
    private static Path liveEve;
    private static DatagramSocket receiver;
    private static int alertsSent;
    private static int signature = 9_300_000;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-settings-gui-it");
        livePort = FlowtrapSystem.freePort();
        receiver = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Files.writeString(dir.resolve("live-api.token"), io.flowtrap.api.auth.ApiToken.generate());
        system = new FlowtrapSystem(dir, FlowtrapSystem.REPO.resolve("ops/demo-data/demo.pcap"),
                FlowtrapSystem.REPO.resolve("ops/demo-data/demo-eve.json"), List.of(
                        "--flowtrap.probes[1].name=" + LIVE,
                        "--flowtrap.probes[1].url=https://127.0.0.1:" + livePort,
                        "--flowtrap.probes[1].token-file=" + dir.resolve("live-api.token"),
                        "--flowtrap.probes[1].ca-certificate=" + dir.resolve("tls/ca.pem"),
                        "--flowtrap.apply.retries=40",
                        "--flowtrap.apply.backoff=500ms",
                        "--flowtrap.apply.max-backoff=2s",
                        "--flowtrap.apply.timeout=5s"));
        adminPassword = system.users().create("bob", Role.ADMIN).password();
        analystPassword = system.users().create("ana", Role.ANALYST).password();
        Files.writeString(dir.resolve("live-shipper.token"), system.probeKeyFor(LIVE));
        liveEve = dir.resolve("live/eve.json");
        Files.createDirectories(liveEve.getParent());
        Files.createFile(liveEve);
        Files.writeString(dir.resolve("live/probe.yaml"), String.join("\n",
                "name: " + LIVE,
                "capture:",
                "  interface-name: lo",
                "  engine: pcap",
                "  filter: udp port " + receiver.getLocalPort(),
                "alerts:",
                "  eve-file: " + liveEve,
                "flows:",
                "  max-flows: 10000",
                "lookback:",
                "  size: 8MB",
                "store:",
                "  dir: " + dir.resolve("live/store"),
                "  max-size: 64MB",
                "  segment-size: 1MB",
                "api:",
                "  listen: 127.0.0.1:" + livePort,
                "  token-file: " + dir.resolve("live-api.token"),
                "  tls-certificate: " + dir.resolve("tls/server.pem"),
                "  tls-key: " + dir.resolve("tls/server.key"),
                "  carve-dir: " + dir.resolve("live/carves"),
                "manager:",
                "  url: " + system.managerUrl(),
                "  token-file: " + dir.resolve("live-shipper.token"),
                "  ca-certificate: " + dir.resolve("tls/ca.pem"),
                "  spool-dir: " + dir.resolve("live/spool"),
                ""));
        startLive("live-1");
        system.awaitIndexed(system.recordedAlerts().size(), Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() throws Exception {
        if (live != null && live.isAlive()) {
            live.destroy();
            live.waitFor(30, TimeUnit.SECONDS);
        }
        if (system != null) {
            system.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    @Order(1)
    void untickingPcapExtractionInTheTemplateAndApplyingMakesTheNextAlertsArmNothingWhileTheyStillReachTheAlertList()
            throws Exception {
        try (GuiBrowser browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"))) {
            browser.signIn("bob", adminPassword);
            browser.open("/appliances");
            assertThat(browser.title()).isEqualTo("flowtrap: Appliances");
            WebElement liveRow = browser.byId("probe-" + LIVE);
            assertThat(liveRow.findElement(By.className("state")).getText()).isEqualTo("reachable");
            assertThat(browser.byId("probe-" + FlowtrapSystem.PROBE).findElement(By.className("state")).getText())
                    .isEqualTo("reachable");
            JsonNode sensorStore = probeGet(FlowtrapSystem.PROBE, "/api/v1/store");
            assertThat(browser.byId("probe-" + FlowtrapSystem.PROBE).findElement(By.className("segments")).getText())
                    .isEqualTo(String.format(java.util.Locale.ROOT, "%,d", sensorStore.get("segments").asLong()));
            String software = probeGet(LIVE, "/api/v1/health").get("version").asText();
            assertThat(software).as("the probe's Maven version, set at build time").matches("\\d+\\.\\d+\\.\\d+([.-].+)?");
            assertThat(liveRow.findElement(By.className("software")).getText()).isEqualTo(software);
            assertThat(browser.byId("probe-" + FlowtrapSystem.PROBE).findElement(By.className("software")).getText())
                    .isEqualTo(probeGet(FlowtrapSystem.PROBE, "/api/v1/health").get("version").asText());
            browser.screenshot("settings-appliances");
            browser.assertConsoleClean();

            // with extraction on (as both probes started), an alerted live flow is armed and stored
            sendFlowWithAlert();
            awaitMetric(LIVE, "flowtrap_flows_armed_total", v -> v == 1);
            awaitStoreMatchesCaptured();
            long storedBefore = probeGet(LIVE, "/api/v1/store").get("packets").asLong();
            assertThat(storedBefore).isPositive();

            // nothing is pending at first sight: each probe follows "default", the live one overriding where it differs
            browser.open("/changes");
            assertThat(browser.byId("no-pending").getText()).contains("No pending modifications");
            browser.open("/appliances/" + LIVE + "/settings");
            assertThat(badge(browser, "pcap_extraction_on_alerts")).isEqualTo("inherited");
            assertThat(badge(browser, "capture.filter")).isEqualTo("overridden");
            assertThat(value(browser, "capture.filter")).isEqualTo("udp port " + receiver.getLocalPort());

            browser.open("/templates/default");
            browser.screenshot("settings-template");
            WebElement box = browser.byId("v-pcap_extraction_on_alerts");
            assertThat(box.isSelected()).isTrue();
            box.click();
            browser.submit(browser.byId("save-template"));
            assertThat(browser.byId("notice").getText()).contains("Template default saved");
            assertThat(browser.byId("v-pcap_extraction_on_alerts").isSelected()).isFalse();
            browser.assertConsoleClean();

            browser.open("/changes");
            for (String probe : List.of(FlowtrapSystem.PROBE, LIVE)) {
                WebElement diff = browser.byId("d-" + probe + "-pcap_extraction_on_alerts");
                assertThat(diff.findElement(By.className("from")).getText()).isEqualTo("true");
                assertThat(diff.findElement(By.className("to")).getText()).isEqualTo("false");
            }
            browser.screenshot("settings-pending");
            long liveVersion = probeGet(LIVE, "/api/v1/settings").get("version").asLong();
            browser.submit(browser.byId("apply-changes"));
            assertThat(browser.byId("notice").getText()).contains("a task for").contains(LIVE).contains(FlowtrapSystem.PROBE);
            awaitTask(browser, LIVE, "finished", "success");
            awaitTask(browser, FlowtrapSystem.PROBE, "finished", "success");
            browser.screenshot("settings-tasks");
            browser.assertConsoleClean();
            JsonNode liveSettings = probeGet(LIVE, "/api/v1/settings");
            assertThat(liveSettings.get("version").asLong()).isEqualTo(liveVersion + 1);
            assertThat(liveSettings.get("running").get("pcap_extraction_on_alerts").asBoolean()).isFalse();
            assertThat(liveSettings.get("running").get("capture").get("filter").asText())
                    .as("the override stayed").isEqualTo("udp port " + receiver.getLocalPort());
            assertThat(probeGet(FlowtrapSystem.PROBE, "/api/v1/settings").get("running").get("pcap_extraction_on_alerts")
                    .asBoolean()).isFalse();
            browser.open("/changes");
            assertThat(browser.byId("no-pending").isDisplayed()).isTrue();

            // the next alert arms nothing: the probe counts it unarmed, arms no flow, stores nothing more
            long indexedBefore = alertCount();
            long capturedBefore = metric(LIVE, "flowtrap_packets_captured_total");
            int datagrams = sendFlowWithAlert();
            awaitMetric(LIVE, "flowtrap_alerts_unarmed_total", v -> v == 1);
            awaitMetric(LIVE, "flowtrap_packets_captured_total", v -> v >= capturedBefore + datagrams);
            assertThat(metric(LIVE, "flowtrap_flows_armed_total")).isEqualTo(1);
            assertThat(probeGet(LIVE, "/api/v1/store").get("packets").asLong()).as("the store did not grow").isEqualTo(storedBefore);
            // ... and the alert still reaches the alert list
            system.awaitIndexed(indexedBefore + 1, Duration.ofSeconds(60));
            FlowtrapSystem.Response hit = system.get("/rest/rules/es/alerts_tail/?from_date=0&page_size=5&qfilter="
                    + URLEncoder.encode("alert.signature_id:" + signature, StandardCharsets.UTF_8), system.analystToken);
            assertThat(hit.json().path("count").asLong()).as(hit.text()).isEqualTo(1);
            assertThat(hit.json().path("results").get(0).path("host").asText()).isEqualTo(LIVE);
        }
    }

    @Test
    @Order(2)
    void anOverrideOnOneProbeSurvivesAChangeOfItsTemplate() throws Exception {
        try (GuiBrowser browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"))) {
            browser.signIn("bob", adminPassword);
            browser.open("/appliances/" + LIVE + "/settings");
            WebElement row = browser.byId("s-store-segment_age");
            WebElement input = row.findElement(By.className("override-value"));
            input.clear();
            input.sendKeys("300s");
            browser.submit(row.findElement(By.className("override")));
            assertThat(browser.byId("notice").getText()).contains("Segment age overridden on " + LIVE);
            assertThat(value(browser, "store.segment_age")).as("written the probe's way").isEqualTo("5m");
            assertThat(badge(browser, "store.segment_age")).isEqualTo("overridden");
            browser.screenshot("settings-probe");

            browser.open("/templates/default");
            WebElement age = browser.byId("v-store-segment_age");
            age.clear();
            age.sendKeys("20m");
            browser.byId("v-pcap_extraction_on_alerts").click(); // extraction on again
            browser.submit(browser.byId("save-template"));
            assertThat(browser.byId("notice").getText()).contains("saved");

            browser.open("/appliances/" + LIVE + "/settings");
            assertThat(value(browser, "store.segment_age")).isEqualTo("5m");
            assertThat(badge(browser, "store.segment_age")).isEqualTo("overridden");
            assertThat(value(browser, "pcap_extraction_on_alerts")).isEqualTo("true");
            assertThat(badge(browser, "pcap_extraction_on_alerts")).isEqualTo("inherited");
            browser.open("/appliances/" + FlowtrapSystem.PROBE + "/settings");
            assertThat(value(browser, "store.segment_age")).isEqualTo("20m");
            assertThat(badge(browser, "store.segment_age")).isEqualTo("inherited");

            browser.open("/changes");
            assertThat(browser.byId("d-" + LIVE + "-store-segment_age").findElement(By.className("to")).getText()).isEqualTo("5m");
            assertThat(browser.byId("d-" + FlowtrapSystem.PROBE + "-store-segment_age").findElement(By.className("to")).getText())
                    .isEqualTo("20m");
            // someone changes the live probe's settings behind the manager's back: its version moves on
            JsonNode current = probeGet(LIVE, "/api/v1/settings");
            JsonNode behindTheBack = probePut(LIVE, ((com.fasterxml.jackson.databind.node.ObjectNode) current.get("settings").deepCopy())
                    .put("version", current.get("version").asLong()));
            assertThat(behindTheBack.get("version").asLong()).isEqualTo(current.get("version").asLong() + 1);
            browser.byId("apply-changes").click();
            WebElement liveTask = awaitTask(browser, LIVE, "finished", "success");
            assertThat(liveTask.findElement(By.className("note")).getText()).as("the 409 is re-read and reported")
                    .contains("version " + current.get("version").asLong() + " was stale (409")
                    .contains("read again: version " + behindTheBack.get("version").asLong());
            awaitTask(browser, FlowtrapSystem.PROBE, "finished", "success");
            JsonNode running = probeGet(LIVE, "/api/v1/settings").get("running");
            assertThat(running.get("store").get("segment_age").asText()).isEqualTo("5m");
            assertThat(running.get("pcap_extraction_on_alerts").asBoolean()).isTrue();
            assertThat(probeGet(FlowtrapSystem.PROBE, "/api/v1/settings").get("running").get("store").get("segment_age").asText())
                    .isEqualTo("20m");
            browser.assertConsoleClean();
        }
    }

    @Test
    @Order(3)
    void aStoppedProbesTaskReadsUnreachableAndIsRetriedWhileTheOtherSucceedsAndSucceedsOnceItIsBack() throws Exception {
        live.destroy();
        assertThat(live.waitFor(60, TimeUnit.SECONDS)).isTrue();
        try (GuiBrowser browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"))) {
            browser.signIn("bob", adminPassword);
            long start = System.nanoTime();
            browser.open("/appliances");
            assertThat(browser.byId("probe-" + LIVE).findElement(By.className("state")).getText()).isEqualTo("unreachable");
            assertThat(browser.byId("probe-" + FlowtrapSystem.PROBE).findElement(By.className("state")).getText())
                    .isEqualTo("reachable");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("an unreachable probe costs the page its timeout only")
                    .isLessThan(Duration.ofSeconds(10));
            browser.screenshot("settings-appliances-unreachable");

            browser.open("/templates/default");
            browser.byId("v-pcap_extraction_on_alerts").click(); // off
            browser.submit(browser.byId("save-template"));
            assertThat(browser.byId("notice").getText()).contains("saved");
            browser.open("/changes");
            browser.byId("apply-changes").click();
            awaitTask(browser, FlowtrapSystem.PROBE, "finished", "success");
            WebElement retried = awaitTask(browser, LIVE, "scheduled", "unreachable");
            browser.waitUntil(d -> {
                d.navigate().refresh();
                return Integer.parseInt(latestTask(d.findElements(By.cssSelector("#tasks tbody tr")), LIVE)
                        .findElement(By.className("retries")).getText()) >= 1;
            }, "a retry of " + LIVE + "'s task");
            retried = latestTask(browser.all("#tasks tbody tr"), LIVE);
            assertThat(retried.findElement(By.className("error")).getText()).contains("cannot connect to probe " + LIVE);
            browser.screenshot("settings-tasks-unreachable");

            // a second Apply while the task is in flight is reported, not merged
            browser.byId("apply-changes").click();
            assertThat(browser.byId("in-flight").getText()).contains("not merged").contains(LIVE);
            browser.assertConsoleClean();

            startLive("live-2");
            WebElement done = awaitTask(browser, LIVE, "finished", "success");
            assertThat(Integer.parseInt(done.findElement(By.className("retries")).getText())).isGreaterThanOrEqualTo(1);
            assertThat(probeGet(LIVE, "/api/v1/settings").get("running").get("pcap_extraction_on_alerts").asBoolean()).isFalse();
            browser.assertConsoleClean();
        }
    }

    @Test
    @Order(4)
    void analystsSeeThePagesButTheirFormsAreRefusedAndTheAuditIsForAdmins() throws Exception {
        try (GuiBrowser browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"))) {
            browser.open("/login");
            browser.byId("username").sendKeys("ana");
            browser.byId("password").sendKeys("not her password");
            browser.byId("login").findElement(By.cssSelector("button[type=submit]")).click();
            browser.waitUntil(d -> d.getCurrentUrl().endsWith("/login?error"), "the refused sign-in");
            browser.signIn("ana", analystPassword);
            browser.open("/templates/default");
            assertThat(browser.all("#save-template")).as("no Save for analysts").isEmpty();
            browser.open("/templates");
            browser.screenshot("settings-templates");
            browser.open("/changes");
            assertThat(browser.all("#apply-changes")).isEmpty();
            browser.open("/appliances");
            assertThat(browser.all("#add-probe")).isEmpty();
            assertThat(browser.all("#nav-audit")).as("no Audit link for analysts").isEmpty();
            assertThat(browser.all("#nav-appliances")).isNotEmpty();
            browser.open("/audit");
            assertThat(browser.byId("forbidden").getText()).isEqualTo("Not for your role");
            assertThat(browser.all("#audit")).as("no audit entry shown").isEmpty();
            browser.screenshot("settings-audit-forbidden");
            browser.assertConsoleClean("/audit - Failed to load resource: the server responded with a status of 403"); // the page's own status
            String csrf = csrf(browser);
            Cookie session = browser.driver().manage().getCookieNamed("FLOWTRAP_SESSION");
            for (String path : List.of("/templates/default", "/changes/apply", "/appliances", "/appliances/" + LIVE + "/remove",
                    "/appliances/" + LIVE + "/settings/override")) {
                assertThat(postWithSession(path, session.getValue(), "_csrf=" + csrf + "&setting=store.segment_age&value=1m"))
                        .as("analyst POST %s", path).isEqualTo(403);
            }
            assertThat(getWithSession("/audit", session.getValue())).isEqualTo(403);
            assertThat(probeGet(LIVE, "/api/v1/settings").get("running").get("store").get("segment_age").asText())
                    .as("nothing changed").isEqualTo("5m");
        }
        try (GuiBrowser browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"))) {
            browser.signIn("bob", adminPassword);
            browser.byId("nav-audit").click();
            browser.waitUntil(d -> d.getCurrentUrl().endsWith("/audit"), "the Audit page from its link");
            String audit = browser.byId("audit").getText();
            assertThat(audit).contains("login.success").contains("template.edit").contains("override.set")
                    .contains("apply.request").contains("apply.result");
            assertThat(browser.all("#audit tbody tr").get(0).findElement(By.className("action")).getText())
                    .as("newest first").isEqualTo("login.success");
            browser.screenshot("settings-audit");
            browser.open("/appliances/" + LIVE + "/edit");
            assertThat(browser.byId("token").getAttribute("value")).as("the key is never shown back").isEmpty();
            assertThat(browser.driver().getPageSource()).doesNotContain(Files.readString(dir.resolve("live-api.token")).strip());
            browser.screenshot("settings-appliance-edit");
            browser.assertConsoleClean();
        }
    }

    @Test
    @Order(5)
    void anElasticsearchOutageIsSaidOnThePageAndLosesNoEdit() throws Exception {
        try (GuiBrowser browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"))) {
            browser.signIn("bob", adminPassword);
            browser.open("/templates/default");
            system.elasticsearch.stop();
            try {
                WebElement lookback = browser.byId("v-lookback-size");
                lookback.clear();
                lookback.sendKeys("32MB");
                browser.submit(browser.byId("save-template"));
                assertThat(browser.byId("message").getText()).contains("Elasticsearch unavailable").contains("nothing was changed");
                assertThat(browser.byId("v-lookback-size").getAttribute("value")).as("what was typed is still there").isEqualTo("32MB");
                browser.screenshot("settings-template-elasticsearch-down");
                browser.open("/appliances");
                assertThat(browser.byId("probe-" + LIVE).findElement(By.className("state")).getText())
                        .as("the probes are known through the outage").isEqualTo("reachable");
                browser.open("/changes");
                assertThat(browser.byId("message").getText()).contains("Elasticsearch unavailable");
            } finally {
                system.elasticsearch.start();
            }
            browser.open("/templates/default");
            assertThat(browser.byId("v-lookback-size").getAttribute("value")).as("the refused edit was not half-made").isEqualTo("64MB");
            WebElement lookback = browser.byId("v-lookback-size");
            lookback.clear();
            lookback.sendKeys("32MB");
            browser.submit(browser.byId("save-template"));
            assertThat(browser.byId("notice").getText()).contains("saved");
            browser.open("/changes");
            assertThat(browser.byId("d-" + FlowtrapSystem.PROBE + "-lookback-size").findElement(By.className("to")).getText())
                    .isEqualTo("32MB");
            browser.assertConsoleClean();
        }
    }

    @Test
    @Order(6)
    void adminsAddEditAndRemoveProbesKeptAcrossARestartAndKeysAndDownloadsAreAudited() throws Exception {
        String liveKey = Files.readString(dir.resolve("live-api.token")).strip();
        try (GuiBrowser browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"))) {
            browser.signIn("bob", adminPassword);
            browser.open("/appliances");
            browser.byId("name").sendKeys("sensor-extra");
            browser.byId("url").sendKeys("https://127.0.0.1:" + livePort);
            browser.byId("token").sendKeys(liveKey);
            browser.byId("ca").sendKeys(Files.readString(system.ca));
            browser.submit(browser.byId("add-probe").findElement(By.cssSelector("button[type=submit]")));
            assertThat(browser.byId("notice").getText()).isEqualTo("Probe sensor-extra added.");
            assertThat(browser.byId("probe-sensor-extra").findElement(By.className("state")).getText()).isEqualTo("reachable");
            browser.byId("name").sendKeys("bad name!");
            browser.byId("url").sendKeys("ftp://x");
            browser.byId("token").sendKeys("12345678");
            browser.submit(browser.byId("add-probe").findElement(By.cssSelector("button[type=submit]")));
            assertThat(browser.byId("message").getText()).contains("invalid probe name");
            assertThat(browser.byId("url").getAttribute("value")).as("what was typed is kept").isEqualTo("ftp://x");

            browser.byId("edit-sensor-extra").click();
            WebElement url = browser.byId("url");
            url.clear();
            url.sendKeys("https://127.0.0.1:1");
            browser.submit(browser.byId("edit-probe").findElement(By.cssSelector("button[type=submit]")));
            assertThat(browser.byId("notice").getText()).isEqualTo("Probe sensor-extra saved.");
            assertThat(browser.byId("probe-sensor-extra").findElement(By.className("state")).getText())
                    .as("the key was kept, the URL changed").isEqualTo("unreachable");

            // a probe that takes connections and never answers costs the page its status timeout, once
            try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                browser.open("/appliances");
                browser.byId("name").sendKeys("sensor-silent");
                browser.byId("url").sendKeys("https://127.0.0.1:" + silent.getLocalPort());
                browser.byId("token").sendKeys(liveKey);
                long start = System.nanoTime();
                browser.submit(browser.byId("add-probe").findElement(By.cssSelector("button[type=submit]")));
                assertThat(browser.byId("notice").getText()).isEqualTo("Probe sensor-silent added.");
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                WebElement silentRow = browser.byId("probe-sensor-silent");
                assertThat(silentRow.findElement(By.className("state")).getText()).isEqualTo("unreachable");
                assertThat(browser.byId("probe-" + LIVE).findElement(By.className("state")).getText()).isEqualTo("reachable");
                assertThat(took).as("bounded by flowtrap.status-timeout (2s), not one wait per call or probe")
                        .isLessThan(Duration.ofSeconds(8));
                browser.screenshot("settings-appliances-silent-probe");
                browser.submit(browser.byId("remove-sensor-silent"));
                assertThat(browser.byId("notice").getText()).isEqualTo("Probe sensor-silent removed.");
            }

            // API keys made and revoked in the GUI
            browser.open("/keys");
            browser.byId("label").sendKeys("audit test");
            browser.submit(browser.byId("new-key-form").findElement(By.cssSelector("button[type=submit]")));
            String keyId = browser.byId("new-key-id").getText();
            browser.submit(browser.byId("key-" + keyId).findElement(By.cssSelector("button[type=submit]")));
            assertThat(browser.byId("notice").getText()).contains("revoked");
            browser.assertConsoleClean();
        }

        // a download through the REST chain
        String job = null;
        for (JsonNode hit : system.get("/rest/rules/es/alerts_tail/?from_date=0&page_size=50&qfilter="
                + URLEncoder.encode("host:\"" + FlowtrapSystem.PROBE + "\"", StandardCharsets.UTF_8),
                system.analystToken).json().path("results")) {
            com.fasterxml.jackson.databind.node.ObjectNode alert = hit.deepCopy();
            alert.remove("_id");
            FlowtrapSystem.Response up = system.post("/rest/rules/filestore_pcap/upload/?host=" + FlowtrapSystem.PROBE, system.analystToken,
                    "multipart/form-data; boundary=flowtrapboundary", FlowtrapSystem.multipart(alert.toString().getBytes(StandardCharsets.UTF_8)));
            String candidate = up.json().path("filename").asText();
            if (system.post("/rest/rules/filestore_pcap/" + candidate + "/extract_pcap/?host=" + FlowtrapSystem.PROBE,
                    system.analystToken, "application/json", new byte[0]).status() == 200) {
                job = candidate;
                break;
            }
        }
        assertThat(job).as("one alert of sensor-1 with a stored flow").isNotNull();
        assertThat(system.get("/rest/rules/filestore_pcap/" + job + "/retrieve/?host=" + FlowtrapSystem.PROBE, system.analystToken)
                .status()).isEqualTo(200);
        assertThat(system.get("/rest/rules/filestore_pcap/" + job + "/download/", system.analystToken).status()).isEqualTo(200);

        // the manager restarts: what the GUI added and changed is still there
        system.stopManager();
        system.startManager();
        try (GuiBrowser browser = new GuiBrowser(system.managerUrl(), dir.resolve("downloads"))) {
            browser.signIn("bob", adminPassword);
            browser.open("/appliances");
            assertThat(browser.byId("probe-sensor-extra").findElement(By.className("state")).getText()).isEqualTo("unreachable");
            browser.open("/templates/default");
            assertThat(browser.byId("v-lookback-size").getAttribute("value")).isEqualTo("32MB");
            browser.open("/appliances/" + LIVE + "/settings");
            assertThat(value(browser, "store.segment_age")).isEqualTo("5m");
            assertThat(badge(browser, "store.segment_age")).isEqualTo("overridden");
            browser.open("/appliances");
            browser.submit(browser.byId("remove-sensor-extra"));
            assertThat(browser.byId("notice").getText()).isEqualTo("Probe sensor-extra removed.");
            assertThat(browser.all("#probe-sensor-extra")).isEmpty();

            browser.open("/audit");
            StringBuilder pages = new StringBuilder(browser.byId("audit").getText());
            while (!browser.all("#older").isEmpty()) {
                browser.submit(browser.byId("older"));
                pages.append('\n').append(browser.byId("audit").getText());
            }
            String audit = pages.toString();
            assertThat(audit).contains("probe.add").contains("probe.edit").contains("probe.remove").contains("key.create")
                    .contains("key.revoke").contains("download").contains("login.failure").doesNotContain(liveKey);
            browser.assertConsoleClean();
        }
    }

    // ---- the pages

    private static String badge(GuiBrowser browser, String key) {
        return browser.byId("s-" + key.replace('.', '-')).findElement(By.className("origin")).getText();
    }

    private static String value(GuiBrowser browser, String key) {
        return browser.byId("s-" + key.replace('.', '-')).findElement(By.className("value")).getText();
    }

    /** Reloads /changes until the newest task of {@code probe} is in that state with that result; its row. */
    private static WebElement awaitTask(GuiBrowser browser, String probe, String state, String result) {
        browser.open("/changes");
        browser.waitUntil(d -> {
            d.navigate().refresh();
            WebElement row = latestTask(d.findElements(By.cssSelector("#tasks tbody tr")), probe);
            return row != null && row.findElement(By.className("state")).getText().equals(state)
                    && row.findElement(By.className("result")).getText().equals(result);
        }, probe + "'s task " + state + " " + result);
        return latestTask(browser.all("#tasks tbody tr"), probe);
    }

    private static WebElement latestTask(List<WebElement> rows, String probe) {
        return rows.stream().filter(r -> probe.equals(r.getAttribute("data-probe"))).findFirst().orElse(null);
    }

    private static String csrf(GuiBrowser browser) {
        Matcher m = CSRF.matcher(browser.driver().getPageSource());
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static int postWithSession(String path, String session, String form) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(system.managerUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Cookie", "FLOWTRAP_SESSION=" + session).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        return noRedirects().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int getWithSession(String path, String session) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(system.managerUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Cookie", "FLOWTRAP_SESSION=" + session).GET().build();
        return noRedirects().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpClient noRedirects() throws Exception {
        return HttpClient.newBuilder().sslContext(io.flowtrap.api.tls.PemTls.client(system.ca))
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
    }

    // ---- the probes

    private static void startLive(String name) throws Exception {
        Path out = dir.resolve("live/" + name + ".out");
        live = new ProcessBuilder(FlowtrapSystem.REPO.resolve("ops/bin/flowtrap-probe").toString(), "run", "--config",
                dir.resolve("live/probe.yaml").toString())
                .redirectOutput(out.toFile()).redirectError(dir.resolve("live/" + name + ".err").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(out).contains("flowtrap-probe: ready")) {
            if (!live.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the live probe did not come up:\n" + Files.readString(dir.resolve("live/" + name + ".err")));
            }
            Thread.sleep(100); // polling the probe's own "ready" line
        }
    }

    /** A GET of a probe's API with its key. */
    private static JsonNode probeGet(String probe, String path) throws Exception {
        return JSON.readTree(probeText(probe, path));
    }

    private static String probeText(String probe, String path) throws Exception {
        boolean isLive = probe.equals(LIVE);
        String base = isLive ? "https://127.0.0.1:" + livePort : system.managerBean(io.flowtrap.manager.probes.ProbeRegistry.class)
                .record(probe).orElseThrow().url();
        String token = Files.readString(dir.resolve(isLive ? "live-api.token" : "probe-api.token")).strip();
        HttpResponse<String> r = system.http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Token " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** A PUT of a probe's settings with its key, as another manager would; the answer (200 expected). */
    private static JsonNode probePut(String probe, JsonNode document) throws Exception {
        assertThat(probe).isEqualTo(LIVE);
        HttpResponse<String> r = system.http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + livePort + "/api/v1/settings"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Token " + Files.readString(dir.resolve("live-api.token")).strip())
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(document.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** One sample of a probe's GET /metrics (0 when it is not there yet). */
    private static long metric(String probe, String name) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.eE+]+)$").matcher(probeText(probe, "/metrics"));
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    /** Waits until the meter satisfies {@code done}; the capture thread publishes its counts once a second. */
    private static void awaitMetric(String probe, String name, LongPredicate done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long value = metric(probe, name);
        while (!done.test(value)) {
            assertThat(System.nanoTime()).as("%s of %s, now %d", name, probe, value).isLessThan(deadline);
            Thread.sleep(100); // polling what the probe reports
            value = metric(probe, name);
        }
    }

    /** Waits until the live probe's store holds every packet it captured (all of them alerted so far). */
    private static void awaitStoreMatchesCaptured() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (probeGet(LIVE, "/api/v1/store").get("packets").asLong() != metric(LIVE, "flowtrap_packets_captured_total")) {
            assertThat(System.nanoTime()).as("the store catching up with the capture").isLessThan(deadline);
            Thread.sleep(100); // polling what the probe reports
        }
    }

    /**
     * A UDP flow on the loopback to the receiver's port: 5 datagrams, its alert (a new signature) in the
     * live probe's eve.json once the probe has captured them, 5 more. Returns the datagrams sent.
     */
    private static int sendFlowWithAlert() throws Exception {
        long captured = metric(LIVE, "flowtrap_packets_captured_total");
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try (socket) {
            send(socket, 5);
            awaitMetric(LIVE, "flowtrap_packets_captured_total", v -> v >= captured + 5);
            signature++;
            alertsSent++;
            String alert = JSON.createObjectNode()
                    .put("timestamp", ZonedDateTime.now(ZoneOffset.UTC).format(EVE_TIME))
                    .put("flow_id", 1_000_000L + alertsSent).put("event_type", "alert")
                    .put("src_ip", "127.0.0.1").put("src_port", socket.getLocalPort())
                    .put("dest_ip", "127.0.0.1").put("dest_port", receiver.getLocalPort()).put("proto", "UDP")
                    .set("alert", JSON.createObjectNode().put("action", "allowed").put("gid", 1).put("signature_id", signature)
                            .put("rev", 1).put("signature", "flowtrap settings test " + alertsSent).put("category", "")
                            .put("severity", 3)).toString();
            Files.writeString(liveEve, alert + "\n", StandardOpenOption.APPEND);
            awaitMetric(LIVE, "flowtrap_alerts_received_total", v -> v >= alertsSent);
            send(socket, 5);
        }
        return 10;
    }

    private static void send(DatagramSocket socket, int datagrams) throws Exception {
        byte[] payload = new byte[200];
        for (int i = 0; i < datagrams; i++) {
            socket.send(new DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(), receiver.getLocalPort()));
        }
    }

    private static long alertCount() throws Exception {
        return system.get("/rest/rules/es/alerts_tail/?from_date=0&page_size=1", system.analystToken).json().path("count").asLong();
    }
}
