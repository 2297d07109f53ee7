package io.flowtrap.probe.alert;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The step every EVE source shares: parse one line, deliver an alert to the sink, count the rest
 * (ignored event types, malformed lines, over-long lines, sink failures) and log why a line was
 * malformed, at WARN, at most {@value #WARNINGS_PER_WINDOW} times per {@value #WINDOW_SECONDS} s (the
 * next logged warning says how many were suppressed) so a broken feed cannot flood the log; over-long
 * lines get one warning per {@value #WINDOW_SECONDS} s. Whatever the parser or the sink throws, an
 * {@code Error} included, ends with that line: it is counted and the next line is handled as usual.
 *
 * <p>Thread-safe if the sink is: sources may share one dispatcher.
 */
public final class EveLineDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(EveLineDispatcher.class);
    static final int WARNINGS_PER_WINDOW = 10;
    static final long WINDOW_SECONDS = 10;
    private static final int MAX_LOGGED_LINE = 200;

    private final EveAlertParser parser;
    private final AlertSink sink;
    private final AlertIntakeCounters counters;
    private final Object warnLock = new Object();
    private long windowStartNanos;
    private int warningsInWindow;
    private long suppressed;
    private final IntervalWarning overlongWarning =
            new IntervalWarning(LOG, "over-long EVE lines dropped", WINDOW_SECONDS, TimeUnit.SECONDS);

    public EveLineDispatcher(EveAlertParser parser, AlertSink sink, AlertIntakeCounters counters) {
        this.parser = Objects.requireNonNull(parser, "parser");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.windowStartNanos = System.nanoTime();
    }

    public AlertIntakeCounters counters() {
        return counters;
    }

    /**
     * Handles one complete line from {@code origin} (a file or socket, for the log). Blank lines
     * carry nothing and are skipped without counting.
     */
    public void dispatch(String line, String origin) {
        if (line.isBlank()) {
            return;
        }
        Optional<EveAlert> alert;
        try {
            alert = parser.parse(line);
        } catch (MalformedAlertException e) {
            malformed(origin, e.getMessage(), line);
            return;
        } catch (Throwable e) {
            malformed(origin, "parser failed: " + e, line);
            return;
        }
        if (alert.isEmpty()) {
            counters.incrementIgnored();
            return;
        }
        try {
            sink.accept(alert.get());
            counters.incrementDelivered();
        } catch (Throwable e) {
            // an Error too (an OutOfMemoryError, an assertion): one alert is lost, intake goes on
            counters.incrementSinkFailures();
            LOG.error("alert sink failed on {} from {}", alert.get(), origin, e);
        }
    }

    /** Counts a line longer than its source's cap {@code maxBytes}, dropped unread; one warning per interval. */
    void overlong(String origin, long length, int maxBytes) {
        counters.incrementOverlong();
        overlongWarning.occurred(length + " bytes from " + origin + " (cap " + maxBytes + " bytes)");
    }

    /** Over-long-line warnings written so far (at most one per interval). */
    long overlongWarnings() {
        return overlongWarning.logged();
    }

    /** Counts and logs a line that could not be read at all (e.g. longer than a source's limit). */
    void malformed(String origin, String reason, String line) {
        counters.incrementMalformed();
        long skippedBefore;
        synchronized (warnLock) {
            long now = System.nanoTime();
            if (now - windowStartNanos >= WINDOW_SECONDS * 1_000_000_000L) {
                windowStartNanos = now;
                warningsInWindow = 0;
            }
            if (warningsInWindow >= WARNINGS_PER_WINDOW) {
                suppressed++;
                return;
            }
            warningsInWindow++;
            skippedBefore = suppressed;
            suppressed = 0;
        }
        String shown = line.length() > MAX_LOGGED_LINE ? line.substring(0, MAX_LOGGED_LINE) + "…" : line;
        if (skippedBefore > 0) {
            LOG.warn("malformed EVE line from {}: {} ({} similar warnings suppressed) line: {}",
                    origin, reason, skippedBefore, shown);
        } else {
            LOG.warn("malformed EVE line from {}: {} line: {}", origin, reason, shown);
        }
    }
}
