package io.flowtrap.manager.settings;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The probe's run-time settings a template holds, by the dotted names of the probe-settings schema
 * ({@code store.max_size}), each with its label on the pages and where it sits in the document.
 * {@link #canonical} writes a value the way the probe answers it ({@code 268435456} → {@code 256MB},
 * {@code 600s} → {@code 10m}), so what a template says and what a probe reports compare exactly.
 */
public enum Setting {
    PCAP_EXTRACTION_ON_ALERTS("pcap_extraction_on_alerts", "Activate pcap extraction on alerts", Type.BOOLEAN),
    STORE_MAX_SIZE("store.max_size", "Store max size", Type.SIZE),
    LOOKBACK_SIZE("lookback.size", "Look-back size", Type.SIZE),
    CAPTURE_FILTER("capture.filter", "Capture filter (BPF)", Type.TEXT),
    STORE_SEGMENT_SIZE("store.segment_size", "Segment size", Type.SIZE),
    STORE_SEGMENT_AGE("store.segment_age", "Segment age", Type.DURATION);

    enum Type { BOOLEAN, SIZE, DURATION, TEXT }

    private static final Pattern SIZE = Pattern.compile("([0-9]{1,19}) ?([KMGTkmgt][Ii]?[Bb]?|[Bb])?");
    private static final Pattern SHORT_DURATION = Pattern.compile("([0-9]{1,18}) ?(ms|s|m|h|d)");

    private final String key;
    private final String label;
    private final Type type;

    Setting(String key, String label, Type type) {
        this.key = key;
        this.label = label;
        this.type = type;
    }

    /** The dotted name, as in the probe's answers: {@code store.max_size}. */
    public String key() {
        return key;
    }

    public String label() {
        return label;
    }

    public boolean isBoolean() {
        return type == Type.BOOLEAN;
    }

    public static Optional<Setting> byKey(String key) {
        for (Setting s : values()) {
            if (s.key.equals(key)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** This setting's value in the values part of a probe-settings document, as text. */
    String read(JsonNode settings) {
        JsonNode node = key.contains(".") ? settings.path(key.substring(0, key.indexOf('.'))).path(key.substring(key.indexOf('.') + 1))
                : settings.path(key);
        return node.isBoolean() ? Boolean.toString(node.asBoolean()) : node.asText();
    }

    /**
     * {@code value} written the probe's way.
     *
     * @throws IllegalArgumentException saying what a value of this setting looks like
     */
    public String canonical(String value) {
        String v = value == null ? "" : value.strip();
        switch (type) {
            case BOOLEAN -> {
                if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("on")) {
                    return "true";
                }
                if (v.equalsIgnoreCase("false") || v.equalsIgnoreCase("off") || v.isEmpty()) {
                    return "false";
                }
                throw new IllegalArgumentException(label + ": write true or false, not '" + v + "'");
            }
            case SIZE -> {
                Matcher m = SIZE.matcher(v);
                if (!m.matches()) {
                    throw new IllegalArgumentException(label + ": not a size: '" + v + "' (write e.g. 100GB, 256MB, 64KB or a byte count)");
                }
                long n = Long.parseLong(m.group(1));
                int shift = switch (m.group(2) == null ? 'b' : Character.toLowerCase(m.group(2).charAt(0))) {
                    case 'k' -> 10;
                    case 'm' -> 20;
                    case 'g' -> 30;
                    case 't' -> 40;
                    default -> 0;
                };
                if (Long.numberOfLeadingZeros(n) <= shift) {
                    throw new IllegalArgumentException(label + ": too large: '" + v + "'");
                }
                long bytes = n << shift;
                String[] units = {"B", "KB", "MB", "GB", "TB"};
                int u = 0;
                while (u < units.length - 1 && bytes != 0 && bytes % 1024 == 0) {
                    bytes /= 1024;
                    u++;
                }
                return bytes + units[u];
            }
            case DURATION -> {
                Duration d;
                Matcher m = SHORT_DURATION.matcher(v);
                try {
                    if (m.matches()) {
                        long n = Long.parseLong(m.group(1));
                        d = switch (m.group(2)) {
                            case "ms" -> Duration.ofMillis(n);
                            case "s" -> Duration.ofSeconds(n);
                            case "m" -> Duration.ofMinutes(n);
                            case "h" -> Duration.ofHours(n);
                            default -> Duration.ofDays(n);
                        };
                    } else {
                        d = Duration.parse(v.toUpperCase(Locale.ROOT));
                    }
                } catch (DateTimeParseException | ArithmeticException e) {
                    throw new IllegalArgumentException(label + ": not a duration: '" + v + "' (write e.g. 30s, 10m, 2h, 7d)");
                }
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException(label + ": must be more than 0");
                }
                return format(d);
            }
            default -> {
                if (v.length() > 4096) {
                    throw new IllegalArgumentException(label + ": at most 4096 characters");
                }
                return v;
            }
        }
    }

    /** As the probe writes a duration: the largest of d, h, m, s, ms that divides it. */
    private static String format(Duration d) {
        long millis = d.toMillis();
        if (!d.equals(Duration.ofMillis(millis))) {
            return d.toString();
        }
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
        String[] names = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (millis % units[i] == 0) {
                return millis / units[i] + names[i];
            }
        }
        return millis + "ms";
    }
}
