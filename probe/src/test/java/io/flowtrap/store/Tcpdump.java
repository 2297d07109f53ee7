package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** tcpdump as the tests' oracle, and where the demo capture lies. */
public final class Tcpdump {
    private Tcpdump() {}

    /**
     * tcpdump's line for every packet of {@code pcap} that {@code filter} keeps (blank: every
     * packet), in file order: nanosecond epoch time, link headers, absolute TCP sequence numbers
     * (so that a line does not depend on what else the file holds).
     */
    public static List<String> lines(Path pcap, String filter) throws Exception {
        List<String> command = new ArrayList<>(List.of("tcpdump", "-nn", "-S", "-e", "-tt", "--time-stamp-precision=nano",
                "-r", pcap.toString()));
        if (!filter.isBlank()) {
            command.add(filter);
        }
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new ArrayList<>(List.of(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .split("\n")));
        lines.removeIf(String::isBlank);
        assertThat(p.waitFor()).as("tcpdump -r " + pcap + " " + filter).isZero();
        return lines;
    }

    /** The time at the start of one of {@link #lines}' lines, in ns since the epoch. */
    public static long nanos(String line) {
        String t = line.substring(0, line.indexOf(' '));
        int dot = t.indexOf('.');
        return Long.parseLong(t.substring(0, dot)) * 1_000_000_000L + Long.parseLong(t.substring(dot + 1));
    }

    /** ops/demo-data, found upwards of the working directory. */
    public static Path demoData() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("ops/demo-data"))) {
                return p.resolve("ops/demo-data");
            }
        }
        throw new IllegalStateException("no ops/demo-data above " + Path.of("").toAbsolutePath());
    }
}
