package io.flowtrap.manager.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merge of a capture's per-probe pcaps against mergecap on the same inputs (two halves of
 * ops/demo-data/demo.pcap, one of them microsecond and one nanosecond); the duplicate removal
 * against editcap -w on mergecap's merge of the same frames seen by two sensors (demo.pcap, and
 * demo.pcap moved 300 us later, in part); a filter against tcpdump -r ... -w with the same expression.
 */
class PcapMergeTest {
    @TempDir
    Path tmp;

    private static Path demo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("ops/demo-data/demo.pcap"))) {
                return p.resolve("ops/demo-data/demo.pcap");
            }
        }
        throw new IllegalStateException("no ops/demo-data/demo.pcap above " + Path.of("").toAbsolutePath());
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
        return out;
    }

    /** tcpdump's view of every packet: time to the ns, and every byte. */
    private static List<String> packets(Path pcap) throws Exception {
        return List.of(run("tcpdump", "-nn", "-tt", "--time-stamp-precision=nano", "-xx", "-r", pcap.toString()).split("\n(?!\t)"));
    }

    @Test
    void itMergesByTimeAsMergecapDoes() throws Exception {
        Path tcp = tmp.resolve("tcp.pcap");
        Path rest = tmp.resolve("rest.pcap");
        run("tcpdump", "-r", demo().toString(), "-w", tcp.toString(), "tcp");
        run("tcpdump", "-r", demo().toString(), "--time-stamp-precision=nano", "-w", rest.toString(), "not tcp");
        Path merged = tmp.resolve("merged.pcap");
        PcapMerge.Merged m = PcapMerge.merge(List.of(tcp, rest), merged, 0);
        Path oracle = tmp.resolve("mergecap.pcap");
        run("mergecap", "-F", "nsecpcap", "-w", oracle.toString(), tcp.toString(), rest.toString());
        List<String> expected = packets(oracle);
        assertThat(packets(merged)).containsExactlyElementsOf(expected);
        assertThat(m.packets()).isEqualTo(expected.size());
        assertThat(m.sha256()).hasSize(64);
        assertThat(m.size()).isEqualTo(Files.size(merged));

        Path first = tmp.resolve("first.pcap");
        PcapMerge.Merged capped = PcapMerge.merge(List.of(tcp, rest), first, 7);
        assertThat(capped.packets()).isEqualTo(7);
        assertThat(packets(first)).containsExactlyElementsOf(expected.subList(0, 7));
    }

    @Test
    void inputsWithoutPacketsMakeNoFile() throws Exception {
        Path none = tmp.resolve("none.pcap");
        run("tcpdump", "-r", demo().toString(), "-w", none.toString(), "host 203.0.113.99");
        assertThat(PcapMerge.merge(List.of(none), tmp.resolve("out.pcap"), 0)).isNull();
        assertThat(PcapMerge.merge(new ArrayList<>(), tmp.resolve("out.pcap"), 0)).isNull();
    }

    @Test
    void duplicatesWithinTheWindowAreDroppedAsEditcapDropsThemFromMergecapsMerge() throws Exception {
        // sensor b saw the tcp traffic sensor a saw, 300 us later; and udp only it saw
        Path a = tmp.resolve("a.pcap");
        Path b = tmp.resolve("b.pcap");
        Path bTcp = tmp.resolve("b-tcp.pcap");
        run("tcpdump", "-r", demo().toString(), "--time-stamp-precision=nano", "-w", a.toString(), "tcp or icmp");
        run("editcap", "-F", "nsecpcap", "-t", "0.0003", demo().toString(), bTcp.toString());
        run("tcpdump", "-r", bTcp.toString(), "--time-stamp-precision=nano", "-w", b.toString(), "tcp or udp");
        Path mergecap = tmp.resolve("mergecap.pcap");
        run("mergecap", "-F", "nsecpcap", "-w", mergecap.toString(), a.toString(), b.toString());
        long all = packets(mergecap).size();
        for (long windowMicros : new long[] {1000, 100, 0}) {
            Path oracle = tmp.resolve("editcap-" + windowMicros + ".pcap");
            String window = String.format(java.util.Locale.ROOT, "%d.%06d", windowMicros / 1_000_000, windowMicros % 1_000_000);
            run("editcap", "-F", "nsecpcap", "-w", window, mergecap.toString(), oracle.toString());
            List<String> expected = packets(oracle);
            Path merged = tmp.resolve("dedup-" + windowMicros + ".pcap");
            PcapMerge.Merged m = PcapMerge.merge(List.of(a, b), merged, 0, windowMicros * 1000);
            assertThat(packets(merged)).as("window %d us", windowMicros).containsExactlyElementsOf(expected);
            assertThat(m.read()).isEqualTo(all);
            assertThat(m.packets()).isEqualTo(expected.size());
            assertThat(m.duplicates()).isEqualTo(all - expected.size());
        }
        // 1 ms spans the 300 us between the sensors, 100 us does not
        PcapMerge.Merged wide = PcapMerge.merge(List.of(a, b), tmp.resolve("wide.pcap"), 0, 1_000_000);
        PcapMerge.Merged narrow = PcapMerge.merge(List.of(a, b), tmp.resolve("narrow.pcap"), 0, 100_000);
        System.out.printf("dedup of demo.pcap seen twice 300 us apart: %d read, %d duplicates within 1 ms, %d within 100 us%n",
                wide.read(), wide.duplicates(), narrow.duplicates());
        assertThat(wide.duplicates()).isPositive().isGreaterThan(narrow.duplicates());
        assertThat(PcapMerge.merge(List.of(a, b), tmp.resolve("none.pcap"), 0).duplicates()).isZero();
    }

    @Test
    void aFilterKeepsWhatTcpdumpKeeps() throws Exception {
        for (String filter : List.of("tcp port 80", "udp and not port 53", "icmp or arp", "ip[8] < 64", "vlan or ip6")) {
            Path oracle = tmp.resolve("tcpdump.pcap");
            run("tcpdump", "-r", demo().toString(), "--time-stamp-precision=nano", "-w", oracle.toString(), filter);
            Path out = tmp.resolve("filtered.pcap");
            Files.deleteIfExists(out);
            PcapFilter.Filtered f = PcapFilter.filter(demo(), out, filter);
            List<String> expected = Files.size(oracle) > 24 ? packets(oracle) : List.of();
            assertThat(f.read()).isEqualTo(packets(demo()).size());
            assertThat(f.packets()).as(filter).isEqualTo(expected.size());
            if (expected.isEmpty()) {
                assertThat(out).doesNotExist();
            } else {
                assertThat(packets(out)).as(filter).containsExactlyElementsOf(expected);
                assertThat(f.size()).isEqualTo(Files.size(out));
            }
        }
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> PcapFilter.filter(demo(), tmp.resolve("x.pcap"),
                "tcp port eleventy"))).isInstanceOf(PcapFilter.InvalidFilter.class).hasMessageContaining("eleventy");
        PcapFilter.check("tcp port 80");
    }
}
