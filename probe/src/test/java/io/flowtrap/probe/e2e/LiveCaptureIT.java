package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe live: in a network namespace of its own, a veth pair; tcpreplay sends a generated
 * capture (VLAN and QinQ frames among them) into one end; real Suricata (af-packet) and the probe
 * ({@code flowtrap-probe run}, libpcap) both capture on the other end, Suricata's EVE alerts
 * reaching the probe over its unix socket. Every alerted flow's carve must hold exactly the flow's
 * frames as sent, byte for byte (timestamps aside) — VLAN tags included, which the kernel strips
 * on receive and libpcap puts back — and nothing else.
 */
class LiveCaptureIT {
    @TempDir
    Path work;

    private List<String> inNamespace(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return c;
    }

    private static void must(Tools.Run run, String what) {
        assertThat(run.exit()).as(what + ": " + run.out() + run.err()).isZero();
    }

    @Test
    void liveCaptureStoresEveryAlertedFlowExactlyAsSent() throws Exception {
        String ns = "ftit" + ProcessHandle.current().pid();
        Path pcap = work.resolve("corpus.pcap");
        Tools.corpus(work, pcap, work.resolve("corpus.json"), 200, 3);
        CorpusTruth truth = CorpusTruth.read(work.resolve("corpus.json"));
        List<OraclePcap.Packet> original = OraclePcap.read(pcap);
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
            Path store = work.resolve("store");
            Files.writeString(work.resolve("probe.yaml"), String.join("\n",
                    "name: live-it", "capture:", "  interface-name: ftA", "  snaplen: 65535", "store:", "  dir: " + store,
                    "  max-size: 1GB", "  segment-size: 64MB", "alerts:", "  eve-socket: " + socket, ""));
            probe = new ProcessBuilder(inNamespace(ns, Tools.REPO.resolve("ops/bin/flowtrap-probe").toString(), "run",
                    "--config", work.resolve("probe.yaml").toString()))
                    .redirectOutput(work.resolve("probe.out").toFile()).redirectError(work.resolve("probe.err").toFile()).start();
            waitFor(work.resolve("probe.out"), "flowtrap-probe: ready", 60);

            String config = Files.readString(Tools.REPO.resolve("ops/suricata/suricata.yaml"))
                    .replace("filetype: regular ", "filetype: unix_stream ")
                    .replace("filename: eve.json", "filename: " + socket)
                    .replace("outputs:\n", "outputs:\n  - eve-log:\n      enabled: yes\n      filetype: regular\n"
                            + "      filename: eve.json\n      community-id: true\n      types:\n        - alert:\n"
                            + "            metadata: yes\n");
            Files.writeString(work.resolve("suricata.yaml"), config);
            Path log = Files.createDirectories(work.resolve("suricata"));
            suricata = new ProcessBuilder(inNamespace(ns, "suricata", "--af-packet=ftA", "-c",
                    work.resolve("suricata.yaml").toString(), "-S", Tools.REPO.resolve("ops/suricata/flowtrap-test.rules").toString(),
                    "-l", log.toString(), "-k", "none"))
                    .redirectErrorStream(true).redirectOutput(work.resolve("suricata.out").toFile()).start();
            waitFor(work.resolve("suricata.out"), "Engine started", 90);

            must(Tools.run(work, inNamespace(ns, "tcpreplay", "-i", "ftB", "--pps", "3000", pcap.toString())), "tcpreplay");
            Thread.sleep(3000); // Suricata's last alerts
            suricata.destroy();
            assertThat(suricata.waitFor(60, TimeUnit.SECONDS)).isTrue();
            probe.destroy(); // SIGTERM: the probe ends its flows and seals the store
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(probe.exitValue()).as(Files.readString(work.resolve("probe.err"))).isIn(0, 143);

            Path eve = log.resolve("eve.json");
            Tools.Run extract = Tools.probe(work, "extract", "--store", store.toString(), "--alerts", eve.toString(),
                    "--out-dir", work.resolve("carves").toString());
            assertThat(extract.exit()).as(extract.err()).isZero();
            int n = 0;
            int vlanFlows = 0;
            for (JsonNode alert : CorpusTruth.alerts(eve)) {
                String id = CorpusTruth.identityOf(alert);
                CorpusTruth.Flow flow = truth.flow(id);
                assertThat(flow).as("alert %d names a flow of the corpus: %s", n, id).isNotNull();
                List<byte[]> expected = new ArrayList<>();
                for (int index : flow.indexes()) {
                    expected.add(original.get(index).data());
                }
                List<byte[]> carved = OraclePcap.read(work.resolve("carves").resolve(n + ".pcap")).stream()
                        .map(OraclePcap.Packet::data).toList();
                assertThat(carved).as("carve of alert %d (%s)", n, id).hasSameSizeAs(expected);
                for (int i = 0; i < expected.size(); i++) {
                    assertThat(carved.get(i)).as("alert %d packet %d", n, i).isEqualTo(expected.get(i));
                }
                if (alert.has("vlan")) {
                    vlanFlows++;
                }
                n++;
            }
            assertThat(n).as("alerts").isGreaterThan(50);
            assertThat(vlanFlows).as("alerted flows on VLANs").isPositive();
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

    private static void waitFor(Path file, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + text + "' in " + file + " after " + seconds + " s: "
                + (Files.exists(file) ? Files.readString(file) : "(no file)"));
    }
}
