package io.flowtrap.manager.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UserCommandTest {
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
        int exit = UserCommand.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void createPrintsThePasswordAloneOnStdoutAndItSignsIn() throws Exception {
        Run created = run("create", "--name", "ana", "--role", "analyst");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).matches("[A-Za-z2-9]{20}\\R");
        assertThat(created.err()).contains("user ana (analyst) created").doesNotContain(created.out().strip());
        UserStore.Login login;
        try (CommandStores stores = es.open()) {
            login = stores.users.login("ana", created.out().strip(), Instant.now(), new UsersProperties.Login(5, Duration.ofMinutes(15)));
        }
        assertThat(login.outcome()).isEqualTo(UserStore.Outcome.SIGNED_IN);
        assertThat(login.user().role()).isEqualTo(Role.ANALYST);

        Run list = run("list");
        assertThat(list.out()).contains("ana").contains("analyst").doesNotContain("$2a$");
        Run reset = run("reset-password", "ana");
        assertThat(reset.exit()).as(reset.err()).isZero();
        assertThat(reset.out().strip()).matches("[A-Za-z2-9]{20}").isNotEqualTo(created.out().strip());
        Run deleted = run("delete", "ana");
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(run("list").out()).doesNotContain("ana");
        assertThat(run("delete", "ana").exit()).as("no such user").isEqualTo(3);
    }

    @Test
    void anUnreachableElasticsearchExits1AndSaysWhere() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = UserCommand.run(new String[] {"create", "--name", "ana", "--role", "admin", "--spring.elasticsearch.uris=http://127.0.0.1:1"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("flowtrap-manager user: could not")
                .contains("Elasticsearch (flowtrap-users) cannot be used now").contains("Elasticsearch http://127.0.0.1:1");
    }

    @Test
    void mistakesExit2WithWhatToDo() {
        assertThat(run().exit()).isEqualTo(2);
        Run noRole = run("create", "--name", "ana");
        assertThat(noRole.exit()).isEqualTo(2);
        assertThat(noRole.err()).contains("--role analyst|admin");
        Run probe = run("create", "--name", "p1", "--role", "probe");
        assertThat(probe.exit()).isEqualTo(2);
        assertThat(probe.err()).contains("analyst or an admin");
        Run unknown = run("reset-password", "nobody");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("no user nobody");
        Run dataDir = run("list", "--data-dir", "/tmp");
        assertThat(dataDir.exit()).isEqualTo(2);
        assertThat(dataDir.err()).contains("in Elasticsearch now").contains("--config FILE");
    }
}
