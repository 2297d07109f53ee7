package io.flowtrap.probe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's contract with scripts: exit 0 done, 2 bad input, 3 flow not in the store. */
class ProbeCommandTest {
    private static final Path REPO = Path.of(System.getProperty("flowtrap.repo", "..")).toAbsolutePath().normalize();
    private static final Path DEMO = REPO.resolve("ops/demo-data/demo.pcap");
    private static final Path DEMO_EVE = REPO.resolve("ops/demo-data/demo-eve.json");

    @TempDir
    Path dir;

    @Test
    void replayThenExtractByAlertByCommunityIdAndPerAlert() throws Exception {
        Path store = dir.resolve("store");
        assertThat(ProbeCommand.execute("replay", "--pcap", DEMO.toString(), "--eve", DEMO_EVE.toString(), "--store",
                store.toString(), "--segment-size", "128KB")).isZero();
        String firstAlert = Files.readAllLines(DEMO_EVE).get(0);
        Path alertFile = dir.resolve("alert.json");
        Files.writeString(alertFile, firstAlert);
        Path out = dir.resolve("flow.pcap");
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--alert", alertFile.toString(), "--out",
                out.toString())).isZero();
        assertThat(Files.size(out)).isGreaterThan(24);
        String cid = firstAlert.replaceAll(".*\"community_id\":\"([^\"]+)\".*", "$1");
        Path byId = dir.resolve("by-id.pcap");
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--community-id", cid, "--out",
                byId.toString())).isZero();
        assertThat(Files.readAllBytes(byId)).isEqualTo(Files.readAllBytes(out));
        // a window around the flow finds the same; one that ends before it finds nothing
        java.time.Instant start = java.time.Instant.from(java.time.format.DateTimeFormatter
                .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxx").parse(firstAlert.replaceAll(".*\"start\":\"([^\"]+)\".*", "$1")));
        Path inWindow = dir.resolve("in-window.pcap");
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--community-id", cid, "--from",
                start.minusSeconds(1).toString(), "--to", Long.toString((start.getEpochSecond() + 3600) * 1_000_000_000L),
                "--out", inWindow.toString())).isZero();
        assertThat(Files.readAllBytes(inWindow)).isEqualTo(Files.readAllBytes(out));
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--alert", alertFile.toString(), "--to",
                start.minusSeconds(3600).toString(), "--out", dir.resolve("before.pcap").toString())).isEqualTo(2);
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--community-id", cid, "--to",
                start.minusSeconds(3600).toString(), "--out", dir.resolve("before.pcap").toString())).isEqualTo(3);
        assertThat(dir.resolve("before.pcap")).doesNotExist();
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--alerts", DEMO_EVE.toString(),
                "--out-dir", dir.resolve("carves").toString())).isZero();
        assertThat(Files.readAllBytes(dir.resolve("carves/0.pcap"))).isEqualTo(Files.readAllBytes(out));
        assertThat(ProbeCommand.execute("store", "verify", "--store", store.toString())).isZero();
        assertThat(ProbeCommand.execute("store", "info", "--store", store.toString())).isZero();
    }

    @Test
    void searchWritesWhatTheFilterKeepsOrExitsThree() throws Exception {
        Path store = dir.resolve("store");
        assertThat(ProbeCommand.execute("replay", "--pcap", DEMO.toString(), "--eve", DEMO_EVE.toString(), "--store",
                store.toString(), "--segment-size", "128KB")).isZero();
        Path out = dir.resolve("search.pcap");
        assertThat(ProbeCommand.execute("search", "--store", store.toString(), "--filter", "tcp", "--max-packets", "10",
                "--out", out.toString())).isZero();
        assertThat(Files.size(out)).isGreaterThan(24 + 10 * 16);
        Path none = dir.resolve("none.pcap");
        assertThat(ProbeCommand.execute("search", "--store", store.toString(), "--filter", "ip proto 47", "--out",
                none.toString())).isEqualTo(3);
        assertThat(none).doesNotExist();
        assertThat(ProbeCommand.execute("search", "--store", store.toString(), "--filter", "tcp port")).isEqualTo(2);
        assertThat(ProbeCommand.execute("search", "--store", store.toString(), "--filter", "tcp", "--from",
                "2026-12-01T10:00:00Z", "--to", "2026-12-01T09:00:00Z")).isEqualTo(2);
    }

    @Test
    void aFlowNeverStoredExitsThreeAndWritesNoFile() throws Exception {
        Path store = dir.resolve("store");
        assertThat(ProbeCommand.execute("replay", "--pcap", DEMO.toString(), "--store", store.toString())).isZero();
        Path out = dir.resolve("none.pcap");
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--community-id",
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "--out", out.toString())).isEqualTo(3);
        assertThat(out).doesNotExist();
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--alerts", DEMO_EVE.toString(),
                "--out-dir", dir.resolve("carves").toString())).isEqualTo(3);
    }

    @Test
    void badInputExitsTwo() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        assertThat(ProbeCommand.execute("extract", "--store", dir.resolve("nope").toString(), "--community-id",
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")).isEqualTo(2);
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--community-id", "not-an-id")).isEqualTo(2);
        Path notAlert = dir.resolve("flow.json");
        Files.writeString(notAlert, "{\"event_type\":\"flow\",\"timestamp\":\"2024-01-01T00:00:00.000000+0000\"}");
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--alert", notAlert.toString())).isEqualTo(2);
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"event_type\":\"alert\", ");
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--alert", broken.toString())).isEqualTo(2);
        assertThat(ProbeCommand.execute("extract", "--store", store.toString())).isEqualTo(2);
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--community-id",
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "--from", "yesterday")).isEqualTo(2);
        assertThat(ProbeCommand.execute("extract", "--store", store.toString(), "--community-id",
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "--from", "2026-12-01T10:00:00Z", "--to", "2026-12-01T09:00:00Z"))
                .isEqualTo(2);
        assertThat(ProbeCommand.execute("replay", "--pcap", dir.resolve("missing.pcap").toString(), "--store",
                store.toString())).isEqualTo(2);
        Path notPcap = dir.resolve("text.pcap");
        Files.writeString(notPcap, "this is not a capture file at all");
        assertThat(ProbeCommand.execute("replay", "--pcap", notPcap.toString(), "--store", store.toString())).isEqualTo(2);
        assertThat(ProbeCommand.execute("replay", "--pcap", DEMO.toString(), "--store", store.toString(), "--lookback",
                "lots")).isEqualTo(2);
        assertThat(ProbeCommand.execute("run", "--config", dir.resolve("missing.yaml").toString())).isEqualTo(2);
        assertThat(ProbeCommand.execute("frobnicate")).isEqualTo(2);
    }
}
