package io.flowtrap.probe.alert;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.DecodedPacket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.Optional;

/**
 * Parses one line of Suricata EVE JSON into an {@link EveAlert}.
 *
 * <p>Three shapes are accepted: the flat EVE alert as Suricata writes it; an Elasticsearch hit
 * ({@code {"_id": …, "_source": {…eve…}}}); and an {@code alerts_tail} result (the EVE fields plus
 * {@code _id} and {@code host}). Other event types (flow, stats, dns, …) give an empty result; the
 * caller counts them as ignored. Anything else throws {@link MalformedAlertException} naming the field.
 *
 * <p>Thread-safe: one shared, pre-configured Jackson reader; no reflection per line (tree model).
 */
public final class EveAlertParser {
    /** Longest part of a bad value quoted in an error message. */
    private static final int MAX_QUOTED = 60;

    /**
     * EVE timestamps: {@code 2025-01-02T03:04:05.123456+0000}; also {@code Z} and {@code +00:00}.
     * The fraction is optional, 0 to 9 digits. Strict: a date or time that does not exist
     * ({@code 2026-02-30}, {@code T24:00:00}) is refused, not moved to a neighbouring one.
     */
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .appendLiteral('T')
            .appendValue(ChronoField.HOUR_OF_DAY, 2)
            .appendLiteral(':')
            .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
            .appendLiteral(':')
            .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .toFormatter(Locale.ROOT)
            .withResolverStyle(ResolverStyle.STRICT);

    private static final ObjectReader READER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .reader();

    /**
     * @return the alert, or empty if the line is a well-formed EVE event of another type
     * @throws MalformedAlertException if the line is not JSON, not an EVE event, or an alert with a
     *     missing or bad field
     */
    public Optional<EveAlert> parse(String line) throws MalformedAlertException {
        return parse(line, false);
    }

    /**
     * As {@link #parse(String)}, and a watchlist event (the probe's own, event_type "watchlist", as
     * the alert search returns it) is taken too, as an alert of signature 0: what a carve names its
     * flow by. Only the carve asks for this; the EVE intake from Suricata never arms on one.
     */
    public Optional<EveAlert> parseAlertOrWatchlistEvent(String line) throws MalformedAlertException {
        return parse(line, true);
    }

    private Optional<EveAlert> parse(String line, boolean watchlistEvents) throws MalformedAlertException {
        if (line == null || line.isBlank()) {
            throw new MalformedAlertException("line", "empty");
        }
        JsonNode root;
        try {
            root = READER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new MalformedAlertException("json", "not JSON (" + oneLine(e.getOriginalMessage())
                    + " at column " + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr()) + ")");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedAlertException("json", "not a JSON object");
        }
        JsonNode eve = root;
        JsonNode source = root.get("_source");
        if (source != null) {
            if (!source.isObject()) {
                throw new MalformedAlertException("_source", "not an object");
            }
            eve = source;
        }
        String eventType = requireText(eve, "event_type");
        boolean watchlistEvent = watchlistEvents && eventType.equals("watchlist");
        if (!eventType.equals("alert") && !watchlistEvent) {
            return Optional.empty();
        }
        return Optional.of(alert(eve, root, line, watchlistEvent));
    }

    private static EveAlert alert(JsonNode eve, JsonNode root, String line, boolean watchlistEvent)
            throws MalformedAlertException {
        long timestampNanos = timestamp(requireText(eve, "timestamp"));
        String srcIp = requireText(eve, "src_ip");
        String destIp = requireText(eve, "dest_ip");
        byte[] src = new byte[16];
        byte[] dest = new byte[16];
        int srcVersion = address(srcIp, src, "src_ip");
        int destVersion = address(destIp, dest, "dest_ip");
        if (srcVersion != destVersion) {
            throw new MalformedAlertException("dest_ip", "IPv" + destVersion + " but src_ip is IPv" + srcVersion);
        }
        int protocol = protocol(eve.get("proto"));
        int srcPort = 0;
        int destPort = 0;
        if (hasPorts(protocol)) {
            srcPort = port(eve, "src_port");
            destPort = port(eve, "dest_port");
        }
        int[] vlans = vlans(eve.get("vlan"));
        long signatureId = 0;
        String signature = null;
        if (!watchlistEvent) {
            JsonNode alert = eve.get("alert");
            if (alert == null || alert.isNull()) {
                throw new MalformedAlertException("alert", "missing");
            }
            if (!alert.isObject()) {
                throw new MalformedAlertException("alert", "not an object");
            }
            signatureId = requireLong(alert.get("signature_id"), "alert.signature_id");
            signature = optionalText(alert, "signature", "alert.signature");
        }
        String communityId = optionalText(eve, "community_id", "community_id");
        if (communityId == null) {
            // Suricata leaves it out now and then (alerts on packets it handled without a flow, under
            // load); the tuple names the same flow, and the store is indexed by its Community ID
            communityId = communityIdOf(srcVersion, protocol, src, dest, srcPort, destPort, eve);
        }
        Long flowId = optionalLong(eve.get("flow_id"), "flow_id");
        Long pcapCnt = optionalLong(eve.get("pcap_cnt"), "pcap_cnt");
        long toServer = 0;
        long toClient = 0;
        long flowStart = 0;
        JsonNode flow = eve.get("flow");
        if (flow != null && !flow.isNull()) {
            if (!flow.isObject()) {
                throw new MalformedAlertException("flow", "not an object");
            }
            toServer = orZero(optionalLong(flow.get("pkts_toserver"), "flow.pkts_toserver"));
            toClient = orZero(optionalLong(flow.get("pkts_toclient"), "flow.pkts_toclient"));
            String start = optionalText(flow, "start", "flow.start");
            if (start != null) {
                flowStart = timestamp(start, "flow.start");
            }
        }
        String sensor = optionalText(eve, "host", "host");
        if (sensor == null && root != eve) {
            sensor = optionalText(root, "host", "host");
        }
        return new EveAlert(timestampNanos, communityId, srcVersion, src, srcPort, dest, destPort, protocol, vlans,
                signatureId, signature, flowId, pcapCnt, toServer, toClient, flowStart, sensor, line);
    }

    /** Parses an EVE timestamp into nanoseconds since the epoch. Visible for the tests. */
    static long timestamp(String text) throws MalformedAlertException {
        return timestamp(text, "timestamp");
    }

    private static long timestamp(String text, String field) throws MalformedAlertException {
        OffsetDateTime t;
        try {
            t = OffsetDateTime.parse(text, TIMESTAMP);
        } catch (DateTimeException e) {
            throw new MalformedAlertException(field, quote(text) + " is not an EVE timestamp"
                    + " (like 2025-01-02T03:04:05.123456+0000)");
        }
        long seconds = t.toEpochSecond();
        if (seconds < 0 || seconds > Long.MAX_VALUE / 1_000_000_000L - 1) {
            throw new MalformedAlertException(field, quote(text) + " is out of range");
        }
        return seconds * 1_000_000_000L + t.getNano();
    }

    /** Fills {@code into} (16 bytes, zeroed) with the address; returns its IP version. */
    private static int address(String text, byte[] into, String field) throws MalformedAlertException {
        if (text.indexOf(':') < 0) {
            if (parseIpv4(text, into)) {
                return 4;
            }
            throw new MalformedAlertException(field, quote(text) + " is not an IP address");
        }
        // Only hex digits, ':' and '.' get here, so InetAddress parses a literal and never asks DNS.
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                throw new MalformedAlertException(field, quote(text) + " is not an IP address");
            }
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new MalformedAlertException(field, quote(text) + " is not an IP address");
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            // InetAddress turns ::ffff:a.b.c.d into IPv4; EVE wrote it as IPv6, keep it so.
            into[10] = (byte) 0xFF;
            into[11] = (byte) 0xFF;
            System.arraycopy(b, 0, into, 12, 4);
        } else {
            System.arraycopy(b, 0, into, 0, 16);
        }
        return 6;
    }

    private static boolean parseIpv4(String s, byte[] into) {
        int part = 0;
        int value = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return false;
                }
                into[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = value < 0 ? c - '0' : value * 10 + (c - '0');
                if (value > 255) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return part == 4;
    }

    private static int protocol(JsonNode node) throws MalformedAlertException {
        if (node == null || node.isNull()) {
            throw new MalformedAlertException("proto", "missing");
        }
        if (node.isIntegralNumber()) {
            return protocolNumber(node.asLong(), node.toString());
        }
        if (!node.isTextual()) {
            throw new MalformedAlertException("proto", "not a string");
        }
        String name = node.textValue();
        switch (name.toUpperCase(Locale.ROOT)) {
            case "TCP": return EveAlert.PROTO_TCP;
            case "UDP": return EveAlert.PROTO_UDP;
            case "ICMP": return EveAlert.PROTO_ICMP;
            case "IPV6-ICMP": case "ICMPV6": return EveAlert.PROTO_ICMPV6;
            case "SCTP": return EveAlert.PROTO_SCTP;
            case "GRE": return 47;
            case "ESP": return 50;
            case "AH": return 51;
            default:
                // Suricata writes the number for protocols it has no name for.
                if (!name.isEmpty() && name.length() <= 3 && name.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return protocolNumber(Long.parseLong(name), name);
                }
                throw new MalformedAlertException("proto", quote(name) + " is not a known protocol");
        }
    }

    private static int protocolNumber(long n, String text) throws MalformedAlertException {
        if (n < 0 || n > 255) {
            throw new MalformedAlertException("proto", quote(text) + " is out of range 0..255");
        }
        return (int) n;
    }

    /** The Community ID v1 (seed 0) of the alert's tuple; for ICMP its icmp_type/icmp_code stand for ports. */
    private static String communityIdOf(int ipVersion, int protocol, byte[] src, byte[] dest, int srcPort, int destPort,
            JsonNode eve) throws MalformedAlertException {
        DecodedPacket p = new DecodedPacket();
        p.ipVersion = ipVersion;
        p.protocol = protocol;
        System.arraycopy(src, 0, p.srcAddress, 0, 16);
        System.arraycopy(dest, 0, p.dstAddress, 0, 16);
        int sp = srcPort;
        int dp = destPort;
        if (protocol == EveAlert.PROTO_ICMP || protocol == EveAlert.PROTO_ICMPV6) {
            sp = icmpField(eve, "icmp_type");
            dp = icmpField(eve, "icmp_code");
        }
        byte[] digest = new byte[CommunityId.DIGEST_SIZE];
        new CommunityId().compute(0, p, sp, dp, digest, 0); // rare: a digest of its own keeps the parser thread-safe
        return CommunityId.format(digest, 0);
    }

    private static int icmpField(JsonNode eve, String field) throws MalformedAlertException {
        JsonNode n = eve.get(field);
        if (n == null || !n.canConvertToInt() || n.asInt() < 0 || n.asInt() > 255) {
            throw new MalformedAlertException(field, "an ICMP alert without community_id needs its " + field + " (0-255)");
        }
        return n.asInt();
    }

    private static boolean hasPorts(int protocol) {
        return protocol == EveAlert.PROTO_TCP || protocol == EveAlert.PROTO_UDP || protocol == EveAlert.PROTO_SCTP;
    }

    private static int port(JsonNode eve, String field) throws MalformedAlertException {
        long p = requireLong(eve.get(field), field);
        if (p < 0 || p > 65535) {
            throw new MalformedAlertException(field, p + " is out of range 0..65535");
        }
        return (int) p;
    }

    private static int[] vlans(JsonNode node) throws MalformedAlertException {
        if (node == null || node.isNull()) {
            return new int[0];
        }
        if (!node.isArray()) {
            throw new MalformedAlertException("vlan", "not an array");
        }
        int[] ids = new int[node.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > 4095) {
                throw new MalformedAlertException("vlan", quote(v.toString()) + " is not a VLAN id 0..4095");
            }
            ids[i] = v.asInt();
        }
        return ids;
    }

    private static String requireText(JsonNode obj, String field) throws MalformedAlertException {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            throw new MalformedAlertException(field, "missing");
        }
        if (!n.isTextual()) {
            throw new MalformedAlertException(field, "not a string");
        }
        return n.textValue();
    }

    private static String optionalText(JsonNode obj, String field, String name) throws MalformedAlertException {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new MalformedAlertException(name, "not a string");
        }
        return n.textValue();
    }

    private static long requireLong(JsonNode n, String field) throws MalformedAlertException {
        Long v = optionalLong(n, field);
        if (v == null) {
            throw new MalformedAlertException(field, "missing");
        }
        return v;
    }

    private static Long optionalLong(JsonNode n, String field) throws MalformedAlertException {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new MalformedAlertException(field, quote(n.toString()) + " is not an integer");
        }
        long v = n.longValue();
        if (v < 0) {
            throw new MalformedAlertException(field, v + " is negative");
        }
        return v;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private static String quote(String s) {
        String t = oneLine(s);
        return "'" + (t.length() > MAX_QUOTED ? t.substring(0, MAX_QUOTED) + "…" : t) + "'";
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\r\\n\\t]+", " ");
    }
}
