package io.flowtrap.manager.syslog;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One RFC 5424 message, as bytes: {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID
 * name="value" ...] MSG}. The structured data carries the audit event's fields, so a SIEM reads
 * them without parsing free text; values are escaped as §6.3.3 says ({@code "}, {@code \} and
 * {@code ]}), header fields are cut to their lengths and stripped to printable US-ASCII (§6.2),
 * and the MSG is plain UTF-8 without a BOM (MSG-ANY). A message over the size limit loses its
 * free text first, then the tails of its longest values, never its header or its SD brackets.
 */
public final class SyslogMessage {
    /** RFC 5424 §6.2.1 severities this log uses. */
    public enum Severity {
        WARNING(4), NOTICE(5), INFO(6);

        final int code;

        Severity(int code) {
            this.code = code;
        }
    }

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    /** Shortest a value is cut to while making room; shorter ones are kept whole. */
    private static final int MIN_VALUE_BYTES = 16;
    private static final String CUT = "...";

    private final byte[] bytes;
    private final boolean truncated;

    private SyslogMessage(byte[] bytes, boolean truncated) {
        this.bytes = bytes;
        this.truncated = truncated;
    }

    /**
     * @param facility RFC 5424 facility code (0..23)
     * @param sdId the structured data's SD-ID, e.g. {@code flowtrap@32473}
     * @param params the event's fields in order; a null value is left out
     * @param maxBytes the most the message may take
     */
    public static SyslogMessage format(int facility, Severity severity, Instant time, String hostname, String appName,
            long procId, String msgId, String sdId, Map<String, ?> params, String text, int maxBytes) {
        if (facility < 0 || facility > 23) {
            throw new IllegalArgumentException("syslog facility must be 0..23, not " + facility);
        }
        String header = "<" + (facility * 8 + severity.code) + ">1 " + TIMESTAMP.format(time) + " "
                + field(hostname, 255) + " " + field(appName, 48) + " " + field(Long.toString(procId), 128) + " "
                + field(msgId, 32) + " ";
        Map<String, String> values = new LinkedHashMap<>();
        params.forEach((name, value) -> {
            if (value != null) {
                values.put(paramName(name), String.valueOf(value));
            }
        });
        byte[] head = header.getBytes(StandardCharsets.US_ASCII);
        byte[] body = text == null || text.isEmpty() ? new byte[0] : (" " + text).getBytes(StandardCharsets.UTF_8);
        byte[] sd = structuredData(field(sdId, 32), values);
        if (head.length + sd.length + body.length <= maxBytes) {
            return new SyslogMessage(concat(head, sd, body), false);
        }
        // the free text goes first, then the longest values lose their tails, halving, until it fits
        int room = maxBytes - head.length - sd.length;
        if (room > CUT.length() + 1) {
            return new SyslogMessage(concat(head, sd, cut(body, room)), true);
        }
        for (int limit = longestValueBytes(values) / 2; limit >= MIN_VALUE_BYTES; limit /= 2) {
            Map<String, String> shorter = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : values.entrySet()) {
                shorter.put(e.getKey(), cutString(e.getValue(), limit));
            }
            sd = structuredData(field(sdId, 32), shorter);
            if (head.length + sd.length <= maxBytes) {
                return new SyslogMessage(concat(head, sd), true);
            }
        }
        throw new IllegalArgumentException("a syslog message of " + values.size() + " fields does not fit " + maxBytes
                + " bytes even with each value cut to " + MIN_VALUE_BYTES);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    int length() {
        return bytes.length;
    }

    byte[] array() {
        return bytes;
    }

    /** Whether text or values were cut to fit the size limit. */
    public boolean truncated() {
        return truncated;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A header field: printable US-ASCII without spaces, at most {@code max} characters, "-" when empty (NILVALUE). */
    private static String field(String value, int max) {
        if (value == null) {
            return "-";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < max; i++) {
            char c = value.charAt(i);
            if (c > 32 && c < 127) {
                out.append(c);
            }
        }
        return out.isEmpty() ? "-" : out.toString();
    }

    /** A PARAM-NAME: as a header field, without '=', ']' and '"' (§6.3.3), at most 32. */
    private static String paramName(String name) {
        String n = field(name.replace("=", "").replace("]", "").replace("\"", ""), 32);
        if (n.equals("-")) {
            throw new IllegalArgumentException("syslog parameter name has no printable character: '" + name + "'");
        }
        return n;
    }

    private static byte[] structuredData(String sdId, Map<String, String> values) {
        StringBuilder sd = new StringBuilder("[").append(sdId);
        values.forEach((name, value) -> sd.append(' ').append(name).append("=\"").append(escape(value)).append('"'));
        return sd.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c == ']') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    private static int longestValueBytes(Map<String, String> values) {
        int longest = 0;
        for (String v : values.values()) {
            longest = Math.max(longest, v.getBytes(StandardCharsets.UTF_8).length);
        }
        return longest;
    }

    /** The string cut to at most {@code maxBytes} of UTF-8 with "..." at the end, on a character boundary. */
    private static String cutString(String value, int maxBytes) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= maxBytes) {
            return value;
        }
        return new String(cut(utf8, maxBytes), StandardCharsets.UTF_8);
    }

    /** {@code utf8} cut to {@code maxBytes} with "..." at its end, never inside a character. */
    private static byte[] cut(byte[] utf8, int maxBytes) {
        int end = maxBytes - CUT.length();
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
            end--; // a continuation byte: back to the start of its character
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(maxBytes);
        out.write(utf8, 0, end);
        out.writeBytes(CUT.getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
