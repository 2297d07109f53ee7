package io.flowtrap.api;

import java.util.regex.Pattern;

/**
 * A probe's name (Suricata's sensor-name), as the manager knows it, in ingest events and in
 * {@code ?host=}: 1 to 64 characters of {@code [A-Za-z0-9._-]}, the schemas' {@code defs/probe}.
 */
public final class ProbeName {
    public static final int MAX_LENGTH = 64;
    /** The rule in words, for error messages. */
    public static final String RULE = "1 to " + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ -";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_LENGTH + "}");

    private ProbeName() {}

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }
}
