package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The recently-ended index against a brute-force oracle (a deque of the last N hashes). */
class RecentlyEndedTest {
    @Test
    void answersAsAScanOfTheLastNHashesWould() {
        int capacity = 64;
        RecentlyEnded index = new RecentlyEnded(capacity);
        Deque<Long> oracle = new ArrayDeque<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int step = 0; step < 200_000; step++) {
            // few distinct values and colliding low bits: duplicates and long probe runs
            long hash = random.nextInt(150) * 1024L;
            index.add(hash);
            oracle.addLast(hash);
            if (oracle.size() > capacity) {
                oracle.removeFirst();
            }
            long asked = random.nextInt(150) * 1024L;
            assertThat(index.contains(asked)).as("step %d hash %d", step, asked).isEqualTo(oracle.contains(asked));
        }
    }
}
