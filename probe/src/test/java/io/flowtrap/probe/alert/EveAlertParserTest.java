package io.flowtrap.probe.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parser over real Suricata 7.0.10 output and damaged copies of it.
 *
 * <p>{@code eve-suricata7.jsonl} is the unmodified eve.json of {@code suricata -r many.pcap -k none}
 * (eve-log: alert + flow + stats, community-id on, sensor-name "spike") over eight hand-made frames,
 * timestamps 1700000000.123456 + i s for frame i (1-based pcap_cnt = i + 1):
 * <ol start="0">
 *   <li>UDP 10.1.2.3:40000 → 192.168.7.9:5353 "hello FLOWTRAP-MARK world"
 *   <li>… 4: a TCP flow 10.1.2.3:43210 → 192.168.7.9:8080 (handshake, then "GET FLOWTRAP-MARK")
 *   <li value="5">ICMP echo 10.1.2.3 → 192.168.7.9 "ping FLOWTRAP-MARK"
 *   <li>UDP [2001:db8::1]:5555 → [2001:db8::ff]:53
 *   <li>QinQ 100/200, UDP 172.16.0.1:1111 → 172.16.0.2:2222
 * </ol>
 * The expected values below come from those frames, not from the JSON.
 */
class EveAlertParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1_700_000_000_123_456_000L;
    private static List<String> lines;
    private final EveAlertParser parser = new EveAlertParser();

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = EveAlertParserTest.class.getResourceAsStream("eve-suricata7.jsonl")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertThat(lines).hasSize(11);
    }

    private static String line(String needle) {
        return lines.stream().filter(l -> l.contains("\"event_type\":\"alert\"") && l.contains(needle))
                .findFirst().orElseThrow();
    }

    private EveAlert parseAlert(String line) throws MalformedAlertException {
        return parser.parse(line).orElseThrow();
    }

    private static byte[] v4(int a, int b, int c, int d) {
        byte[] x = new byte[16];
        x[0] = (byte) a;
        x[1] = (byte) b;
        x[2] = (byte) c;
        x[3] = (byte) d;
        return x;
    }

    @Test
    void anAlertWithoutCommunityIdGetsTheOneSuricataWouldHaveWritten() throws Exception {
        // Suricata's own community_id on every alert of the demo capture (TCP, UDP, ICMP, ICMPv6, VLANs)
        // is the oracle for the one the parser computes once the field is taken out
        Path demo = Path.of(System.getProperty("user.dir")).getParent().resolve("ops/demo-data/demo-eve.json");
        int checked = 0;
        java.util.Set<String> protocols = new java.util.TreeSet<>();
        for (String l : Files.readAllLines(demo)) {
            ObjectNode eve = (ObjectNode) JSON.readTree(l);
            if (!"alert".equals(eve.path("event_type").asText())) {
                continue;
            }
            String suricatas = eve.remove("community_id").asText();
            assertThat(parseAlert(eve.toString()).communityId()).as(l).isEqualTo(suricatas);
            protocols.add(eve.path("proto").asText());
            checked++;
        }
        assertThat(checked).isEqualTo(91);
        assertThat(protocols).containsExactly("ICMP", "IPv6-ICMP", "TCP", "UDP");

        ObjectNode icmp = (ObjectNode) JSON.readTree(line("\"proto\":\"ICMP\""));
        icmp.remove("community_id");
        icmp.remove("icmp_type");
        assertThatThrownBy(() -> parseAlert(icmp.toString())).isInstanceOf(MalformedAlertException.class)
                .hasMessageContaining("icmp_type");
    }

    @Test
    void udpAlert() throws Exception {
        String l = line("\"pcap_cnt\":1,");
        EveAlert a = parseAlert(l);
        assertThat(a.timestampNanos()).isEqualTo(T0);
        assertThat(a.ipVersion()).isEqualTo(4);
        assertThat(a.srcAddress()).isEqualTo(v4(10, 1, 2, 3));
        assertThat(a.srcPort()).isEqualTo(40000);
        assertThat(a.destAddress()).isEqualTo(v4(192, 168, 7, 9));
        assertThat(a.destPort()).isEqualTo(5353);
        assertThat(a.protocol()).isEqualTo(17);
        assertThat(a.vlans()).isEmpty();
        assertThat(a.signatureId()).isEqualTo(9000001L);
        assertThat(a.signature()).isEqualTo("flowtrap test");
        assertThat(a.communityId()).isEqualTo(CommunityIdOracle.v1(a)).startsWith("1:");
        assertThat(a.flowId()).isPositive();
        assertThat(a.pcapCnt()).isEqualTo(1L);
        assertThat(a.pktsToServer()).isEqualTo(1);
        assertThat(a.pktsToClient()).isZero();
        assertThat(a.flowStartNanos()).isEqualTo(T0);
        assertThat(a.sensor()).isEqualTo("spike");
        assertThat(a.json()).isSameAs(l);
    }

    @Test
    void tcpStreamAlertRaisedAtFlowTimeoutHasNoPcapCnt() throws Exception {
        EveAlert a = parseAlert(line("\"proto\":\"TCP\""));
        assertThat(a.protocol()).isEqualTo(6);
        assertThat(a.srcPort()).isEqualTo(43210);
        assertThat(a.destPort()).isEqualTo(8080);
        assertThat(a.pcapCnt()).isNull(); // raised on a pseudo packet when the flow timed out
        assertThat(a.pktsToServer() + a.pktsToClient()).isEqualTo(4);
        assertThat(a.signatureId()).isEqualTo(9000002L);
        assertThat(a.communityId()).isEqualTo(CommunityIdOracle.v1(a));
    }

    @Test
    void icmpAlertHasNoPorts() throws Exception {
        EveAlert a = parseAlert(line("\"proto\":\"ICMP\""));
        assertThat(a.protocol()).isEqualTo(1);
        assertThat(a.srcPort()).isZero();
        assertThat(a.destPort()).isZero();
        assertThat(a.pcapCnt()).isEqualTo(6L);
        assertThat(a.timestampNanos()).isEqualTo(T0 + 5_000_000_000L);
    }

    @Test
    void ipv6AlertWithSuricatasUncompressedAddresses() throws Exception {
        EveAlert a = parseAlert(line("\"pcap_cnt\":7,"));
        assertThat(a.ipVersion()).isEqualTo(6);
        byte[] src = new byte[16];
        src[0] = 0x20;
        src[1] = 0x01;
        src[2] = 0x0d;
        src[3] = (byte) 0xb8;
        byte[] dst = src.clone();
        src[15] = 1;
        dst[15] = (byte) 0xff;
        assertThat(a.srcAddress()).isEqualTo(src);
        assertThat(a.destAddress()).isEqualTo(dst);
        assertThat(a.srcPort()).isEqualTo(5555);
        assertThat(a.destPort()).isEqualTo(53);
        assertThat(a.communityId()).isEqualTo(CommunityIdOracle.v1(a));
    }

    @Test
    void qinqAlertKeepsBothVlansOuterFirst() throws Exception {
        EveAlert a = parseAlert(line("\"pcap_cnt\":8,"));
        assertThat(a.vlans()).containsExactly(100, 200);
        assertThat(a.srcAddress()).isEqualTo(v4(172, 16, 0, 1));
        assertThat(a.communityId()).isEqualTo(CommunityIdOracle.v1(a));
    }

    @Test
    void otherEventTypesAreEmptyNotErrors() throws Exception {
        List<String> others = lines.stream().filter(l -> !l.contains("\"event_type\":\"alert\"")).toList();
        assertThat(others).hasSize(6); // 5 flow + 1 stats
        for (String l : others) {
            assertThat(parser.parse(l)).as(l.substring(0, 80)).isEmpty();
        }
        assertThat(parser.parse("{\"event_type\":\"dns\",\"dns\":{}}")).isEmpty();
    }

    @Test
    void allFiveRealAlertsParse() throws Exception {
        List<EveAlert> alerts = new ArrayList<>();
        for (String l : lines) {
            parser.parse(l).ifPresent(alerts::add);
        }
        assertThat(alerts).hasSize(5);
    }

    @Test
    void elasticsearchHitAndAlertsTailResultGiveTheSameAlert() throws Exception {
        String flat = line("\"pcap_cnt\":8,");
        EveAlert expected = parseAlert(flat);

        ObjectNode hit = JSON.createObjectNode();
        hit.put("_index", "flowtrap-alerts-2023.11.14");
        hit.put("_id", "AbC123");
        hit.set("_source", JSON.readTree(flat));
        String hitLine = JSON.writeValueAsString(hit);
        EveAlert fromHit = parseAlert(hitLine);
        assertThat(fromHit.json()).isEqualTo(hitLine);
        assertThat(withJson(fromHit, flat)).isEqualTo(expected);

        ObjectNode tail = (ObjectNode) JSON.readTree(flat);
        tail.put("_id", "AbC123");
        tail.put("host", "probe-7");
        EveAlert fromTail = parseAlert(JSON.writeValueAsString(tail));
        assertThat(fromTail.sensor()).isEqualTo("probe-7");
        assertThat(fromTail.vlans()).containsExactly(100, 200);
        assertThat(fromTail.communityId()).isEqualTo(expected.communityId());

        ObjectNode hitWithoutHostInSource = (ObjectNode) JSON.readTree(hitLine);
        ((ObjectNode) hitWithoutHostInSource.get("_source")).remove("host");
        hitWithoutHostInSource.put("host", "probe-8");
        assertThat(parseAlert(JSON.writeValueAsString(hitWithoutHostInSource)).sensor()).isEqualTo("probe-8");
    }

    private static EveAlert withJson(EveAlert a, String json) {
        return new EveAlert(a.timestampNanos(), a.communityId(), a.ipVersion(), a.srcAddress(), a.srcPort(),
                a.destAddress(), a.destPort(), a.protocol(), a.vlans(), a.signatureId(), a.signature(), a.flowId(),
                a.pcapCnt(), a.pktsToServer(), a.pktsToClient(), a.flowStartNanos(), a.sensor(), json);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2025-01-02T03:04:05.123456+0000 | 2025-01-02T03:04:05.123456Z",
        "2025-01-02T03:04:05.123456Z     | 2025-01-02T03:04:05.123456Z",
        "2025-01-02T03:04:05.123456+00:00| 2025-01-02T03:04:05.123456Z",
        "2025-01-02T05:04:05.5+0200      | 2025-01-02T03:04:05.5Z",
        "2025-01-02T03:04:05-01:30       | 2025-01-02T04:34:05Z",
        "2025-01-02T03:04:05.123456789Z  | 2025-01-02T03:04:05.123456789Z",
    })
    void timestamps(String eve, String instant) throws Exception {
        Instant i = Instant.parse(instant);
        assertThat(EveAlertParser.timestamp(eve)).isEqualTo(i.getEpochSecond() * 1_000_000_000L + i.getNano());
    }

    /** Each damage to a real alert line, and the field the error must name. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"timestamp\":\"2023-11-14T22:13:20.123456+0000\" | \"timestamp\":\"2023-11-14 22:13:20\"  | timestamp | is not an EVE timestamp",
        "\"timestamp\":\"2023-11-14T22:13:20.123456+0000\" | \"timestamp\":\"2023-11-14T22:13:20.1\" | timestamp | is not an EVE timestamp",
        "\"timestamp\":\"2023-11-14T22:13:20.123456+0000\" | \"timestamp\":1700000000               | timestamp | not a string",
        "\"timestamp\":\"2023-11-14T22:13:20.123456+0000\", | ''                                    | timestamp | missing",
        "\"src_ip\":\"10.1.2.3\",                         | ''                                    | src_ip    | missing",
        "\"src_ip\":\"10.1.2.3\"                          | \"src_ip\":\"10.1.2\"                  | src_ip    | is not an IP address",
        "\"src_ip\":\"10.1.2.3\"                          | \"src_ip\":\"10.1.2.256\"              | src_ip    | is not an IP address",
        "\"src_ip\":\"10.1.2.3\"                          | \"src_ip\":\"example.com\"             | src_ip    | is not an IP address",
        "\"src_ip\":\"10.1.2.3\"                          | \"src_ip\":\"2001:db8::zz\"            | src_ip    | is not an IP address",
        "\"src_ip\":\"10.1.2.3\"                          | \"src_ip\":\"2001:db8::1\"             | dest_ip   | IPv4 but src_ip is IPv6",
        "\"dest_ip\":\"192.168.7.9\",                     | ''                                    | dest_ip   | missing",
        "\"src_port\":40000                              | \"src_port\":70000                     | src_port  | 70000 is out of range",
        "\"src_port\":40000,                             | ''                                    | src_port  | missing",
        "\"dest_port\":5353                              | \"dest_port\":\"5353\"                 | dest_port | is not an integer",
        "\"proto\":\"UDP\"                               | \"proto\":\"QUIC\"                     | proto     | is not a known protocol",
        "\"proto\":\"UDP\"                               | \"proto\":\"300\"                      | proto     | out of range",
        "\"proto\":\"UDP\",                              | ''                                    | proto     | missing",
        "\"signature_id\":9000001                        | \"signature_id\":-1                    | alert.signature_id | negative",
        "\"signature_id\":9000001,                       | ''                                    | alert.signature_id | missing",
        "\"pcap_cnt\":1                                  | \"pcap_cnt\":1.5                       | pcap_cnt  | is not an integer",
        "\"flow_id\":                                    | \"flow_id\":\"x\",\"old_flow_id\":     | flow_id   | is not an integer",
        "\"pkts_toserver\":1                             | \"pkts_toserver\":true                 | flow.pkts_toserver | is not an integer",
        "\"community_id\":\"                             | \"community_id\":7,\"x\":\"            | community_id | not a string",
        "\"event_type\":\"alert\",                       | ''                                    | event_type | missing",
        "\"event_type\":\"alert\"                        | \"event_type\":[\"alert\"]             | event_type | not a string",
        "\"host\":\"spike\"                              | \"host\":{}                            | host      | not a string",
        "\"start\":\"2023-11-14T22:13:20.123456+0000\"  | \"start\":\"2023-11-14 22:13:20\"      | flow.start | is not an EVE timestamp",
        "\"start\":\"2023-11-14T22:13:20.123456+0000\"  | \"start\":\"2023-02-30T22:13:20+0000\" | flow.start | is not an EVE timestamp",
        "\"start\":\"2023-11-14T22:13:20.123456+0000\"  | \"start\":1700000000                 | flow.start | not a string",
        "\"timestamp\":\"2023-11-14T22:13:20.123456+0000\" | \"timestamp\":\"2023-11-14T24:00:00+0000\" | timestamp | is not an EVE timestamp",
    })
    void damagedUdpAlert(String from, String to, String field, String reason) {
        String good = line("\"pcap_cnt\":1,");
        assertThat(good).contains(from);
        String bad = good.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to));
        assertThatThrownBy(() -> parser.parse(bad))
                .isInstanceOf(MalformedAlertException.class)
                .hasMessageStartingWith(field + ": ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(((MalformedAlertException) e).field()).isEqualTo(field))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void damagedStructure() throws Exception {
        String good = line("\"pcap_cnt\":8,");
        assertMalformed(good.substring(0, good.length() / 2), "json", "not JSON");
        assertMalformed(good + "}", "json", "not JSON");
        assertMalformed(good + " {}", "json", "not JSON");
        assertMalformed("[" + good + "]", "json", "not a JSON object");
        assertMalformed("\"alert\"", "json", "not a JSON object");
        assertMalformed("", "line", "empty");
        assertMalformed("   ", "line", "empty");
        assertMalformed("alert udp 10.1.2.3", "json", "not JSON");
        assertMalformed(good.replace("\"vlan\":[100,200]", "\"vlan\":[100,5000]"), "vlan", "'5000' is not a VLAN id");
        assertMalformed(good.replace("\"vlan\":[100,200]", "\"vlan\":100"), "vlan", "not an array");
        assertMalformed(good.replace("\"alert\":{", "\"alert\":7,\"x\":{"), "alert", "not an object");
        assertMalformed(good.replace("\"flow\":{", "\"flow\":[],\"x\":{"), "flow", "not an object");
        assertMalformed("{\"_id\":\"x\",\"_source\":[]}", "_source", "not an object");
        assertMalformed("{\"event_type\":\"alert\",\"event_type\":\"flow\"}", "json", "Duplicate field");
        // alert without its alert object
        ObjectNode n = (ObjectNode) JSON.readTree(good);
        n.remove("alert");
        assertMalformed(JSON.writeValueAsString(n), "alert", "missing");
    }

    @Test
    void protocolsByNameAndNumber() throws Exception {
        String good = line("\"pcap_cnt\":1,");
        assertThat(protocolOf(good.replace("\"proto\":\"UDP\"", "\"proto\":\"udp\""))).isEqualTo(17);
        assertThat(protocolOf(good.replace("\"proto\":\"UDP\"", "\"proto\":\"SCTP\""))).isEqualTo(132);
        assertThat(protocolOf(good.replace("\"proto\":\"UDP\"", "\"proto\":\"IPv6-ICMP\""))).isEqualTo(58);
        assertThat(protocolOf(good.replace("\"proto\":\"UDP\"", "\"proto\":\"47\""))).isEqualTo(47);
        assertThat(protocolOf(good.replace("\"proto\":\"UDP\"", "\"proto\":103"))).isEqualTo(103);
        EveAlert gre = parseAlert(good.replace("\"proto\":\"UDP\"", "\"proto\":\"47\""));
        assertThat(gre.srcPort()).isZero(); // ports only for TCP/UDP/SCTP
    }

    private int protocolOf(String l) throws MalformedAlertException {
        return parseAlert(l).protocol();
    }

    @Test
    void optionalFieldsMayBeAbsent() throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(line("\"pcap_cnt\":1,"));
        n.remove(List.of("community_id", "flow_id", "pcap_cnt", "flow", "host", "vlan"));
        ((ObjectNode) n.get("alert")).remove("signature");
        EveAlert a = parseAlert(JSON.writeValueAsString(n));
        assertThat(a.communityId()).as("computed from the tuple").isEqualTo(CommunityIdOracle.v1(a));
        assertThat(a.flowId()).isNull();
        assertThat(a.pcapCnt()).isNull();
        assertThat(a.sensor()).isNull();
        assertThat(a.pktsToServer()).isZero();
        assertThat(a.signature()).isEmpty();
        assertThat(a.vlans()).isEmpty();
    }

    @Test
    void ipv4MappedIpv6StaysIpv6() throws Exception {
        String good = line("\"pcap_cnt\":7,");
        EveAlert a = parseAlert(good.replace("2001:0db8:0000:0000:0000:0000:0000:0001", "::ffff:10.0.0.1"));
        assertThat(a.ipVersion()).isEqualTo(6);
        byte[] expected = new byte[16];
        expected[10] = (byte) 0xff;
        expected[11] = (byte) 0xff;
        expected[12] = 10;
        expected[15] = 1;
        assertThat(a.srcAddress()).isEqualTo(expected);
    }

    private void assertMalformed(String line, String field, String reason) {
        assertThatThrownBy(() -> parser.parse(line))
                .as(line.length() > 60 ? line.substring(0, 60) : line)
                .isInstanceOf(MalformedAlertException.class)
                .hasMessageStartingWith(field + ": ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void resultIsOptionalOfAlertForAlertsOnly() throws Exception {
        Optional<EveAlert> r = parser.parse(line("\"pcap_cnt\":6,"));
        assertThat(r).isPresent();
    }
}
