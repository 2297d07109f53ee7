package io.flowtrap.probe.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EveTimeShiftTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An alert as Suricata 7 writes it (from ops/demo-data/demo-eve.json, shortened). */
    private static final String ALERT = "{\"timestamp\":\"2023-11-14T22:13:20.016584+0000\",\"flow_id\":71229600105978,"
            + "\"pcap_cnt\":14,\"event_type\":\"alert\",\"vlan\":[25],\"src_ip\":\"10.0.0.1\",\"src_port\":20001,"
            + "\"dest_ip\":\"192.0.2.2\",\"dest_port\":80,\"proto\":\"TCP\",\"community_id\":\"1:XRbEC5ODBxO/ZJLiYfFvwU9w0WE=\","
            + "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":9100005,\"rev\":1,\"signature\":\"marker\","
            + "\"category\":\"\",\"severity\":3},\"direction\":\"to_server\",\"flow\":{\"pkts_toserver\":3,\"pkts_toclient\":2,"
            + "\"bytes_toserver\":114,\"bytes_toclient\":80,\"start\":\"2023-11-14T22:13:19.999999+0000\"},"
            + "\"host\":\"flowtrap-sensor\"}";
    private static final long DELTA = Duration.ofDays(731).plusHours(5).plusMinutes(7).plusSeconds(3).plusNanos(123_456_000)
            .toNanos();

    private static EveAlert parse(String json) throws MalformedAlertException {
        return new EveAlertParser().parse(json).orElseThrow();
    }

    /** The event without its two times, to compare what must be left untouched. */
    private static JsonNode withoutTimes(String json) throws Exception {
        ObjectNode node = (ObjectNode) JSON.readTree(json);
        node.remove("timestamp");
        ((ObjectNode) node.get("flow")).remove("start");
        return node;
    }

    @Test
    void timestampAndFlowStartMoveInSuricatasFormatAndNothingElseChanges() throws Exception {
        EveAlert original = parse(ALERT);

        EveAlert moved = EveTimeShift.shift(original, DELTA);

        JsonNode json = JSON.readTree(moved.json());
        assertThat(json.get("timestamp").asText()).isEqualTo("2025-11-15T03:20:23.140040+0000");
        assertThat(json.at("/flow/start").asText()).isEqualTo("2025-11-15T03:20:23.123455+0000");
        assertThat(withoutTimes(moved.json())).isEqualTo(withoutTimes(ALERT));
        assertThat(moved.timestampNanos()).isEqualTo(original.timestampNanos() + DELTA);
        assertThat(moved.communityId()).isEqualTo(original.communityId());
        assertThat(moved.signatureId()).isEqualTo(original.signatureId());
        assertThat(moved.srcPort()).isEqualTo(20001);
        assertThat(moved.vlans()).containsExactly(25);
        assertThat(moved.sensor()).isEqualTo("flowtrap-sensor");
        assertThat(moved.pktsToServer()).isEqualTo(3);
    }

    @Test
    void aShiftBackInTimeAndBackAgainRestoresTheAlert() throws Exception {
        EveAlert original = parse(ALERT);
        EveAlert back = EveTimeShift.shift(original, -DELTA);
        assertThat(JSON.readTree(back.json()).get("timestamp").asText()).isEqualTo("2021-11-13T17:06:16.893128+0000");
        assertThat(back.timestampNanos()).isEqualTo(original.timestampNanos() - DELTA);
        EveAlert again = EveTimeShift.shift(back, DELTA);
        assertThat(again.timestampNanos()).isEqualTo(original.timestampNanos());
        assertThat(JSON.readTree(again.json())).isEqualTo(JSON.readTree(ALERT));
    }

    @Test
    void anyOffsetIsRewrittenAsUtc() throws Exception {
        EveAlert local = parse(ALERT.replace("2023-11-14T22:13:20.016584+0000", "2023-11-15T01:13:20.016584+0300"));
        EveAlert moved = EveTimeShift.shift(local, 1_000);
        assertThat(JSON.readTree(moved.json()).get("timestamp").asText()).isEqualTo("2023-11-14T22:13:20.016585+0000");
        assertThat(moved.timestampNanos()).isEqualTo(local.timestampNanos() + 1_000);
    }

    @Test
    void anAlertWithoutFlowStartAndADocumentWrappedInSourceMoveToo() throws Exception {
        String bare = ALERT.replace(",\"start\":\"2023-11-14T22:13:19.999999+0000\"", "");
        EveAlert moved = EveTimeShift.shift(parse(bare), DELTA);
        assertThat(JSON.readTree(moved.json()).at("/flow").has("start")).isFalse();
        assertThat(moved.timestampNanos()).isEqualTo(parse(bare).timestampNanos() + DELTA);

        String wrapped = "{\"_id\":\"abc\",\"_source\":" + ALERT + "}";
        EveAlert movedWrapped = EveTimeShift.shift(parse(wrapped), DELTA);
        JsonNode json = JSON.readTree(movedWrapped.json());
        assertThat(json.get("_id").asText()).isEqualTo("abc");
        assertThat(json.at("/_source/timestamp").asText()).isEqualTo("2025-11-15T03:20:23.140040+0000");
        assertThat(movedWrapped.timestampNanos()).isEqualTo(parse(ALERT).timestampNanos() + DELTA);
    }

    @Test
    void noShiftIsTheSameAlert() throws Exception {
        EveAlert original = parse(ALERT);
        assertThat(EveTimeShift.shift(original, 0)).isSameAs(original);
    }

    @Test
    void aBrokenFlowStartIsAMalformedAlert() throws Exception {
        String broken = ALERT.replace("\"start\":\"2023-11-14T22:13:19.999999+0000\"", "\"start\":\"yesterday\"");
        assertThatThrownBy(() -> parse(broken)).isInstanceOf(MalformedAlertException.class)
                .hasMessageContaining("flow.start").hasMessageContaining("yesterday");
    }
}
