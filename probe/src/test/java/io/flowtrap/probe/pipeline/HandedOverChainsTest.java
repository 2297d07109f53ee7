package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HandedOverChainsTest {

    /** The oracle: every chain not taken, in a plain list, the minimum found by a scan. */
    private static long oldest(Deque<long[]> open) {
        return open.stream().mapToLong(c -> c[1]).min().orElse(Long.MAX_VALUE);
    }

    @Test
    void theOldestHeldPositionIsTheMinimumOverTheChainsNotTakenAsABruteForceScanFindsIt() {
        HandedOverChains chains = new HandedOverChains(1024);
        Deque<long[]> open = new ArrayDeque<>(); // (hand-off end, oldest position)
        Random random = new Random(11);
        long handoff = 0;
        long taken = 0;
        long ringHead = 1_000_000;
        for (int step = 0; step < 200_000; step++) {
            if (random.nextInt(3) > 0) {
                handoff += 1 + random.nextInt(500);
                ringHead += random.nextInt(2000);
                long first = ringHead - random.nextInt(1_000_000); // a chain reaches back any distance
                chains.add(handoff, first);
                open.addLast(new long[] {handoff, first});
            } else {
                taken = Math.min(handoff, taken + random.nextInt(1500));
                chains.taken(taken);
                while (!open.isEmpty() && open.peekFirst()[0] <= taken) {
                    open.removeFirst();
                }
            }
            assertThat(chains.oldestHeld()).isEqualTo(oldest(open));
            assertThat(chains.isEmpty()).isEqualTo(open.isEmpty());
            if (!open.isEmpty()) {
                // the end to wait for is that of a chain holding the oldest position, and not yet taken
                assertThat(chains.oldestHandoffEnd()).isGreaterThan(taken);
                long end = chains.oldestHandoffEnd();
                assertThat(open.stream().filter(c -> c[0] == end).findFirst().orElseThrow()[1]).isEqualTo(oldest(open));
            }
        }
    }

    @Test
    void aFullDequeWidensItsNewestEntryAndNeverPinsTooShort() {
        HandedOverChains chains = new HandedOverChains(4);
        Deque<long[]> open = new ArrayDeque<>();
        for (int i = 1; i <= 100; i++) { // ascending oldest positions: nothing is redundant, so the deque fills
            chains.add(10L * i, i);
            open.addLast(new long[] {10L * i, i});
        }
        for (long taken = 0; taken < 1000 + 7; taken += 7) {
            chains.taken(taken);
            long t = taken;
            open.removeIf(c -> c[0] <= t);
            assertThat(chains.oldestHeld()).as("pins at least what is still open").isLessThanOrEqualTo(oldest(open));
        }
        assertThat(chains.isEmpty()).isTrue();
    }
}
