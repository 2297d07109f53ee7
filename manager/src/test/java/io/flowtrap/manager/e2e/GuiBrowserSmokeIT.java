package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.manager.ManagerApplication;
import io.flowtrap.manager.users.Role;
import io.flowtrap.manager.users.UserStore;
import io.flowtrap.testkit.ElasticsearchNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.openqa.selenium.By;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The browser infrastructure of the GUI tests works ({@link GuiBrowser}): headless chromium signs
 * in through the form, opens a page of the shared layout, takes a screenshot, and its console
 * is clean; and the console check does see an error when there is one. The user is in the real
 * Elasticsearch (indices of this test's own); an analyst's bar has no Audit link.
 */
class GuiBrowserSmokeIT {
    private static Path dir;
    private static ConfigurableApplicationContext manager;
    private static String base;
    private static String password;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-gui-smoke-it");
        FlowtrapSystem.Run certs = FlowtrapSystem.run(List.of(FlowtrapSystem.REPO.resolve("ops/tls/make-certs").toString(),
                dir.resolve("tls").toString()));
        assertThat(certs.exit()).as(certs.err()).isZero();
        manager = new SpringApplicationBuilder(ManagerApplication.class).run(
                "--server.port=0",
                "--server.ssl.certificate=" + dir.resolve("tls/server.pem"),
                "--server.ssl.certificate-private-key=" + dir.resolve("tls/server.key"),
                "--spring.elasticsearch.uris=" + ElasticsearchNode.shared().url(), // where the users are
                "--flowtrap.state-index-prefix=it-" + UUID.randomUUID().toString().substring(0, 8) + "-state-",
                "--flowtrap.alert-index-prefix=it-" + UUID.randomUUID().toString().substring(0, 8) + "-alerts-",
                "--flowtrap.data-dir=" + dir.resolve("manager"));
        password = manager.getBean(UserStore.class).create("ana", Role.ANALYST).password();
        base = "https://127.0.0.1:" + manager.getEnvironment().getProperty("local.server.port");
    }

    @AfterAll
    static void stop() {
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void aUserSignsInThroughTheFormAndLandsOnAPageWithACleanConsole() throws Exception {
        try (GuiBrowser browser = new GuiBrowser(base, dir.resolve("downloads"))) {
            browser.open("/");
            assertThat(browser.currentUrl()).as("a page needs a sign-in").endsWith("/login");
            browser.screenshot("smoke-login");
            browser.assertConsoleClean();

            browser.signIn("ana", password);
            assertThat(browser.currentUrl()).as("the GUI's home").endsWith("/alerts");
            assertThat(browser.byId("nav").getText()).as("an analyst's bar").contains("Alerts").doesNotContain("Audit");
            browser.assertConsoleClean();
            browser.open("/keys");
            assertThat(browser.byId("user").getText()).isEqualTo("ana");
            assertThat(browser.byId("nav").getText()).contains("API keys");
            assertThat(browser.byId("nav-keys").getAttribute("class")).contains("active");
            assertThat(browser.title()).isEqualTo("flowtrap: API keys");
            Path shot = browser.screenshot("smoke-signed-in");
            assertThat(Files.size(shot)).isGreaterThan(1000);
            assertThat(Files.readAllBytes(shot)).startsWith(0x89, 'P', 'N', 'G');
            browser.assertConsoleClean();

            browser.byId("logout").findElement(By.tagName("button")).click();
            browser.waitUntil(d -> d.getCurrentUrl().endsWith("/login?logout"), "the sign-in page after signing out");
            browser.assertConsoleClean();
        }
    }

    @Test
    void theConsoleCheckSeesAnError() throws Exception {
        try (GuiBrowser browser = new GuiBrowser(base, dir.resolve("downloads"))) {
            browser.open("/login");
            browser.assertConsoleClean();
            browser.driver().executeScript("console.error('flowtrap smoke: ' + 'on purpose')");
            assertThatThrownBy(browser::assertConsoleClean).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("flowtrap smoke: on purpose");
            browser.assertConsoleClean("flowtrap smoke: on purpose"); // an error the test expects is let through
        }
    }
}
