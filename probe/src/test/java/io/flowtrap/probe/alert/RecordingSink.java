package io.flowtrap.probe.alert;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A sink that keeps what it receives, for tests; thread-safe, with a bounded wait. */
final class RecordingSink implements AlertSink {
    private final List<EveAlert> alerts = new ArrayList<>();

    @Override
    public synchronized void accept(EveAlert alert) {
        alerts.add(alert);
        notifyAll();
    }

    synchronized List<EveAlert> alerts() {
        return List.copyOf(alerts);
    }

    /** Waits until at least {@code n} alerts arrived; returns them all (fails the wait by returning fewer). */
    synchronized List<EveAlert> await(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (alerts.size() < n) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return List.copyOf(alerts);
    }

    /** Polls {@code condition} until true or the timeout; returns its last value. */
    static boolean eventually(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }
}
