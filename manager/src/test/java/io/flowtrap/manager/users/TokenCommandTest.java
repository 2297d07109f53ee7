package io.flowtrap.manager.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenCommandTest {
    private final TestElasticsearch es = new TestElasticsearch();

    private record Run(int exit, String out, String err) {}

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        java.util.List<String> where = es.arguments();
        String[] all = new String[where.size() + args.length]; // where first: an option's missing value stays missing
        for (int i = 0; i < where.size(); i++) {
            all[i] = where.get(i);
        }
        System.arraycopy(args, 0, all, where.size(), args.length);
        int exit = TokenCommand.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void createPrintsTheKeyAloneOnStdoutAndElasticsearchKeepsOnlyItsHash() throws Exception {
        Run created = run("create", "--role", "probe", "--probe", "sensor-1", "--label", "rack 4");

        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).matches("[0-9a-f]{40}\\R");
        String key = created.out().strip();
        assertThat(created.err()).matches("token tk-[0-9a-f]{12} \\(probe for sensor-1\\) created in .*\\R").doesNotContain(key);

        assertThat(es.documents("keys")).doesNotContain(key).contains(io.flowtrap.api.auth.ApiToken.hash(key));
        try (CommandStores stores = es.open()) {
            stores.tokens.reload();
            assertThat(stores.tokens.authenticate(key)).hasValueSatisfying(e -> {
                assertThat(e.role()).isEqualTo(Role.PROBE);
                assertThat(e.probe()).isEqualTo("sensor-1");
            });
        }
    }

    @Test
    void aProbeKeyIsMadeForOneValidProbeAndOnlyProbeKeysNameOne() {
        Run none = run("create", "--role", "probe");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("a probe key is made for one probe: give --probe NAME");
        Run path = run("create", "--role", "probe", "--probe", "../sensor");
        assertThat(path.exit()).isEqualTo(2);
        assertThat(path.err()).contains("not '../sensor'");
        Run analyst = run("create", "--role", "analyst", "--probe", "sensor-1");
        assertThat(analyst.exit()).isEqualTo(2);
        assertThat(analyst.err()).contains("--probe is only for keys of role probe");
        assertThat(run("list").out()).isEmpty();
    }

    @Test
    void listShowsIdsRolesAndStatesButNoKeys() throws Exception {
        String key = run("create", "--role", "ADMIN").out().strip();
        Run list = run("list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).matches("tk-[0-9a-f]{12}  admin    -                 active    \\S+  \\R").doesNotContain(key);
    }

    @Test
    void revokeMakesTheKeyFailAndAnUnknownIdExitsWith3() throws Exception {
        String key = run("create", "--role", "analyst").out().strip();
        try (CommandStores stores = es.open()) {
            TokenStore store = stores.tokens;
            store.reload();
            String id = store.authenticate(key).orElseThrow().id();

            Run revoked = run("revoke", id);
            assertThat(revoked.exit()).isZero();
            assertThat(revoked.err()).contains("token " + id + " revoked");
            assertThat(store.authenticate(key)).as("until the next reload").isPresent();
            store.reload();
            assertThat(store.authenticate(key)).isEmpty();
            assertThat(run("list").out()).contains("revoked");

            Run again = run("revoke", id);
            assertThat(again.exit()).isEqualTo(3);
            assertThat(again.err()).contains("no active token " + id);
            Run unknown = run("revoke", "tk-ffffffffffff");
            assertThat(unknown.exit()).isEqualTo(3);
            assertThat(unknown.out()).isEmpty();
        }
    }

    @Test
    void anUnknownRoleOrBadArgumentsExitWith2AndSayWhy() {
        Run role = run("create", "--role", "root");
        assertThat(role.exit()).isEqualTo(2);
        assertThat(role.out()).isEmpty();
        assertThat(role.err()).contains("unknown role root").contains("analyst, probe or admin");
        assertThat(run("list").out()).isEmpty();

        assertThat(run("create").err()).contains("create needs --role");
        assertThat(run("create").exit()).isEqualTo(2);
        assertThat(run().exit()).isEqualTo(2);
        assertThat(run("revoke").err()).contains("revoke needs the token's id");
        assertThat(run("create", "list").exit()).isEqualTo(2);
        assertThat(run("list", "extra").err()).contains("unexpected argument extra");
        assertThat(run("create", "--role").err()).contains("--role needs a value");
    }
}
