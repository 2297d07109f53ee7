package io.flowtrap.probe.alert;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A WARN for an event a hostile or broken writer can repeat at will (an over-long line, a refused
 * connection): the first occurrence is logged, then at most one line per interval, saying how many
 * happened since the last one. The exact numbers are in {@link AlertIntakeCounters}; this only keeps
 * the log readable.
 *
 * <p>Thread-safe.
 */
final class IntervalWarning {
    private final Logger log;
    private final String what;
    private final long intervalNanos;
    private boolean loggedOnce;
    private long lastLoggedNanos;
    private long since;
    private long logged;

    /** @param what what happened, for the log line ("EVE lines longer than 16777216 bytes dropped") */
    IntervalWarning(Logger log, String what, long interval, TimeUnit unit) {
        this.log = log;
        this.what = what;
        this.intervalNanos = unit.toNanos(interval);
    }

    /** One more occurrence; {@code detail} (where, how big) is shown if this one is logged. */
    void occurred(String detail) {
        long count;
        synchronized (this) {
            since++;
            long now = System.nanoTime();
            if (loggedOnce && now - lastLoggedNanos < intervalNanos) {
                return;
            }
            loggedOnce = true;
            lastLoggedNanos = now;
            count = since;
            since = 0;
            logged++;
        }
        log.warn("{}: {} since the last such warning (at most one every {} s); latest: {}", what, count,
                TimeUnit.NANOSECONDS.toSeconds(intervalNanos), detail);
    }

    /** How many warnings were written so far. */
    synchronized long logged() {
        return logged;
    }
}
