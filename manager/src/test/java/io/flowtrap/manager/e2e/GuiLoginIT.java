package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.api.tls.PemTls;
import io.flowtrap.manager.ManagerApplication;
import io.flowtrap.manager.users.Role;
import io.flowtrap.manager.users.TokenStore;
import io.flowtrap.testkit.ElasticsearchNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The GUI's sign-in against the manager over HTTPS, as a browser does it (cookies kept by hand,
 * forms posted with their CSRF token): the pages need a sign-in; the session cookie is Secure,
 * HttpOnly and SameSite=Strict and changes at sign-in; a form without its CSRF token is refused; a
 * user makes an API key that then works on the REST API, and revokes it (then 401), but cannot
 * revoke another's; sign-out ends the session; repeated failures lock a user, even with the right
 * password; API calls get no cookie; a session may call the pcap chain (the GUI's download does)
 * only with its CSRF token on a POST, and nothing else of the REST API. The users (made by the
 * {@code user} command) and keys are in the real Elasticsearch, in indices of this test's own.
 */
class GuiLoginIT {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");
    /** The token as the layout gives it to scripts. */
    private static final Pattern CSRF_META = Pattern.compile("<meta name=\"_csrf\" content=\"([^\"]+)\">");
    private static final Pattern NEW_KEY = Pattern.compile("id=\"new-key\">([0-9a-f]{40})<");
    private static final Pattern NEW_KEY_ID = Pattern.compile("id=\"new-key-id\">(tk-[0-9a-f]{12})<");
    private static Path dir;
    private static ConfigurableApplicationContext manager;
    private static String base;
    private static HttpClient http;
    private static String anaPassword;
    private static String bobPassword;
    private static String otherKeyId;
    private static TokenStore tokens;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("flowtrap-gui-it");
        FlowtrapSystem.Run certs = FlowtrapSystem.run(List.of(FlowtrapSystem.REPO.resolve("ops/tls/make-certs").toString(),
                dir.resolve("tls").toString()));
        assertThat(certs.exit()).as(certs.err()).isZero();
        List<String> where = List.of("--spring.elasticsearch.uris=" + ElasticsearchNode.shared().url(),
                "--flowtrap.state-index-prefix=it-" + UUID.randomUUID().toString().substring(0, 8) + "-state-");
        anaPassword = FlowtrapSystem.userCommand(where, "create", "--name", "ana", "--role", "analyst").out().strip();
        bobPassword = FlowtrapSystem.userCommand(where, "create", "--name", "bob", "--role", "admin").out().strip();
        List<String> arguments = new ArrayList<>(List.of(
                "--server.port=0",
                "--server.ssl.certificate=" + dir.resolve("tls/server.pem"),
                "--server.ssl.certificate-private-key=" + dir.resolve("tls/server.key"),
                "--flowtrap.data-dir=" + dir.resolve("manager"),
                "--flowtrap.login.max-failures=3"));
        arguments.addAll(where);
        manager = new SpringApplicationBuilder(ManagerApplication.class).run(arguments.toArray(String[]::new));
        tokens = manager.getBean(TokenStore.class);
        otherKeyId = tokens.createOwn("bob", Role.ADMIN, "bob's").entry().id();
        base = "https://127.0.0.1:" + manager.getEnvironment().getProperty("local.server.port");
        http = HttpClient.newBuilder().sslContext(PemTls.client(dir.resolve("tls/ca.pem")))
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void aSignedInUserMakesAndRevokesTheirOwnKeysAndSignsOut() throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> home = browser.get("/");
        assertThat(home.statusCode()).isEqualTo(302);
        assertThat(home.headers().firstValue("Location").orElseThrow()).endsWith("/login");

        HttpResponse<String> form = browser.get("/login");
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("action=\"/login\"").contains("name=\"_csrf\"");
        String cookie = form.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("FLOWTRAP_SESSION="))
                .findFirst().orElseThrow();
        assertThat(cookie).contains("; Secure").contains("; HttpOnly").contains("; SameSite=Strict");
        String before = browser.session();

        HttpResponse<String> noToken = browser.post("/login", Map.of("username", "ana", "password", anaPassword));
        assertThat(noToken.statusCode()).as("a form without its CSRF token").isEqualTo(403);

        HttpResponse<String> signedIn = browser.signIn("ana", anaPassword);
        assertThat(signedIn.statusCode()).isEqualTo(302);
        assertThat(signedIn.headers().firstValue("Location").orElseThrow()).endsWith("/");
        assertThat(browser.session()).as("a new session id at sign-in").isNotEqualTo(before);
        HttpResponse<String> landing = browser.get("/");
        assertThat(landing.statusCode()).isEqualTo(302);
        assertThat(landing.headers().firstValue("Location").orElseThrow()).as("the GUI's home").endsWith("/alerts");
        HttpResponse<String> page = browser.get("/keys");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<strong id=\"user\">ana</strong>").contains("<span id=\"role\">analyst</span>")
                .doesNotContain(otherKeyId);

        HttpResponse<String> made = browser.post("/keys", "/keys", Map.of("label", "my <script>"));
        assertThat(made.statusCode()).isEqualTo(200);
        String key = find(NEW_KEY, made.body());
        String keyId = find(NEW_KEY_ID, made.body());
        assertThat(made.body()).as("labels are escaped").contains("my &lt;script&gt;").doesNotContain("my <script>");
        assertThat(api("/rest/rules/filestore_pcap/no-such-job/status/", key).statusCode()).as("the key works").isEqualTo(404);
        assertThat(api("/rest/appliances/", key).statusCode()).as("with its maker's role: analyst").isEqualTo(403);
        assertThat(browser.get("/keys").body()).as("shown once").doesNotContain(key).contains(keyId);

        HttpResponse<String> notMine = browser.post("/keys", "/keys/" + otherKeyId + "/revoke", Map.of());
        assertThat(notMine.body()).contains("You have no active key " + otherKeyId);
        assertThat(tokens.list().stream().filter(e -> e.id().equals(otherKeyId)).findFirst().orElseThrow().active()).isTrue();
        HttpResponse<String> revoked = browser.post("/keys", "/keys/" + keyId + "/revoke", Map.of());
        assertThat(revoked.body()).contains("Key " + keyId + " revoked.");
        assertThat(api("/rest/rules/filestore_pcap/no-such-job/status/", key).statusCode()).isEqualTo(401);

        HttpResponse<String> out = browser.post("/keys", "/logout", Map.of());
        assertThat(out.statusCode()).isEqualTo(302);
        assertThat(out.headers().firstValue("Location").orElseThrow()).endsWith("/login?logout");
        assertThat(browser.get("/").statusCode()).as("the old session is over").isEqualTo(302);
    }

    @Test
    void aSessionDrivesThePcapChainOnlyWithItsCsrfToken() throws Exception {
        Browser browser = new Browser();
        assertThat(browser.signIn("ana", anaPassword).statusCode()).isEqualTo(302);
        HttpResponse<String> keys = browser.get("/keys");
        assertThat(keys.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'").doesNotContain("unsafe-inline");
        String token = find(CSRF_META, keys.body());
        String upload = "/rest/rules/filestore_pcap/upload/?host=sensor-1";

        HttpResponse<String> noToken = browser.send(browser.request(upload).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(noToken.statusCode()).as("the session's call without the CSRF token").isEqualTo(403);
        assertThat(noToken.body()).contains("\"error\":\"forbidden\"").contains("CSRF token");
        HttpResponse<String> withToken = browser.send(browser.request(upload).header("X-CSRF-TOKEN", token)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(withToken.statusCode()).as("on to the chain, which wants its file: %s", withToken.body()).isEqualTo(400);
        assertThat(withToken.body()).contains("\"error\":\"no file\"");
        assertThat(withToken.headers().allValues("Set-Cookie")).as("no new session").isEmpty();
        HttpResponse<String> status = browser.get("/rest/rules/filestore_pcap/no-such-job/status/");
        assertThat(status.statusCode()).as("a GET needs no token").isEqualTo(404);
        assertThat(status.body()).contains("\"status\":\"unknown\"");
        assertThat(browser.get("/rest/appliances/").statusCode()).as("only the pcap chain takes a session").isEqualTo(401);

        assertThat(browser.post("/keys", "/logout", Map.of()).statusCode()).isEqualTo(302);
        HttpResponse<String> over = browser.get("/rest/rules/filestore_pcap/no-such-job/status/");
        assertThat(over.statusCode()).as("signed out").isEqualTo(401);
        assertThat(over.headers().firstValue("WWW-Authenticate").orElseThrow()).isEqualTo("Token");
    }

    @Test
    void repeatedFailuresLockTheUserEvenWithTheRightPassword() throws Exception {
        Browser browser = new Browser();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> wrong = browser.signIn("bob", "wrong-" + i);
            assertThat(wrong.statusCode()).isEqualTo(302);
            assertThat(wrong.headers().firstValue("Location").orElseThrow()).endsWith(i < 2 ? "/login?error" : "/login?locked");
        }
        HttpResponse<String> right = browser.signIn("bob", bobPassword);
        assertThat(right.headers().firstValue("Location").orElseThrow()).endsWith("/login?locked");
        assertThat(browser.get("/login?locked").body()).contains("this user is locked for 15 minutes");
        assertThat(browser.get("/").statusCode()).isEqualTo(302);
    }

    @Test
    void theRestApiIssuesNoCookieAndKeepsItsJsonErrors() throws Exception {
        HttpResponse<String> root = api("/rest", null);
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.headers().allValues("Set-Cookie")).isEmpty();
        HttpResponse<String> noKey = api("/rest/rules/es/alerts_tail/", null);
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.headers().allValues("Set-Cookie")).isEmpty();
        assertThat(noKey.body()).startsWith("{\"error\":");
        HttpResponse<String> elsewhere = api("/no-such-page", null);
        assertThat(elsewhere.statusCode()).as("not the GUI's: the JSON 404").isEqualTo(404);
        assertThat(elsewhere.body()).contains("\"error\":\"not found\"");
    }

    private static HttpResponse<String> api(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (key != null) {
            b.header("Authorization", "Token " + key);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String find(Pattern pattern, String body) {
        Matcher m = pattern.matcher(body);
        assertThat(m.find()).as("%s in %s", pattern, body).isTrue();
        return m.group(1);
    }

    /** One browser: its cookies (the session's) and the CSRF token of the last form it loaded. */
    private static final class Browser {
        private final Map<String, String> cookies = new LinkedHashMap<>();

        String session() {
            return cookies.get("FLOWTRAP_SESSION");
        }

        HttpResponse<String> signIn(String name, String password) throws Exception {
            return post("/login", "/login", Map.of("username", name, "password", password));
        }

        HttpResponse<String> get(String path) throws Exception {
            return send(request(path).GET().build());
        }

        /** Loads {@code page}, then posts {@code fields} with its form's CSRF token to {@code path}. */
        HttpResponse<String> post(String page, String path, Map<String, String> fields) throws Exception {
            String token = find(CSRF, get(page).body());
            Map<String, String> all = new LinkedHashMap<>(fields);
            all.put("_csrf", token);
            return post(path, all);
        }

        /** Posts {@code fields} as a form, as they are (no CSRF token added). */
        HttpResponse<String> post(String path, Map<String, String> fields) throws Exception {
            String body = fields.entrySet().stream()
                    .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            return send(request(path).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        }

        private HttpRequest.Builder request(String path) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
            if (!cookies.isEmpty()) {
                b.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining("; ")));
            }
            return b;
        }

        private HttpResponse<String> send(HttpRequest request) throws Exception {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            for (String c : response.headers().allValues("Set-Cookie")) {
                String pair = c.split(";", 2)[0];
                int eq = pair.indexOf('=');
                String value = pair.substring(eq + 1);
                if (value.isEmpty() || c.contains("Max-Age=0")) {
                    cookies.remove(pair.substring(0, eq));
                } else {
                    cookies.put(pair.substring(0, eq), value);
                }
            }
            return response;
        }
    }
}
