package io.flowtrap.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * API keys: {@code Authorization: Token <key>}. A key is 40 hex characters (160 random bits, the
 * shape Scirius uses); servers keep only its SHA-256 and compare digests in constant time.
 */
public final class ApiToken {
    public static final String SCHEME = "Token";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiToken() {}

    /** A new random key. */
    public static String generate() {
        byte[] bytes = new byte[20];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The SHA-256 of a key, lower-case hex: what servers store. */
    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Whether {@code key} hashes to {@code storedHash}, in time independent of where they differ. */
    public static boolean matches(String key, String storedHash) {
        return sameHash(hash(key), storedHash);
    }

    /** Whether two stored hashes are equal, in time independent of where they differ. */
    public static boolean sameHash(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    /** The key in an {@code Authorization} header value, or null if it is not {@code Token <key>}. */
    public static String fromHeader(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        if (value.length() <= SCHEME.length() + 1 || !value.regionMatches(true, 0, SCHEME + " ", 0, SCHEME.length() + 1)) {
            return null;
        }
        String key = value.substring(SCHEME.length() + 1).strip();
        return key.isEmpty() || key.length() > 256 ? null : key;
    }
}
