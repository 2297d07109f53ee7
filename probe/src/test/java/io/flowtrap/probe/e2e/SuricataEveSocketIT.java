package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The EVE socket against real Suricata at full speed: in a network namespace of its own, a veth
 * pair; tcpreplay sends a generated capture at {@code --topspeed} into one end; real Suricata
 * (af-packet) and the probe ({@code flowtrap-probe run}) capture on the other, Suricata writing
 * its alerts both to an eve.json and to the probe's unix socket. Every alert of Suricata's eve.json
 * must be accounted for on one side: received by the probe (its end-of-capture line), or counted
 * by Suricata as dropped for the socket ("N events were dropped due to slow or disconnected
 * socket"; live, Suricata 7 writes the socket without waiting). Nothing may be lost uncounted on the
 * probe's side. Prints both counts: Suricata's drops are what a socket buffer too small for a
 * moment without CPU costs (README, "Probe metrics").
 */
class SuricataEveSocketIT {
    private static final Pattern PAIR = Pattern.compile("(\\w+)=(-?\\d+)");
    private static final Pattern SURICATA_DROPPED = Pattern.compile("(\\d+) events were dropped due to slow or disconnected socket");

    @TempDir
    Path work;

    private static List<String> inNamespace(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return c;
    }

    private static void must(Tools.Run run, String what) {
        assertThat(run.exit()).as(what + ": " + run.out() + run.err()).isZero();
    }

    @Test
    void everyAlertSuricataRaisesAtTopspeedReachesTheProbe() throws Exception {
        String ns = "ftev" + ProcessHandle.current().pid();
        Path pcap = work.resolve("corpus.pcap");
        Tools.corpus(work, pcap, work.resolve("corpus.json"), 4000, 11);
        Process probe = null;
        Process suricata = null;
        try {
            must(Tools.run(work, List.of("ip", "netns", "add", ns)), "netns add");
            must(Tools.run(work, inNamespace(ns, "ip", "link", "add", "ftA", "type", "veth", "peer", "name", "ftB")), "veth");
            must(Tools.run(work, inNamespace(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")), "no IPv6 chatter");
            for (String dev : List.of("ftA", "ftB")) {
                must(Tools.run(work, inNamespace(ns, "ip", "link", "set", dev, "mtu", "9000", "up")), "link up " + dev);
            }
            Path socket = work.resolve("eve.sock");
            Files.writeString(work.resolve("probe.yaml"), String.join("\n",
                    "name: eve-it", "capture:", "  interface-name: ftA", "  snaplen: 65535", "store:",
                    "  dir: " + work.resolve("store"), "  max-size: 1GB", "  segment-size: 64MB", "alerts:",
                    "  eve-socket: " + socket, ""));
            probe = new ProcessBuilder(inNamespace(ns, Tools.REPO.resolve("ops/bin/flowtrap-probe").toString(), "run",
                    "--config", work.resolve("probe.yaml").toString()))
                    .redirectOutput(work.resolve("probe.out").toFile()).redirectError(work.resolve("probe.err").toFile()).start();
            Tools.awaitText(work.resolve("probe.out"), "flowtrap-probe: ready", 60);

            Tools.suricataConfigToSocket(work.resolve("suricata.yaml"), socket);
            Path log = Files.createDirectories(work.resolve("suricata"));
            suricata = new ProcessBuilder(inNamespace(ns, "suricata", "--af-packet=ftA", "-c",
                    work.resolve("suricata.yaml").toString(), "-S", Tools.REPO.resolve("ops/suricata/flowtrap-test.rules").toString(),
                    "-l", log.toString(), "-k", "none"))
                    .redirectErrorStream(true).redirectOutput(work.resolve("suricata.out").toFile()).start();
            Tools.awaitText(work.resolve("suricata.out"), "Engine started", 90);
            Tools.awaitText(work.resolve("probe.err"), "EVE writer connected", 30);

            Tools.Run replay = Tools.run(work, inNamespace(ns, "tcpreplay", "-i", "ftB", "--topspeed", pcap.toString()));
            must(replay, "tcpreplay");
            Thread.sleep(3000); // Suricata's last alerts (stream and flow-timeout ones come after the packets)
            suricata.destroy(); // Suricata first: events written after the probe stopped listening would be its drops
            assertThat(suricata.waitFor(60, TimeUnit.SECONDS)).isTrue();
            Tools.awaitText(work.resolve("probe.err"), "EVE writer disconnected", 30);
            probe.destroy();
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(probe.exitValue()).as(Files.readString(work.resolve("probe.err"))).isIn(0, 143);

            long suricataAlerts;
            try (Stream<String> lines = Files.lines(log.resolve("eve.json"))) {
                suricataAlerts = lines.filter(l -> l.contains("\"event_type\":\"alert\"")).count();
            }
            String suricataOut = Files.readString(work.resolve("suricata.out"));
            Map<String, Long> summary = summary(Files.readString(work.resolve("probe.out")));
            System.out.printf("tcpreplay --topspeed: %s; probe: %s%n", replay.out().lines()
                    .filter(l -> l.contains("Rated:") || l.contains("Actual:")).map(String::strip)
                    .reduce((a, b) -> a + " " + b).orElse("?"), summary);
            Matcher dropped = SURICATA_DROPPED.matcher(suricataOut);
            long suricataDropped = dropped.find() ? Long.parseLong(dropped.group(1)) : 0;
            System.out.printf("EVE socket at --topspeed: Suricata raised %d alerts, dropped %d for the socket (%.1f %%);"
                    + " the probe received %d%n", suricataAlerts, suricataDropped, 100.0 * suricataDropped / suricataAlerts,
                    summary.get("alerts_received"));
            assertThat(suricataAlerts).as("alerts Suricata raised").isGreaterThan(500);
            assertThat(summary.get("alerts_received") + suricataDropped).as("alerts received by the probe + dropped by Suricata")
                    .isEqualTo(suricataAlerts);
            assertThat(summary.get("eve_lost")).as("EVE lost on the probe's side").isZero();
            assertThat(summary.get("alerts_matched") + summary.get("alerts_duplicate") + summary.get("alerts_late")
                    + summary.get("alerts_unknown")).as("an outcome for every alert").isEqualTo(summary.get("alerts_received"));
        } finally {
            if (suricata != null) {
                suricata.destroyForcibly();
            }
            if (probe != null) {
                probe.destroyForcibly();
            }
            Tools.run(work, List.of("ip", "netns", "del", ns));
        }
    }

    /** The key=value pairs of the probe's {@code flowtrap-probe: capture ended} line. */
    static Map<String, Long> summary(String out) {
        String line = out.lines().filter(l -> l.startsWith("flowtrap-probe: capture ended ")).findFirst()
                .orElseThrow(() -> new AssertionError("no summary line in: " + out));
        Map<String, Long> pairs = new HashMap<>();
        Matcher m = PAIR.matcher(line);
        while (m.find()) {
            pairs.put(m.group(1), Long.parseLong(m.group(2)));
        }
        for (String key : List.of("packets", "dropped", "freezes", "stored", "armed", "alerts_received")) {
            assertThat(pairs).as(line).containsKey(key);
        }
        return pairs;
    }

}
