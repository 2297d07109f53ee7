package io.flowtrap.probe.spool;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how a {@link SpoolShipper} delivers the spool.
 *
 * @param url            the manager's bulk ingest, e.g. {@code https://manager:8443/api/ingest/events}
 * @param token          sent as {@code Authorization: Token <token>}
 * @param caCertificate  PEM file with the CA certificate(s) to trust for the manager; {@code null} means
 *                       the JDK's default trust store
 * @param batchSize      most events in one POST
 * @param probeName      this probe's name, written into every line
 * @param minBackoff     first wait after a failed delivery; doubles on each further failure
 * @param maxBackoff     cap of that wait
 * @param requestTimeout how long one POST may take before it counts as failed
 * @param deadLetterAttempts a line the manager answers 500 (or another 5xx but 502/503/504) for on its
 *                       own is dead-lettered after this many such answers ...
 * @param deadLetterAge  ... or once it has failed this long, whichever comes first
 * @param deadLetterMaxBytes bound of the dead-letter file ({@link DeadLetters})
 */
public record SpoolConfig(URI url, String token, Path caCertificate, int batchSize, String probeName,
                          Duration minBackoff, Duration maxBackoff, Duration requestTimeout,
                          int deadLetterAttempts, Duration deadLetterAge, long deadLetterMaxBytes) {

    public static final int DEFAULT_BATCH_SIZE = 1_000;
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(200);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_DEAD_LETTER_ATTEMPTS = 5;
    public static final Duration DEFAULT_DEAD_LETTER_AGE = Duration.ofMinutes(10);

    public SpoolConfig {
        Objects.requireNonNull(url, "url");
        String scheme = url.getScheme();
        if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("ingest url must be http(s): " + url);
        }
        if (token == null || token.isBlank() || token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a token is required (one line)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1: " + batchSize);
        }
        if (probeName == null || probeName.isBlank()) {
            throw new IllegalArgumentException("probeName is required");
        }
        Objects.requireNonNull(minBackoff, "minBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("need 0 < minBackoff <= maxBackoff");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive");
        }
        if (deadLetterAttempts < 1) {
            throw new IllegalArgumentException("deadLetterAttempts must be at least 1: " + deadLetterAttempts);
        }
        Objects.requireNonNull(deadLetterAge, "deadLetterAge");
        if (deadLetterAge.isNegative()) {
            throw new IllegalArgumentException("deadLetterAge must not be negative");
        }
        if (deadLetterMaxBytes < 1) {
            throw new IllegalArgumentException("deadLetterMaxBytes must be positive: " + deadLetterMaxBytes);
        }
    }

    /** With the default dead-letter bounds (5 attempts or 10 minutes, a 64 MiB file). */
    public SpoolConfig(URI url, String token, Path caCertificate, int batchSize, String probeName,
                       Duration minBackoff, Duration maxBackoff, Duration requestTimeout) {
        this(url, token, caCertificate, batchSize, probeName, minBackoff, maxBackoff, requestTimeout,
                DEFAULT_DEAD_LETTER_ATTEMPTS, DEFAULT_DEAD_LETTER_AGE, DeadLetters.DEFAULT_MAX_BYTES);
    }

    /** The same with other dead-letter bounds. */
    public SpoolConfig withDeadLetters(int attempts, Duration age, long maxBytes) {
        return new SpoolConfig(url, token, caCertificate, batchSize, probeName, minBackoff, maxBackoff, requestTimeout,
                attempts, age, maxBytes);
    }

    /** With the default batch size (1,000), back-off (200 ms doubling to 10 s) and request timeout (30 s). */
    public SpoolConfig(URI url, String token, Path caCertificate, String probeName) {
        this(url, token, caCertificate, DEFAULT_BATCH_SIZE, probeName,
                DEFAULT_MIN_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_REQUEST_TIMEOUT);
    }
}
