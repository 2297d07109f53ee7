package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The timeline's two lookups against a linear scan, over segments whose time ranges overlap and go back. */
class SegmentTimelineTest {
    @Test
    void lookupsAgreeWithALinearScan() {
        Random random = new Random(5);
        for (int round = 0; round < 200; round++) {
            List<Segment> segments = new ArrayList<>();
            long t = 1000;
            for (int i = 0, n = random.nextInt(40); i < n; i++) {
                t += random.nextInt(100);
                long min = t - random.nextInt(300); // a late-armed flow's older packets
                long max = t + random.nextInt(100);
                segments.add(new Segment(i + 1, Path.of("p"), Path.of("i"), 0, 0, 1, 1, min, max, 1));
            }
            SegmentTimeline timeline = new SegmentTimeline(segments);
            for (int probe = 0; probe < 50; probe++) {
                long at = random.nextInt((int) t + 500);
                int first = 0;
                while (first < segments.size() && segments.subList(0, first + 1).stream()
                        .allMatch(s -> s.maxTimestamp() < at)) {
                    first++;
                }
                assertThat(timeline.firstEndingAtOrAfter(at)).isEqualTo(first);
                int firstAfter = segments.size();
                for (int i = 0; i < segments.size(); i++) {
                    boolean after = segments.subList(i, segments.size()).stream().allMatch(s -> s.minTimestamp() > at);
                    assertThat(timeline.allStartAfter(i, at)).isEqualTo(after);
                    boolean before = segments.subList(0, i + 1).stream().allMatch(s -> s.maxTimestamp() < at);
                    assertThat(timeline.allUpToEndBefore(i, at)).isEqualTo(before);
                    if (after && firstAfter == segments.size()) {
                        firstAfter = i;
                    }
                }
                assertThat(timeline.firstOfThoseStartingAfter(at)).isEqualTo(firstAfter);
            }
        }
    }
}
