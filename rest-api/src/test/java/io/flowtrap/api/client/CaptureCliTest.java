package io.flowtrap.api.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The capture command's usage errors, found before any call (the calls themselves: the manager's CapturesIT). */
class CaptureCliTest {
    private record Ran(int exit, String out, String err) {}

    private static Ran run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new CaptureCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env).run(List.of(args));
        return new Ran(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aStartNeedsAnalystDescriptionAndExpression() {
        Ran r = run(Map.of(), "-a", "grant", "-e", "host 192.0.2.1");
        assertThat(r.exit()).isEqualTo(CaptureCli.USAGE);
        assertThat(r.err()).contains("-a ANALYST, -d 'description' and -e 'expression'").contains("usage:");
    }

    @Test
    void oneActionAtATimeAndKnownFlagsOnly() {
        assertThat(run(Map.of(), "-l", "-s", "abcdefabcdef").exit()).isEqualTo(CaptureCli.USAGE);
        Ran unknown = run(Map.of(), "-lz");
        assertThat(unknown.exit()).isEqualTo(CaptureCli.USAGE);
        assertThat(unknown.err()).contains("unknown flag -z");
        Ran count = run(Map.of(), "-a", "g", "-d", "x", "-e", "udp", "--count", "many");
        assertThat(count.err()).contains("--count takes a whole number, not 'many'");
        assertThat(run(Map.of(), "-s").err()).contains("-s needs a value");
    }

    @Test
    void withoutTheManagersAddressItSaysWhatToSet() {
        Ran r = run(Map.of(), "-lv");
        assertThat(r.exit()).isEqualTo(CaptureCli.USAGE);
        assertThat(r.err()).contains("set FLOWTRAP_URL and FLOWTRAP_TOKEN");
    }

    @Test
    void helpIsUsageOnStdout() {
        Ran r = run(Map.of(), "-h");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("flowtrap capture -l [-f ANALYST] [-v]");
    }
}
