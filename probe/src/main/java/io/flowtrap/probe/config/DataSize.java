package io.flowtrap.probe.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size in bytes written the way operators write it: {@code 100GB}, {@code 256MB}, {@code 64k}, {@code 1048576}. Binary units (1 KB = 1024 B). */
public record DataSize(long bytes) {
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);

    public DataSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size cannot be negative: " + bytes);
        }
    }

    @JsonCreator
    public static DataSize parse(String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + text + "' (write e.g. 100GB, 256MB, 64KB or a byte count)");
        }
        long value = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit.charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        if (Long.numberOfLeadingZeros(value) <= shift) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        return new DataSize(value << shift);
    }

    public static DataSize ofMegabytes(long mb) {
        return new DataSize(mb << 20);
    }

    @JsonValue
    @Override
    public String toString() {
        long b = bytes;
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        int u = 0;
        while (u < units.length - 1 && b != 0 && b % 1024 == 0) {
            b /= 1024;
            u++;
        }
        return b + units[u];
    }
}
