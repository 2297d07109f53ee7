package io.flowtrap.store;

import java.util.List;

/**
 * The sealed segments' time ranges (from the manifest's segment list), arranged for binary search.
 * Segments are in write order, and their time ranges are not sorted: a flow armed late has its
 * look-back packets written into a segment after newer ones. So two monotone summaries are kept:
 * <ul>
 *   <li>{@code latestUpTo[i]}, the latest packet time in segments 0..i (never decreases): every
 *       segment before the first {@code i} with {@code latestUpTo[i] >= t} ends before {@code t};
 *   <li>{@code earliestFrom[i]}, the earliest packet time in segments i..n-1 (never decreases):
 *       once it is past {@code t}, no segment from {@code i} on holds anything up to {@code t}.
 * </ul>
 * Built once per sealed list (O(n)); lookups O(log n) or O(1). Immutable; thread-safe.
 */
final class SegmentTimeline {
    private final List<Segment> segments;
    private final long[] latestUpTo;
    private final long[] earliestFrom;

    SegmentTimeline(List<Segment> segments) {
        this.segments = segments;
        int n = segments.size();
        latestUpTo = new long[n];
        earliestFrom = new long[n];
        long latest = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            latest = Math.max(latest, segments.get(i).maxTimestamp());
            latestUpTo[i] = latest;
        }
        long earliest = Long.MAX_VALUE;
        for (int i = n - 1; i >= 0; i--) {
            earliest = Math.min(earliest, segments.get(i).minTimestamp());
            earliestFrom[i] = earliest;
        }
    }

    /** The list this timeline was built from (compared by identity to know when to rebuild). */
    List<Segment> segments() {
        return segments;
    }

    int size() {
        return latestUpTo.length;
    }

    Segment segment(int i) {
        return segments.get(i);
    }

    /** The first segment that may hold a packet at or after {@code nanos}; {@link #size()} if none. */
    int firstEndingAtOrAfter(long nanos) {
        int lo = 0;
        int hi = latestUpTo.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (latestUpTo[mid] >= nanos) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** The first segment from which on every segment starts after {@code nanos}; {@link #size()} if none. */
    int firstOfThoseStartingAfter(long nanos) {
        int lo = 0;
        int hi = earliestFrom.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (earliestFrom[mid] > nanos) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Whether every segment up to {@code i} ends before {@code nanos}. */
    boolean allUpToEndBefore(int i, long nanos) {
        return latestUpTo[i] < nanos;
    }

    /** Whether no segment from {@code i} on holds a packet at or before {@code nanos}. */
    boolean allStartAfter(int i, long nanos) {
        return earliestFrom[i] > nanos;
    }
}
