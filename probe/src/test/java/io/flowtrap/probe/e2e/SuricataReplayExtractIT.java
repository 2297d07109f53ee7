package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe end to end with real Suricata 7: a generated capture of hundreds of interleaved flows
 * (IPv4/IPv6, VLAN/QinQ, TCP/UDP/ICMP, FIN/RST ends, markers at a flow's start, middle and end,
 * several alerts on some flows), Suricata's alerts on it, {@code flowtrap-probe replay} with those
 * alerts, then {@code extract --alerts}: every carve must equal its flow's packets taken from the
 * original capture by an independent reader, byte for byte and timestamp for timestamp, from the
 * flow's start (the look-back ring holds it) to its end, with nothing foreign; and the store must
 * hold each alerted flow's packets exactly once however many alerts named it.
 */
class SuricataReplayExtractIT {
    @TempDir
    Path work;

    @Test
    void everyAlertedFlowIsCarvedWholeAndStoredOnce() throws Exception {
        Path pcap = work.resolve("corpus.pcap");
        Path truthFile = work.resolve("corpus.json");
        Tools.corpus(work, pcap, truthFile, 300, 11);
        CorpusTruth truth = CorpusTruth.read(truthFile);
        List<OraclePcap.Packet> original = OraclePcap.read(pcap);
        assertThat(original).hasSize(truth.packets);
        Path eve = Tools.suricata(work, pcap);

        Tools.Run replay = Tools.probe(work, "replay", "--pcap", pcap.toString(), "--eve", eve.toString(),
                "--store", work.resolve("store").toString(), "--segment-size", "128KB", "--max-size", "1GB");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("0 late, 0 unknown, 0 malformed").contains("missed 0)");

        Tools.Run verify = Tools.probe(work, "store", "verify", "--store", work.resolve("store").toString());
        assertThat(verify.exit()).as(verify.out()).isZero();
        assertThat(verify.out()).startsWith("ok: ");

        Tools.Run extract = Tools.probe(work, "extract", "--store", work.resolve("store").toString(), "--alerts",
                eve.toString(), "--out-dir", work.resolve("carves").toString());
        assertThat(extract.exit()).as(extract.err()).isZero();

        int n = 0;
        Set<String> alertedFlows = new HashSet<>();
        long multiAlertFlows = 0;
        Set<String> seenTwice = new HashSet<>();
        for (JsonNode alert : CorpusTruth.alerts(eve)) {
            String id = CorpusTruth.identityOf(alert);
            CorpusTruth.Flow flow = truth.flow(id);
            assertThat(flow).as("alert %d names a flow of the corpus: %s", n, id).isNotNull();
            List<OraclePcap.Packet> expected = new ArrayList<>();
            for (int index : flow.indexes()) {
                expected.add(original.get(index));
            }
            List<OraclePcap.Packet> carve = OraclePcap.read(work.resolve("carves").resolve(n + ".pcap"));
            assertThat(carve).as("carve of alert %d (%s)", n, id).containsExactlyElementsOf(expected);
            if (alert.has("pcap_cnt")) {
                assertThat(carve).contains(original.get(alert.get("pcap_cnt").asInt() - 1));
            }
            if (!alertedFlows.add(id) && seenTwice.add(id)) {
                multiAlertFlows++;
            }
            n++;
        }
        assertThat(n).as("alerts").isGreaterThan(100);
        assertThat(multiAlertFlows).as("flows with several alerts").isPositive();
        for (String id : truth.identities()) {
            if (!truth.flow(id).markers().isEmpty()) {
                assertThat(alertedFlows).as("Suricata alerted on every marked flow").contains(id);
            }
        }

        long expectedStored = alertedFlows.stream().mapToLong(id -> truth.flow(id).indexes().size()).sum();
        Tools.Run info = Tools.probe(work, "store", "info", "--store", work.resolve("store").toString());
        Matcher stored = Pattern.compile("(?m)^packets: (\\d+)$").matcher(info.out());
        assertThat(stored.find()).as(info.out()).isTrue();
        assertThat(Long.parseLong(stored.group(1))).as("each alerted flow's packets stored once").isEqualTo(expectedStored);
        assertThat(replay.out()).contains("stored: " + expectedStored + " packets");

        // The formats as real tools read them: every segment and carve by tcpdump, timestamps by tshark.
        long segmentPackets = 0;
        try (var segments = Files.list(work.resolve("store"))) {
            for (Path segment : segments.filter(f -> f.toString().endsWith(".pcap")).toList()) {
                Tools.Run count = Tools.run(work, List.of("tcpdump", "-nn", "-r", segment.toString()));
                assertThat(count.exit()).as(count.err()).isZero();
                segmentPackets += count.out().lines().count();
            }
        }
        assertThat(segmentPackets).isEqualTo(expectedStored);
        for (int i = 0; i < n; i += 17) {
            Path carve = work.resolve("carves").resolve(i + ".pcap");
            Tools.Run times = Tools.run(work, List.of("tshark", "-r", carve.toString(), "-T", "fields", "-e", "frame.time_epoch"));
            assertThat(times.exit()).as(times.err()).isZero();
            List<String> expectedTimes = new ArrayList<>();
            for (OraclePcap.Packet p : OraclePcap.read(carve)) {
                expectedTimes.add(String.format("%d.%09d", p.timestampNanos() / 1_000_000_000L, p.timestampNanos() % 1_000_000_000L));
            }
            assertThat(times.out().lines().toList()).as("tshark timestamps of %s", carve).isEqualTo(expectedTimes);
        }
    }
}
