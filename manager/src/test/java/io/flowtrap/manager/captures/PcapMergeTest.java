package io.flowtrap.manager.captures;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merge of a capture's per-probe pcaps against mergecap on the same inputs (two halves of
 * ops/demo-data/demo.pcap, one of them microsecond and one nanosecond); the file name as the
 * seed's capture script writes it.
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
    void theFileNameIsTheSeeds() {
        assertThat(CaptureFileName.of("grant", "traffic to grantstavely.com", Instant.parse("2009-02-17T20:20:22Z")))
                .isEqualTo("grant_traffic.to.grantstavely.com_Tue.Feb17.2009-20.20.22.UTC_1234902022_.pcap");
        assertThat(CaptureFileName.of("will", "  ../../etc/passwd & more!", Instant.parse("2009-02-17T21:21:02Z")))
                .isEqualTo("will_etcpasswd.more_Tue.Feb17.2009-21.21.02.UTC_1234905662_.pcap");
        assertThat(CaptureFileName.of("", "", Instant.EPOCH)).isEqualTo("analyst_capture_Thu.Jan01.1970-00.00.00.UTC_0_.pcap");
    }
}
