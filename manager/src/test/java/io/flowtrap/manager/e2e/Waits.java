package io.flowtrap.manager.e2e;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The one way the e2e tests wait on what a started system does: read it again, {@code every} apart, until a condition
 * holds of what was read, at most {@code within}; then fail naming what never came and showing what was read last.
 * Time comes from the system's answers, not from the pause between reads.
 */
final class Waits {
    private Waits() {}

    /** Whether what was read is what is waited for (it may parse: an answer's JSON). */
    interface Done<T> {
        boolean test(T read) throws Exception;
    }

    /** What a failed wait shows of the last read (it may read more: a probe's log). */
    interface Shown<T> {
        String of(T last) throws Exception;
    }

    /** What {@code read} gave once {@code done} held of it; an AssertionError with {@code shown} of the last read past {@code within}. */
    static <T> T until(String what, Duration within, Duration every, Callable<T> read, Done<? super T> done,
            Shown<? super T> shown) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        T last = read.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + within + "; last read: " + shown.of(last));
            }
            Thread.sleep(every.toMillis());
            last = read.call();
        }
        return last;
    }
}
