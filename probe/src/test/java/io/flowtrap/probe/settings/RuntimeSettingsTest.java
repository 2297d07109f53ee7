package io.flowtrap.probe.settings;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.Durations;
import io.flowtrap.probe.config.ProbeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run-time settings as the config file gives them, laid over it again, and written as operators write them. */
class RuntimeSettingsTest {
    @TempDir
    Path dir;

    @Test
    void theShippedConfigFileGivesTheDefaults() throws Exception {
        ProbeSettings sample = ProbeSettings.read(Path.of(System.getProperty("flowtrap.repo", "..")).resolve("ops/probe/probe.yaml"));
        RuntimeSettings settings = RuntimeSettings.of(sample);
        assertThat(settings).isEqualTo(new RuntimeSettings(true, "", DataSize.ofMegabytes(256), DataSize.parse("100GB"),
                DataSize.ofMegabytes(256), Duration.ofMinutes(10)));
        assertThat(sample.settingsFile()).isEqualTo(Path.of("/var/lib/flowtrap/settings.json"));
        assertThat(settings.values()).containsExactly(
                java.util.Map.entry("pcap_extraction_on_alerts", true), java.util.Map.entry("capture.filter", ""),
                java.util.Map.entry("lookback.size", "256MB"), java.util.Map.entry("store.max_size", "100GB"),
                java.util.Map.entry("store.segment_size", "256MB"), java.util.Map.entry("store.segment_age", "10m"));
    }

    @Test
    void theConfigFileMaySwitchExtractionOffAndNameTheSettingsFile() throws Exception {
        Path yaml = dir.resolve("probe.yaml");
        Files.writeString(yaml, "alerts:\n  pcap-extraction-on-alerts: false\napi:\n  settings-file: " + dir.resolve("s.json") + "\n");
        ProbeSettings config = ProbeSettings.read(yaml);
        assertThat(RuntimeSettings.of(config).pcapExtractionOnAlerts()).isFalse();
        assertThat(config.settingsFile()).isEqualTo(dir.resolve("s.json"));
    }

    @Test
    void laidOverTheConfigFileTheyReplaceOnlyTheirOwnKeys() throws Exception {
        Path yaml = dir.resolve("probe.yaml");
        Files.writeString(yaml, String.join("\n", "name: over", "capture:", "  interface-name: eth1", "  filter: tcp",
                "  snaplen: 1500", "flows:", "  max-flows: 5000", "store:", "  dir: /srv/store", "  write-buffer: 8MB", ""));
        ProbeSettings config = ProbeSettings.read(yaml);
        RuntimeSettings saved = new RuntimeSettings(false, "udp", DataSize.ofMegabytes(64), DataSize.parse("2GB"),
                DataSize.ofMegabytes(32), Duration.ofSeconds(90));
        ProbeSettings over = saved.over(config);
        assertThat(RuntimeSettings.of(over)).isEqualTo(saved);
        assertThat(over.name()).isEqualTo("over");
        assertThat(over.capture().interfaceName()).isEqualTo("eth1");
        assertThat(over.capture().snaplen()).isEqualTo(1500);
        assertThat(over.flows().maxFlows()).isEqualTo(5000);
        assertThat(over.store().dir()).isEqualTo(Path.of("/srv/store"));
        assertThat(over.store().writeBuffer()).isEqualTo(DataSize.ofMegabytes(8));
        assertThat(over.settingsFile()).isEqualTo(Path.of("/srv/settings.json"));
    }

    @Test
    void durationsAreWrittenInTheLargestUnitThatDividesThem() {
        assertThat(Durations.format(Duration.ofSeconds(600))).isEqualTo("10m");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(Durations.format(Duration.ofNanos(1500))).isEqualTo("PT0.0000015S");
        for (String text : new String[] {"10m", "90s", "1500ms", "7d", "2h", "PT0.0000015S"}) {
            assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
        }
    }
}
