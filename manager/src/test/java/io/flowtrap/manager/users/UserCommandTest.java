package io.flowtrap.manager.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 2];
        all[0] = "--data-dir";
        all[1] = dir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
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
        UserStore.Login login = new UserStore(dir, new ObjectMapper()).login("ana", created.out().strip(), Instant.now(),
                new UsersProperties.Login(5, Duration.ofMinutes(15)));
        assertThat(login.outcome()).isEqualTo(UserStore.Outcome.SIGNED_IN);
        assertThat(login.user().role()).isEqualTo(Role.ANALYST);

        Run list = run("list");
        assertThat(list.out()).contains("ana").contains("analyst").doesNotContain("$2a$");
        Run reset = run("reset-password", "ana");
        assertThat(reset.exit()).as(reset.err()).isZero();
        assertThat(reset.out().strip()).matches("[A-Za-z2-9]{20}").isNotEqualTo(created.out().strip());
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
    }
}
