package io.flowtrap.probe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeSettingsTest {
    @TempDir
    Path dir;

    @Test
    void sizesAndDurationsReadTheWayOperatorsWriteThem() {
        assertThat(DataSize.parse("100GB").bytes()).isEqualTo(100L << 30);
        assertThat(DataSize.parse("256MB").bytes()).isEqualTo(256L << 20);
        assertThat(DataSize.parse("64k").bytes()).isEqualTo(64L << 10);
        assertThat(DataSize.parse("1048576").bytes()).isEqualTo(1 << 20);
        assertThat(DataSize.parse("2TiB").bytes()).isEqualTo(2L << 40);
        assertThat(DataSize.parse("256MB")).hasToString("256MB");
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("PT2H")).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void badSizesAndDurationsSayWhatIsWrong() {
        assertThatThrownBy(() -> DataSize.parse("ten MB")).hasMessageContaining("not a size: 'ten MB'");
        assertThatThrownBy(() -> DataSize.parse("99999999999TB")).hasMessageContaining("too large");
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("not a duration: 'soon'");
    }

    @Test
    void theShippedSampleReadsAndEveryOmittedKeyHasItsDefault() throws IOException {
        Path sample = Path.of(System.getProperty("flowtrap.repo", "..")).resolve("ops/probe/probe.yaml");
        ProbeSettings settings = ProbeSettings.read(sample);
        assertThat(settings.name()).isEqualTo("sensor-1");
        assertThat(settings.capture().interfaceName()).isEqualTo("eth0");
        assertThat(settings.store().maxSize().bytes()).isEqualTo(100L << 30);
        assertThat(settings.alerts().eveSocket()).isEqualTo(Path.of("/run/flowtrap/eve.sock"));

        Path minimal = dir.resolve("minimal.yaml");
        Files.writeString(minimal, "store:\n  dir: /tmp/s\n  max-size: 1GB\n");
        ProbeSettings defaults = ProbeSettings.read(minimal);
        assertThat(defaults.store().maxSize().bytes()).isEqualTo(1L << 30);
        assertThat(defaults.store().segmentSize().bytes()).isEqualTo(256L << 20);
        assertThat(defaults.flows().maxFlows()).isEqualTo(1_000_000);
        assertThat(defaults.flows().tcpClosed()).isEqualTo(Duration.ofSeconds(60));
        assertThat(defaults.lookback().size().bytes()).isEqualTo(256L << 20);
        assertThat(defaults.alerts().eveSocket()).isNull();
    }

    @Test
    void theCaptureEngineIsRingOnLinuxUnlessChosenAndAnUnknownOneIsRefused() throws IOException {
        Path sample = Path.of(System.getProperty("flowtrap.repo", "..")).resolve("ops/probe/probe.yaml");
        assertThat(ProbeSettings.read(sample).capture().engine()).isEqualTo("auto");
        Path minimal = dir.resolve("minimal.yaml");
        Files.writeString(minimal, "name: x\n");
        ProbeSettings.Capture defaults = ProbeSettings.read(minimal).capture();
        assertThat(defaults.engine()).isEqualTo("auto");
        assertThat(defaults.liveEngine("Linux")).isEqualTo("ring");
        assertThat(defaults.liveEngine("Mac OS X")).isEqualTo("pcap");
        assertThat(defaults.liveEngine("Windows 11")).isEqualTo("pcap");
        for (String engine : new String[] {"ring", "pcap"}) {
            Path chosen = dir.resolve(engine + ".yaml");
            Files.writeString(chosen, "capture:\n  engine: " + engine + "\n");
            ProbeSettings.Capture capture = ProbeSettings.read(chosen).capture();
            assertThat(capture.liveEngine("Linux")).isEqualTo(engine);
            assertThat(capture.liveEngine("Mac OS X")).isEqualTo(engine);
        }
        Path bad = dir.resolve("bad-engine.yaml");
        Files.writeString(bad, "capture:\n  engine: dpdk\n");
        assertThatThrownBy(() -> ProbeSettings.read(bad)).hasMessageContaining("capture.engine").hasMessageContaining("'dpdk'");
    }

    @Test
    void aMistypedKeyIsAnErrorNamingIt() throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "store:\n  max-sise: 1GB\n");
        assertThatThrownBy(() -> ProbeSettings.read(bad)).hasMessageContaining("max-sise");
        Path badValue = dir.resolve("bad-value.yaml");
        Files.writeString(badValue, "lookback:\n  size: lots\n");
        assertThatThrownBy(() -> ProbeSettings.read(badValue)).hasMessageContaining("not a size: 'lots'");
        assertThatThrownBy(() -> ProbeSettings.read(dir.resolve("missing.yaml"))).hasMessageContaining("no settings file");
    }
}
