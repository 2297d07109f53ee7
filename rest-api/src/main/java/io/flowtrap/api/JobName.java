package io.flowtrap.api;

import java.util.regex.Pattern;

/**
 * An extraction job's name, as it appears in URLs and as a file name on the manager and the
 * probe: 1 to 128 characters of {@code [A-Za-z0-9_-]}. Nothing else is ever let through, so a
 * name can never be a path ({@code ..}, {@code /}, NUL and percent-escapes are all refused).
 */
public final class JobName {
    public static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_LENGTH + "}");

    private JobName() {}

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** Returns the name, or throws IllegalArgumentException saying why it is refused. */
    public static String require(String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException("invalid job name: expected 1 to " + MAX_LENGTH
                    + " characters of A-Z a-z 0-9 _ -, got " + printable(name));
        }
        return name;
    }

    private static String printable(String name) {
        if (name == null) {
            return "nothing";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < name.length() && i < 64; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(name.length() > 64 ? "…\"" : "\"").toString();
    }
}
