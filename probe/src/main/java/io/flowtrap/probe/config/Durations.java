package io.flowtrap.probe.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations the way operators write them ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 7d}) or as ISO-8601 ({@code PT10M}). */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {}

    /** How an operator would write {@code d}: the largest of d, h, m, s, ms that divides it ({@code 600s} → {@code 10m}); ISO-8601 below a millisecond. */
    public static String format(Duration d) {
        long millis;
        try {
            millis = d.toMillis();
        } catch (ArithmeticException e) {
            return d.toString();
        }
        if (!d.equals(Duration.ofMillis(millis)) || millis <= 0) {
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

    public static Duration parse(String text) {
        String t = text.trim();
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long v = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(v);
                case "s" -> Duration.ofSeconds(v);
                case "m" -> Duration.ofMinutes(v);
                case "h" -> Duration.ofHours(v);
                default -> Duration.ofDays(v);
            };
        }
        try {
            return Duration.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (write e.g. 500ms, 30s, 10m, 2h or PT10M)", e);
        }
    }
}
