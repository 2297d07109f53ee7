package io.flowtrap.manager.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real browser for the GUI's end-to-end tests: Debian's chromium driven through its chromedriver
 * (both given by path, so Selenium Manager never runs and nothing is downloaded), headless, with
 * its own download directory. It signs in through the login form as a user would, saves
 * screenshots under {@code target/screenshots/} (the build's artifacts), and keeps every entry of
 * the browser's console: {@link #assertConsoleClean} fails on any error (a {@code console.error},
 * an uncaught exception, a resource that failed to load or answered an error, a blocked script).
 */
final class GuiBrowser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target/screenshots").toAbsolutePath();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String base;
    private final Path downloads;
    private final ChromeDriverService service;
    private final ChromeDriver driver;
    /** Every console entry read so far, in order (the driver hands each out once). */
    private final List<LogEntry> console = new ArrayList<>();
    /** How many of {@link #console} the last passing {@link #assertConsoleClean} looked at. */
    private int checked;

    /**
     * @param base the manager's URL, {@code https://127.0.0.1:PORT} (its self-signed certificate is accepted)
     * @param downloads where the browser saves downloads, without asking
     */
    GuiBrowser(String base, Path downloads) throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException(CHROMIUM + " or " + CHROMEDRIVER + " is missing: run ops/setup-host"
                    + " (it installs Debian's chromium and chromium-driver)");
        }
        this.base = base;
        this.downloads = Files.createDirectories(downloads).toAbsolutePath();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--ignore-certificate-errors",
                "--window-size=1400,1000", "--disable-gpu", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync");
        options.setExperimentalOption("prefs", Map.of(
                "download.default_directory", this.downloads.toString(),
                "download.prompt_for_download", false,
                "download.directory_upgrade", true,
                "safebrowsing.enabled", false));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        Files.createDirectories(SCREENSHOTS);
        this.service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(SCREENSHOTS.resolve("chromedriver-" + ProcessHandle.current().pid() + ".log").toFile())
                .build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT);
    }

    /** Opens {@code path} (relative to the manager's URL) and waits for the page to have loaded. */
    GuiBrowser open(String path) {
        driver.get(base + path);
        return this;
    }

    /** Signs in through the login form ({@code /login}) and waits for the page the manager sends the user to. */
    GuiBrowser signIn(String name, String password) {
        open("/login");
        driver.findElement(By.id("username")).sendKeys(name);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.cssSelector("#login button[type=submit]")).click();
        waitUntil(d -> !d.getCurrentUrl().contains("/login"), "leaving the login page after signing in as " + name);
        return this;
    }

    /** The element with this id, once it is there. */
    WebElement byId(String id) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.presenceOfElementLocated(By.id(id)));
    }

    /** The visible element matched by {@code css}, once it is there. */
    WebElement visible(String css) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits (up to 30 s) until {@code condition} holds; {@code what} names it in the failure. */
    /**
     * Clicks what submits a form (or follows a link) and waits until the next page has replaced
     * this one, so that what is read next is the new page's, not the old one's same element.
     */
    void submit(WebElement button) {
        untilReplaced(button::click);
    }

    /**
     * Posts a form the page does not have to {@code path}, holding only the session's CSRF token (as
     * the layout gives it to scripts), as one forged by the signed-in user would; waits for the next page.
     */
    void postForged(String path) {
        untilReplaced(() -> driver.executeScript("const f = document.createElement('form'); f.method = 'post';"
                + " f.action = arguments[0]; const t = document.createElement('input'); t.type = 'hidden'; t.name = '_csrf';"
                + " t.value = document.querySelector('meta[name=_csrf]').content; f.appendChild(t);"
                + " document.body.appendChild(f); f.submit();", path));
    }

    /** Does {@code action}, then waits until the next page has replaced this one. */
    private void untilReplaced(Runnable action) {
        WebElement page = driver.findElement(By.tagName("html"));
        action.run();
        // gone once the browser no longer knows it: a stale reference, or (mid-navigation) chromium's
        // "node does not belong to the document", which ExpectedConditions.stalenessOf does not take for gone
        new WebDriverWait(driver, WAIT).withMessage("the page after the click").until(d -> {
            try {
                page.isEnabled();
                return false;
            } catch (WebDriverException gone) {
                return true;
            }
        });
    }

    void waitUntil(Predicate<ChromeDriver> condition, String what) {
        new WebDriverWait(driver, WAIT).withMessage(what).until(d -> condition.test(driver));
    }

    String currentUrl() {
        return driver.getCurrentUrl();
    }

    String title() {
        return driver.getTitle();
    }

    ChromeDriver driver() {
        return driver;
    }

    Path downloads() {
        return downloads;
    }

    /** Waits for the browser to have saved the download {@code name} in full (no partial file left); the file. */
    Path awaitDownload(String name) {
        Path file = downloads.resolve(name);
        waitUntil(d -> Files.isRegularFile(file) && !downloading(), "the browser saving " + name);
        return file;
    }

    private boolean downloading() {
        try (Stream<Path> files = Files.list(downloads)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".crdownload"));
        } catch (IOException e) {
            return true;
        }
    }

    /** Deletes what was downloaded so far (so the next download's name is its own, not "name (1)"). */
    void clearDownloads() throws IOException {
        try (Stream<Path> files = Files.list(downloads)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    /** Saves what the browser shows as {@code target/screenshots/<name>.png}; the file. */
    Path screenshot(String name) throws IOException {
        Path to = SCREENSHOTS.resolve(name + ".png");
        Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
        Files.move(shot, to, StandardCopyOption.REPLACE_EXISTING);
        return to;
    }

    /** Every console entry so far (each read once from the driver, kept here). */
    List<LogEntry> console() {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            console.add(e);
        }
        return List.copyOf(console);
    }

    /**
     * Fails if the console holds an error (level SEVERE: {@code console.error}, an uncaught
     * exception, a failed load, an answer of 4xx or 5xx, a policy violation) that came since the
     * last check that passed and matches none of {@code expected}: the fragments of errors the test
     * caused on purpose (e.g. the URL of a call meant to fail). A check that passes moves past what
     * it saw, so each error is answered for once.
     */
    void assertConsoleClean(String... expected) {
        List<LogEntry> all = console();
        List<String> errors = all.subList(checked, all.size()).stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(m -> List.of(expected).stream().noneMatch(m::contains))
                .toList();
        if (!errors.isEmpty()) {
            throw new AssertionError("the browser's console has errors:\n" + String.join("\n", errors));
        }
        checked = all.size();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
        }
    }
}
