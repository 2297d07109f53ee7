package io.flowtrap.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The alert schema over real alerts and damaged copies of them.
 *
 * <p>{@code suricata7-alerts.jsonl}: four alerts in Suricata 7's EVE shape (TCP with HTTP, payload and
 * flow; UDP DNS with a VLAN; ICMP, no ports; IPv6 TLS), community ids computed from their 5-tuples.
 * {@code suricata-7.0.10-alerts.jsonl}: the alert lines of unmodified Suricata 7.0.10 output (the
 * probe's {@code eve-suricata7.jsonl}: UDP, TCP raised at flow timeout, ICMP, IPv6, QinQ).
 */
class AlertSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AlertSchema schema = AlertSchema.get();

    static List<String> lines(String resource) {
        try (InputStream in = AlertSchemaTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode tcpHttpAlert() {
        return parse(lines("suricata7-alerts.jsonl").get(0));
    }

    static ObjectNode parse(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<String> examples() {
        List<String> written = lines("suricata7-alerts.jsonl");
        List<String> real = lines("suricata-7.0.10-alerts.jsonl");
        assertThat(written).hasSize(4);
        assertThat(real).hasSize(5);
        return Stream.concat(written.stream(), real.stream());
    }

    @ParameterizedTest
    @MethodSource("examples")
    void suricataAlertsAreValid(String line) {
        assertThat(schema.validate(parse(line))).isEmpty();
    }

    @Test
    void examplesCoverTheProtocolsAndAddressFamilies() {
        List<ObjectNode> alerts = lines("suricata7-alerts.jsonl").stream().map(AlertSchemaTest::parse).toList();
        assertThat(alerts).extracting(a -> a.get("proto").asText()).containsExactly("TCP", "UDP", "ICMP", "TCP");
        assertThat(alerts.get(0).has("http")).isTrue();
        assertThat(alerts.get(0).get("flow").has("pkts_toserver")).isTrue();
        assertThat(alerts.get(1).has("dns")).isTrue();
        assertThat(alerts.get(2).has("src_port")).isFalse();
        assertThat(alerts.get(3).get("src_ip").asText()).contains(":");
    }

    @Test
    void searchHitWithIdIsValid() {
        ObjectNode hit = tcpHttpAlert();
        hit.put("_id", "Xk3v9YwBq1d2f0aPz7Qm");
        assertThat(schema.validate(hit)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"UDP", "SCTP", "IPV6-ICMP", "IPv6-ICMP", "GRE", "0", "47", "255"})
    void protoNamesAndNumbers(String proto) {
        ObjectNode a = tcpHttpAlert();
        a.put("proto", proto);
        assertThat(schema.validate(a)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-22T10:15:30.123456-0530", "2026-11-22T10:15:30Z",
        "2026-11-22T10:15:30.123+01:00"})
    void suricataAndRfc3339Timestamps(String ts) {
        ObjectNode a = tcpHttpAlert();
        a.put("timestamp", ts);
        assertThat(schema.validate(a)).isEmpty();
    }

    @Test
    void onlyTheFlowIdentityAndTheSignatureAreRequired() {
        ObjectNode a = parse("""
                {"timestamp":"2026-11-22T10:15:30.123456+0000","event_type":"alert","src_ip":"::1",
                 "dest_ip":"127.0.0.1","proto":"TCP","alert":{"signature_id":0}}""");
        assertThat(schema.validate(a)).isEmpty();
    }

    @Test
    void unknownEveFieldsAreAllowed() {
        ObjectNode a = tcpHttpAlert();
        a.putObject("smb").put("command", "SMB2_COMMAND_CREATE");
        a.put("capture_file", "/var/log/suricata/x.pcap");
        ((ObjectNode) a.get("alert")).putObject("source").put("ip", "10.0.0.5");
        assertThat(schema.validate(a)).isEmpty();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                bad("missing alert", a -> a.remove("alert"), "$: required property 'alert' not found"),
                bad("signature_id as string", a -> alert(a).put("signature_id", "2013028"),
                        "$.alert.signature_id: integer expected, string found"),
                bad("missing signature_id", a -> alert(a).remove("signature_id"),
                        "$.alert: required property 'signature_id' not found"),
                bad("negative signature_id", a -> alert(a).put("signature_id", -1),
                        "$.alert.signature_id: must have a minimum value of 0"),
                bad("alert not an object", a -> a.put("alert", "ET POLICY"), "$.alert: object expected, string found"),
                bad("missing src_ip", a -> a.remove("src_ip"), "$: required property 'src_ip' not found"),
                bad("missing dest_ip", a -> a.remove("dest_ip"), "$: required property 'dest_ip' not found"),
                bad("missing proto", a -> a.remove("proto"), "$: required property 'proto' not found"),
                bad("missing timestamp", a -> a.remove("timestamp"), "$: required property 'timestamp' not found"),
                bad("src_ip as number", a -> a.put("src_ip", 167772165), "$.src_ip: string expected, integer found"),
                bad("port 70000", a -> a.put("dest_port", 70000), "$.dest_port: must have a maximum value of 65535"),
                bad("negative port", a -> a.put("src_port", -1), "$.src_port: must have a minimum value of 0"),
                bad("port as string", a -> a.put("src_port", "80"), "$.src_port: integer expected, string found"),
                bad("flow port 70000", a -> flow(a).put("dest_port", 70000),
                        "$.flow.dest_port: must have a maximum value of 65535"),
                bad("flow counter as string", a -> flow(a).put("pkts_toserver", "4"),
                        "$.flow.pkts_toserver: integer expected, string found"),
                bad("bad community_id", a -> a.put("community_id", "1:Psdco6YMaIOZNFIzIi/gokykbZ"),
                        "$.community_id: does not match the regex pattern ^1:[A-Za-z0-9+/]{27}=$"),
                bad("community_id version 2", a -> a.put("community_id", "2:Psdco6YMaIOZNFIzIi/gokykbZg="),
                        "$.community_id: does not match the regex pattern ^1:[A-Za-z0-9+/]{27}=$"),
                bad("_id with ../", a -> a.put("_id", "../etc/passwd"),
                        "$._id: does not match the regex pattern ^[A-Za-z0-9_-]{1,128}$"),
                bad("empty _id", a -> a.put("_id", ""), "$._id: does not match the regex pattern ^[A-Za-z0-9_-]{1,128}$"),
                bad("host with a slash", a -> a.put("host", "sensor/01"),
                        "$.host: does not match the regex pattern ^[A-Za-z0-9._-]{1,64}$"),
                bad("a watchlist event without its watchlist", a -> a.put("event_type", "watchlist"),
                        "$: required property 'watchlist' not found"),
                bad("event_type flow", a -> a.put("event_type", "flow"), "$.event_type: does not have a value in the enumeration [\"alert\", \"watchlist\"]"),
                bad("vlan id 4096", a -> a.putArray("vlan").add(100).add(4096), "$.vlan[1]: must have a maximum value of 4095"),
                bad("proto 256", a -> a.put("proto", "256"), "$.proto: does not match the regex pattern "
                        + AlertSchema.document().at("/properties/proto/pattern").asText()),
                bad("timestamp without offset", a -> a.put("timestamp", "2026-11-22T10:15:30.123456"),
                        "$.timestamp: does not match the regex pattern "
                                + AlertSchema.document().at("/$defs/timestamp/pattern").asText()),
                bad("flow start not a time", a -> flow(a).put("start", "yesterday"),
                        "$.flow.start: does not match the regex pattern "
                                + AlertSchema.document().at("/$defs/timestamp/pattern").asText()),
                bad("unknown action", a -> alert(a).put("action", "dropped"),
                        "$.alert.action: does not have a value in the enumeration [\"allowed\", \"blocked\"]"));
    }

    private static Arguments bad(String name, Consumer<ObjectNode> damage, String violation) {
        return Arguments.of(name, damage, violation);
    }

    private static ObjectNode alert(ObjectNode a) {
        return (ObjectNode) a.get("alert");
    }

    private static ObjectNode flow(ObjectNode a) {
        return (ObjectNode) a.get("flow");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidAlertNamesPathAndRule(String name, Consumer<ObjectNode> damage, String violation) {
        ObjectNode a = tcpHttpAlert();
        damage.accept(a);
        assertThat(schema.validate(a)).containsExactly(violation);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0", "10.0.0.256", "2001:db8::g", "sensor-01", ""})
    void addressThatIsNeitherIpv4NorIpv6(String ip) {
        ObjectNode a = tcpHttpAlert();
        a.put("src_ip", ip);
        assertThat(schema.validate(a)).isNotEmpty().allSatisfy(v -> assertThat(v).startsWith("$.src_ip: "))
                .anySatisfy(v -> assertThat(v).contains("ipv4")).anySatisfy(v -> assertThat(v).contains("ipv6"));
    }

    @Test
    void everyViolationIsReported() {
        ObjectNode a = tcpHttpAlert();
        a.remove("src_ip");
        a.put("dest_port", 70000);
        alert(a).put("signature_id", "x");
        assertThat(schema.validate(a)).containsExactlyInAnyOrder(
                "$: required property 'src_ip' not found",
                "$.dest_port: must have a maximum value of 65535",
                "$.alert.signature_id: integer expected, string found");
    }

    @Test
    void notAnObject() {
        ArrayNode array = JSON.createArrayNode().add(tcpHttpAlert());
        assertThat(schema.validate(array)).containsExactly("$: object expected, array found");
        assertThat(schema.validate(JSON.getNodeFactory().textNode("alert")))
                .containsExactly("$: object expected, string found");
        assertThat(schema.validate(JSON.getNodeFactory().numberNode(1)))
                .containsExactly("$: object expected, integer found");
        assertThat(schema.validate(JSON.getNodeFactory().nullNode())).containsExactly("$: object expected, null found");
        assertThatNullPointerException().isThrownBy(() -> schema.validate(null));
    }

    @Test
    void loadedOnceAndDocumentIsACopy() {
        assertThat(AlertSchema.get()).isSameAs(schema);
        JsonNode doc = AlertSchema.document();
        assertThat(doc.at("/required").toString()).contains("src_ip", "dest_ip", "proto");
        assertThat(doc.at("/else/required").toString()).contains("alert"); // a watchlist event has watchlist instead
        ((ObjectNode) doc).remove("required");
        assertThat(AlertSchema.document().has("required")).isTrue();
    }
}
