package io.flowtrap.manager.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.api.JobName;
import org.junit.jupiter.api.Test;

class AlertDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RAW = "{\"timestamp\":\"2026-11-22T23:30:00.000000-0200\",\"event_type\":\"alert\","
            + "\"src_ip\":\"10.0.0.1\",\"src_port\":1234,\"dest_ip\":\"192.0.2.1\",\"dest_port\":80,\"proto\":\"TCP\","
            + "\"community_id\":\"1:XRbEC5ODBxO/ZJLiYfFvwU9w0WE=\",\"alert\":{\"signature_id\":1,\"signature\":\"t\"},"
            + "\"host\":\"suricata-sensor\"}";

    private static ObjectNode parse(String raw) throws Exception {
        return (ObjectNode) JSON.readTree(raw);
    }

    private static AlertDocument of(String probe, String raw) throws Exception {
        return AlertDocument.of("logstash-alert-", probe, parse(raw));
    }

    @Test
    void theIdIsStableForOneProbeAndAlertAndDiffersForAnotherProbeOrAlert() throws Exception {
        AlertDocument a = of("probe-a", RAW);
        assertThat(a.id()).matches("[0-9a-f]{40}");
        assertThat(JobName.isValid(a.id())).isTrue();
        assertThat(of("probe-a", RAW).id()).isEqualTo(a.id());
        assertThat(of("probe-a", RAW + "\n").id()).as("surrounding white space is not part of the alert").isEqualTo(a.id());
        assertThat(of("probe-b", RAW).id()).isNotEqualTo(a.id());
        assertThat(of("probe-a", RAW.replace("1234", "1235")).id()).isNotEqualTo(a.id());
        // the probe name and the alert are separated: moving a character across the boundary is another id
        assertThat(AlertDocument.id("probe-a", "x" + RAW)).isNotEqualTo(AlertDocument.id("probe-ax", RAW));
    }

    @Test
    void theIndexIsTheAlertsUtcDay() throws Exception {
        assertThat(of("p", RAW).index()).isEqualTo("logstash-alert-2026.11.23");
        assertThat(of("p", RAW.replace("2026-11-22T23:30:00.000000-0200", "2026-11-22T23:30:00.000000+0000")).index())
                .isEqualTo("logstash-alert-2026.11.22");
        assertThat(of("p", RAW.replace("2026-11-22T23:30:00.000000-0200", "2026-11-23T01:30:00.123456+0300")).index())
                .isEqualTo("logstash-alert-2026.11.22");
        assertThat(of("p", RAW.replace("2026-11-22T23:30:00.000000-0200", "2026-12-31T23:59:59+0000")).index())
                .as("without fraction").isEqualTo("logstash-alert-2026.12.31");
        assertThat(of("p", RAW.replace("2026-11-22T23:30:00.000000-0200", "2026-11-22T23:30:00.5-02:00")).index())
                .as("RFC 3339").isEqualTo("logstash-alert-2026.11.23");
    }

    @Test
    void aTimestampThatNamesNoRealTimeIsRefusedWithItsValue() throws Exception {
        for (String bad : new String[] {"2026-02-30T10:00:00Z", "2026-02-29T10:00:00.000000+0000", "2026-11-22T24:00:00Z",
                "2026-11-22T23:60:00.000000+0000", "2026-13-01T00:00:00Z", "yesterday"}) {
            assertThatThrownBy(() -> of("p", RAW.replace("2026-11-22T23:30:00.000000-0200", bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("timestamp '" + bad + "' is not a real date and time");
        }
        assertThat(of("p", RAW.replace("2026-11-22T23:30:00.000000-0200", "2028-02-29T10:00:00.000000+0000")).index())
                .as("a leap day that exists").isEqualTo("logstash-alert-2028.02.29");
    }

    @Test
    void theHostIsTheProbeAndSuricatasHostBecomesTheSensorName() throws Exception {
        ObjectNode alert = parse(RAW);
        AlertDocument d = AlertDocument.of("logstash-alert-", "probe-a", alert);
        assertThat(d.source().path("host").asText()).isEqualTo("probe-a");
        assertThat(d.source().path("sensor_name").asText()).isEqualTo("suricata-sensor");
        assertThat(d.json()).as("serialised once, as indexed").isEqualTo(d.source().toString());

        ObjectNode rest = d.source().deepCopy();
        rest.remove("host");
        rest.remove("sensor_name");
        ObjectNode original = parse(RAW);
        original.remove("host");
        assertThat(rest).isEqualTo(original);
    }

    @Test
    void aHostThatIsAlreadyTheProbeOrNoHostGivesNoSensorName() throws Exception {
        AlertDocument same = of("suricata-sensor", RAW);
        assertThat(same.source().path("host").asText()).isEqualTo("suricata-sensor");
        assertThat(same.source().has("sensor_name")).isFalse();
        String noHost = RAW.replace(",\"host\":\"suricata-sensor\"", "");
        AlertDocument none = of("probe-a", noHost);
        assertThat(none.source().path("host").asText()).isEqualTo("probe-a");
        assertThat(none.source().has("sensor_name")).isFalse();
    }

    @Test
    void anIdFieldInTheAlertIsRemoved() throws Exception {
        String withId = RAW.replace("{\"timestamp\"", "{\"_id\":\"forged\",\"timestamp\"");
        AlertDocument d = of("probe-a", withId);
        assertThat(d.source().has("_id")).isFalse();
        assertThat(d.id()).isNotEqualTo("forged").matches("[0-9a-f]{40}");
    }
}
