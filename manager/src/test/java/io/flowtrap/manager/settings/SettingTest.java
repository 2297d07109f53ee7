package io.flowtrap.manager.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.schemas.DocumentSchema;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Settings are written the way the probe answers them, so a template's value and a probe's report
 * compare exactly; what is not a value of the setting is refused with the setting's name; the
 * document sent to a probe is a valid probe-settings document.
 */
class SettingTest {
    @Test
    void sizesAndDurationsAreWrittenTheProbesWay() {
        assertThat(Setting.STORE_MAX_SIZE.canonical("268435456")).isEqualTo("256MB");
        assertThat(Setting.STORE_MAX_SIZE.canonical("100 GB")).isEqualTo("100GB");
        assertThat(Setting.LOOKBACK_SIZE.canonical("1024k")).isEqualTo("1MB");
        assertThat(Setting.LOOKBACK_SIZE.canonical("1000")).isEqualTo("1000B");
        assertThat(Setting.STORE_SEGMENT_AGE.canonical("600s")).isEqualTo("10m");
        assertThat(Setting.STORE_SEGMENT_AGE.canonical("PT2H")).isEqualTo("2h");
        assertThat(Setting.STORE_SEGMENT_AGE.canonical("1500ms")).isEqualTo("1500ms");
        assertThat(Setting.PCAP_EXTRACTION_ON_ALERTS.canonical("TRUE")).isEqualTo("true");
        assertThat(Setting.PCAP_EXTRACTION_ON_ALERTS.canonical("")).as("an unticked box").isEqualTo("false");
        assertThat(Setting.CAPTURE_FILTER.canonical("  not port 22 ")).isEqualTo("not port 22");
    }

    @Test
    void whatIsNotAValueIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> Setting.STORE_MAX_SIZE.canonical("lots")).hasMessageContaining("Store max size: not a size");
        assertThatThrownBy(() -> Setting.STORE_SEGMENT_AGE.canonical("10 minutes")).hasMessageContaining("Segment age: not a duration");
        assertThatThrownBy(() -> Setting.STORE_SEGMENT_AGE.canonical("0s")).hasMessageContaining("more than 0");
        assertThatThrownBy(() -> Setting.PCAP_EXTRACTION_ON_ALERTS.canonical("maybe")).hasMessageContaining("true or false");
        assertThatThrownBy(() -> Setting.LOOKBACK_SIZE.canonical("99999999999999999T")).hasMessageContaining("too large");
    }

    @Test
    void theDocumentSentIsAProbeSettingsDocumentAndReadsBack() throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("pcap_extraction_on_alerts", "false");
        values.put("capture.filter", "udp port 53");
        values.put("lookback.size", "256MB");
        values.put("store.max_size", "100GB");
        values.put("store.segment_size", "256MB");
        values.put("store.segment_age", "10m");
        var doc = SettingsCatalog.document(values, 7);
        assertThat(DocumentSchema.of(DocumentSchema.Document.PROBE_SETTINGS).validate(doc)).isEmpty();
        assertThat(doc.get("version").asLong()).isEqualTo(7);
        for (Setting s : Setting.values()) {
            assertThat(s.read(new ObjectMapper().readTree(doc.toString()))).as(s.key()).isEqualTo(values.get(s.key()));
        }
    }

    @Test
    void retriesBackOffDoublingUpToTheMaximum() {
        SettingsProperties p = new SettingsProperties(5, Duration.ofSeconds(2), Duration.ofSeconds(10), 4, Duration.ofSeconds(10));
        assertThat(p.backoffBefore(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.backoffBefore(2)).isEqualTo(Duration.ofSeconds(4));
        assertThat(p.backoffBefore(3)).isEqualTo(Duration.ofSeconds(8));
        assertThat(p.backoffBefore(4)).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.backoffBefore(30)).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> new SettingsProperties(-1, Duration.ofSeconds(2), Duration.ofSeconds(10), 4, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
