package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.api.auth.ApiToken;
import io.flowtrap.api.tls.PemTls;
import io.flowtrap.manager.ManagerApplication;
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
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * Users and API keys live in the real Elasticsearch: a user and a key made by the {@code user} and
 * {@code token} commands sign in and call the API; the old data directory's users.json and
 * tokens.json are imported at the first start, once, and the log says so; a lockout, the users and
 * the keys all hold across a restart of the manager; a key the command revokes is refused (401)
 * within the manager's key reload; while Elasticsearch is down the keys already known still work
 * and a sign-in says why it cannot be done.
 */
@ExtendWith(OutputCaptureExtension.class)
class UsersInElasticsearchIT {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");
    private static final String STATUS = "/rest/rules/filestore_pcap/no-such-job/status/"; // analysts' and admins', needs no Elasticsearch

    private ConfigurableApplicationContext manager;
    private String base;
    private HttpClient http;

    @AfterEach
    void stop() {
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void whatTheCommandsMakeSignsInAcrossARestartAndARevokedKeyIsRefused(CapturedOutput output) throws Exception {
        Path dir = Files.createTempDirectory("flowtrap-users-es-it");
        FlowtrapSystem.Run certs = FlowtrapSystem.run(List.of(FlowtrapSystem.REPO.resolve("ops/tls/make-certs").toString(),
                dir.resolve("tls").toString()));
        assertThat(certs.exit()).as(certs.err()).isZero();
        http = HttpClient.newBuilder().sslContext(PemTls.client(dir.resolve("tls/ca.pem"))).followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1).build();
        ElasticsearchNode elasticsearch = ElasticsearchNode.shared();
        String state = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-state-";
        List<String> where = List.of("--spring.elasticsearch.uris=" + elasticsearch.url(), "--flowtrap.state-index-prefix=" + state);

        // what an older manager left in its data directory
        Path data = Files.createDirectories(dir.resolve("manager"));
        String oldKey = ApiToken.generate();
        Files.writeString(data.resolve("users.json"), "[{\"name\":\"olga\",\"role\":\"ANALYST\",\"passwordHash\":\""
                + new BCryptPasswordEncoder(4).encode("olga's old password") + "\",\"created\":\"2026-11-01T00:00:00Z\","
                + "\"failedLogins\":0,\"lockedUntil\":null}]");
        Files.writeString(data.resolve("tokens.json"), "[{\"id\":\"tk-0000000000aa\",\"sha256\":\"" + ApiToken.hash(oldKey)
                + "\",\"role\":\"ANALYST\",\"probe\":null,\"label\":\"old\",\"created\":\"2026-11-01T00:00:00Z\",\"revoked\":null,"
                + "\"owner\":null}]");

        FlowtrapSystem.CommandRun user = FlowtrapSystem.userCommand(where, "create", "--name", "carol", "--role", "admin");
        assertThat(user.exit()).as(user.err()).isZero();
        String password = user.out().strip();
        FlowtrapSystem.CommandRun token = FlowtrapSystem.tokenCommand(where, "create", "--role", "analyst", "--label", "carol's script");
        assertThat(token.exit()).as(token.err()).isZero();
        String key = token.out().strip();
        Matcher id = Pattern.compile("token (tk-[0-9a-f]{12}) ").matcher(token.err());
        assertThat(id.find()).as(token.err()).isTrue();
        assertThat(FlowtrapSystem.userCommand(where, "list").out()).contains("carol").contains("admin");

        List<String> arguments = new ArrayList<>(List.of(
                "--server.port=0",
                "--server.ssl.certificate=" + dir.resolve("tls/server.pem"),
                "--server.ssl.certificate-private-key=" + dir.resolve("tls/server.key"),
                "--flowtrap.data-dir=" + data,
                "--flowtrap.login.max-failures=2",
                "--flowtrap.keys.reload=1s"));
        arguments.addAll(where);
        start(arguments);
        assertThat(output.getOut()).contains("imported 1 users of 1 in " + data.resolve("users.json"))
                .contains("imported 1 API keys of 1 in " + data.resolve("tokens.json"));
        assertThat(data.resolve("users.json")).doesNotExist();
        assertThat(data.resolve("users.json.imported")).exists();

        assertThat(signIn("carol", password)).isEqualTo("/");
        assertThat(signIn("olga", "olga's old password")).as("imported").isEqualTo("/");
        assertThat(api(key)).isEqualTo(404);
        assertThat(api(oldKey)).as("imported").isEqualTo(404);
        assertThat(signIn("olga", "wrong")).endsWith("/login?error");
        assertThat(signIn("olga", "wrong again")).endsWith("/login?locked");

        manager.close();
        int imports = count(output.getOut(), "imported 1 users");
        start(arguments);
        assertThat(count(output.getOut(), "imported 1 users")).as("imported once").isEqualTo(imports);
        assertThat(signIn("carol", password)).as("after the restart").isEqualTo("/");
        assertThat(signIn("olga", "olga's old password")).as("still locked after the restart").endsWith("/login?locked");
        assertThat(api(key)).isEqualTo(404);

        // Elasticsearch down for a while: the keys the manager knows still work; a sign-in says why it cannot be
        elasticsearch.stop();
        try {
            assertThat(api(key)).isEqualTo(404);
            assertThat(api(oldKey)).isEqualTo(404);
            assertThat(signIn("carol", password)).endsWith("/login?unavailable");
            assertThat(get("/login?unavailable")).contains("the manager cannot reach Elasticsearch");
            FlowtrapSystem.CommandRun down = FlowtrapSystem.tokenCommand(where, "list");
            assertThat(down.exit()).isEqualTo(1);
            assertThat(down.err()).contains("cannot be used now").contains(elasticsearch.url());
        } finally {
            elasticsearch.start();
        }

        FlowtrapSystem.CommandRun revoke = FlowtrapSystem.tokenCommand(where, "revoke", id.group(1));
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int status = api(key);
        while (status != 401 && System.nanoTime() < deadline) { // the manager reads the keys every flowtrap.keys.reload (1 s here)
            Thread.sleep(200);
            status = api(key);
        }
        assertThat(status).as("revoked by the command").isEqualTo(401);
        assertThat(api(oldKey)).isEqualTo(404);
    }

    private void start(List<String> arguments) {
        manager = new SpringApplicationBuilder(ManagerApplication.class).run(arguments.toArray(String[]::new));
        base = "https://127.0.0.1:" + manager.getEnvironment().getProperty("local.server.port");
    }

    /** Signs in through the form (with its CSRF token and session cookie); where the manager sends the browser. */
    private String signIn(String name, String password) throws Exception {
        HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(base + "/login")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher csrf = CSRF.matcher(form.body());
        assertThat(csrf.find()).as(form.body()).isTrue();
        String cookie = form.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("FLOWTRAP_SESSION=")).findFirst()
                .orElseThrow().split(";", 2)[0];
        String body = "username=" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8) + "&_csrf=" + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/login")).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(302);
        return URI.create(posted.headers().firstValue("Location").orElseThrow()).getPath()
                + (URI.create(posted.headers().firstValue("Location").orElseThrow()).getQuery() == null ? ""
                        : "?" + URI.create(posted.headers().firstValue("Location").orElseThrow()).getQuery());
    }

    private String get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private int api(String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + STATUS)).header("Authorization", "Token " + key).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int count(String text, String what) {
        return text.split(Pattern.quote(what), -1).length - 1;
    }
}
