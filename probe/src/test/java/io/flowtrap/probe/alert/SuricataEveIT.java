package io.flowtrap.probe.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.EveFileTailer.StartPosition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Suricata 7 ({@code suricata -r}) over a pcap written here, its EVE alerts taken in through
 * both sources: a tailed eve.json, and the unix_stream output connecting to our listener.
 */
class SuricataEveIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final byte[] MARK = "xx FLOWTRAP-MARK xx".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V4_A = {10, 20, 30, 40};
    private static final byte[] V4_B = {(byte) 192, (byte) 168, 1, 2};
    private static final byte[] V6_A = ipv6("fd00:0:0:0:0:0:0:a");
    private static final byte[] V6_B = ipv6("fd00:0:0:0:0:0:0:b");
    private static final long SECONDS = 1_735_787_045L; // 2025-01-02T03:04:05Z

    @TempDir
    Path dir;
    private Path pcap;
    private Path rules;

    private static byte[] ipv6(String s) {
        try {
            return java.net.InetAddress.getByName(s).getAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] pad16(byte[] a) {
        return Arrays.copyOf(a, 16);
    }

    @BeforeEach
    void writeInputs() throws IOException {
        pcap = dir.resolve("test.pcap");
        new TestPcap()
                .udp(SECONDS, 1, new int[0], V4_A, 33333, V4_B, 4444, "no mark here".getBytes(StandardCharsets.US_ASCII))
                .udp(SECONDS, 123456, new int[0], V4_A, 33333, V4_B, 4444, MARK)
                .udp(SECONDS + 1, 500000, new int[] {42}, V6_A, 5000, V6_B, 53, MARK)
                .writeTo(pcap);
        rules = dir.resolve("test.rules");
        Files.writeString(rules,
                "alert udp any any -> any any (msg:\"flowtrap test\"; content:\"FLOWTRAP-MARK\"; sid:9000001; rev:1;)\n");
    }

    /** A minimal suricata.yaml: one eve-log output (alert with flow metadata, plus flow events). */
    private Path yaml(String filetype, String filename) throws IOException {
        Path y = dir.resolve("suricata-" + filetype + ".yaml");
        Files.writeString(y, String.join("\n",
                "%YAML 1.1",
                "---",
                "sensor-name: flowtrap-it",
                "default-rule-path: " + dir,
                "classification-file: /etc/suricata/classification.config",
                "reference-config-file: /etc/suricata/reference.config",
                "outputs:",
                "  - eve-log:",
                "      enabled: yes",
                "      filetype: " + filetype,
                "      filename: " + filename,
                "      community-id: true",
                "      types:",
                "        - alert:",
                "            metadata: yes",
                "        - flow",
                ""));
        return y;
    }

    private void runSuricata(Path yaml, Path logDir) throws Exception {
        Files.createDirectories(logDir);
        Path out = logDir.resolve("suricata.out");
        Process p = new ProcessBuilder("suricata", "-r", pcap.toString(), "-c", yaml.toString(),
                "-S", rules.toString(), "-l", logDir.toString(), "-k", "none")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("suricata did not finish in 60 s: " + Files.readString(out));
        }
        assertThat(p.exitValue()).as(Files.readString(out)).isZero();
    }

    private static void checkAlerts(List<EveAlert> alerts) throws Exception {
        assertThat(alerts).hasSize(2);
        List<EveAlert> sorted = new ArrayList<>(alerts);
        sorted.sort(Comparator.comparing(EveAlert::pcapCnt));

        EveAlert v4 = sorted.get(0);
        assertThat(v4.pcapCnt()).isEqualTo(2L);
        assertThat(v4.timestampNanos()).isEqualTo(SECONDS * 1_000_000_000L + 123_456_000L);
        assertThat(v4.ipVersion()).isEqualTo(4);
        assertThat(v4.srcAddress()).isEqualTo(pad16(V4_A));
        assertThat(v4.srcPort()).isEqualTo(33333);
        assertThat(v4.destAddress()).isEqualTo(pad16(V4_B));
        assertThat(v4.destPort()).isEqualTo(4444);
        assertThat(v4.protocol()).isEqualTo(17);
        assertThat(v4.vlans()).isEmpty();
        assertThat(v4.signatureId()).isEqualTo(9000001L);
        assertThat(v4.signature()).isEqualTo("flowtrap test");
        assertThat(v4.communityId()).isEqualTo(CommunityIdOracle.v1(v4));
        assertThat(v4.flowId()).isNotNull();
        assertThat(v4.pktsToServer() + v4.pktsToClient()).isEqualTo(2); // the 2nd packet of its flow
        assertThat(v4.sensor()).isEqualTo("flowtrap-it");

        EveAlert v6 = sorted.get(1);
        assertThat(v6.pcapCnt()).isEqualTo(3L);
        assertThat(v6.timestampNanos()).isEqualTo((SECONDS + 1) * 1_000_000_000L + 500_000_000L);
        assertThat(v6.ipVersion()).isEqualTo(6);
        assertThat(v6.srcAddress()).isEqualTo(V6_A);
        assertThat(v6.destAddress()).isEqualTo(V6_B);
        assertThat(v6.srcPort()).isEqualTo(5000);
        assertThat(v6.destPort()).isEqualTo(53);
        assertThat(v6.vlans()).containsExactly(42);
        assertThat(v6.communityId()).isEqualTo(CommunityIdOracle.v1(v6));
        assertThat(v6.pktsToServer() + v6.pktsToClient()).isEqualTo(1);
    }

    @Test
    void eveJsonFileThroughTheTailer() throws Exception {
        Path logDir = dir.resolve("log-file");
        runSuricata(yaml("regular", "eve.json"), logDir);
        Path eve = logDir.resolve("eve.json");
        assertThat(eve).exists();

        RecordingSink sink = new RecordingSink();
        AlertIntakeCounters counters = new AlertIntakeCounters();
        try (EveFileTailer tailer = new EveFileTailer(eve, StartPosition.BEGINNING, Duration.ofMillis(10),
                new EveLineDispatcher(new EveAlertParser(), sink, counters))) {
            Thread t = new Thread(tailer, "tailer-it");
            t.start();
            List<EveAlert> alerts = sink.await(2, WAIT);
            assertThat(RecordingSink.eventually(() -> counters.ignored() == 2, WAIT)).isTrue(); // 2 flow events
            checkAlerts(alerts);
            assertThat(alerts).extracting(EveAlert::json)
                    .allSatisfy(json -> assertThat(Files.readAllLines(eve)).contains(json));
        }
        assertThat(counters.malformed()).isZero();
    }

    @Test
    void unixStreamOutputConnectsToTheListenerAndReconnects() throws Exception {
        Path socket = dir.resolve("eve.sock");
        RecordingSink sink = new RecordingSink();
        AlertIntakeCounters counters = new AlertIntakeCounters();
        try (EveUnixSocketListener listener = new EveUnixSocketListener(socket,
                new EveLineDispatcher(new EveAlertParser(), sink, counters))) {
            listener.start();
            Path yaml = yaml("unix_stream", socket.toString());

            runSuricata(yaml, dir.resolve("log-unix-1"));
            List<EveAlert> first = sink.await(2, WAIT);
            checkAlerts(first);
            assertThat(RecordingSink.eventually(() -> counters.ignored() == 2, WAIT)).isTrue();

            runSuricata(yaml, dir.resolve("log-unix-2")); // a restarted Suricata connects again
            List<EveAlert> all = sink.await(4, WAIT);
            assertThat(all).hasSize(4);
            checkAlerts(all.subList(2, 4));
            assertThat(listener.connectionsAccepted()).isEqualTo(2);
            assertThat(RecordingSink.eventually(() -> counters.ignored() == 4, WAIT)).isTrue();
            assertThat(Files.readString(dir.resolve("log-unix-2/suricata.out"))).doesNotContain("dropped");
        }
        assertThat(socket).doesNotExist();
        assertThat(counters.malformed()).isZero();
    }
}
