package io.flowtrap.api.manager;

import java.time.Instant;

/** Times in the answers: Instant.toString() of nanoseconds since the epoch. */
final class Instants {
    private Instants() {}

    static String ofNanos(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
    }
}
