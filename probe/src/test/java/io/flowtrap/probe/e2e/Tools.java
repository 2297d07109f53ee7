package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real tools the end-to-end tests drive: the corpus generator, Suricata, the probe's launcher. */
final class Tools {
    static final Path REPO = Path.of(System.getProperty("flowtrap.repo", "..")).toAbsolutePath().normalize();

    record Run(int exit, String out, String err) {}

    private Tools() {}

    static Run run(Path workDir, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        Process p = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    static Run probe(Path workDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(REPO.resolve("ops/bin/flowtrap-probe").toString());
        command.addAll(List.of(args));
        return run(workDir, command);
    }

    /** Writes a corpus (pcap + truth JSON) with ops/corpus/make-corpus.py. */
    static void corpus(Path workDir, Path pcap, Path truth, int flows, int seed) throws Exception {
        Run r = run(workDir, List.of("python3", REPO.resolve("ops/corpus/make-corpus.py").toString(), "--out", pcap.toString(),
                "--truth", truth.toString(), "--flows", Integer.toString(flows), "--seed", Integer.toString(seed)));
        assertThat(r.exit()).as(r.err()).isZero();
    }

    /** Runs Suricata offline with the repo's config and rules; returns its eve.json. */
    static Path suricata(Path workDir, Path pcap) throws Exception {
        Path log = Files.createDirectories(workDir.resolve("suricata"));
        Run r = run(workDir, List.of("suricata", "-r", pcap.toString(), "-c", REPO.resolve("ops/suricata/suricata.yaml").toString(),
                "-S", REPO.resolve("ops/suricata/flowtrap-test.rules").toString(), "-l", log.toString(), "-k", "none"));
        assertThat(r.exit()).as("suricata: " + r.out() + r.err()).isZero();
        return log.resolve("eve.json");
    }

    /** Waits until {@code file} holds {@code text} (a line the process writes when it is there); fails after {@code seconds}. */
    static void awaitText(Path file, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(200); // polling the file: the wait ends on what the process wrote
        }
        throw new AssertionError("no '" + text + "' in " + file + " after " + seconds + " s: "
                + (Files.exists(file) ? Files.readString(file) : "(no file)"));
    }

    /**
     * Writes to {@code config} the project's Suricata settings with its EVE alerts sent to the probe's
     * unix socket {@code socket}, plus an eve.json of the same alerts in Suricata's log directory.
     */
    static void suricataConfigToSocket(Path config, Path socket) throws IOException {
        Files.writeString(config, Files.readString(REPO.resolve("ops/suricata/suricata.yaml"))
                .replace("filetype: regular ", "filetype: unix_stream ")
                .replace("filename: eve.json", "filename: " + socket)
                .replace("outputs:\n", "outputs:\n  - eve-log:\n      enabled: yes\n      filetype: regular\n"
                        + "      filename: eve.json\n      community-id: true\n      types:\n        - alert:\n"
                        + "            metadata: yes\n"));
    }
}
