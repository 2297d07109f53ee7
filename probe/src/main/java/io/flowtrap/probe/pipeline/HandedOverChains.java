package io.flowtrap.probe.pipeline;

/**
 * The look-back chains the capture thread has handed to the store's writer by position and the
 * writer has not taken yet: for each, where its records end in the hand-off and the ring position
 * of its oldest record. {@link #oldestHeld} is the ring position the look-back ring must keep
 * (pin) until the writer has taken them all.
 *
 * <p>A minimum over a sliding window, kept as a monotone deque: chains leave in hand-off order,
 * and a chain whose oldest record is no older than the next one's can never be the minimum, so it
 * is dropped when that one comes. What is left has its oldest records in ascending order, the
 * front is the answer, and each chain is added and dropped once. When the deque is full the newest
 * entry is widened to cover the new chain too (the older of the two positions, the later hand-off
 * end): it pins a little longer, never too short.
 *
 * <p>The capture thread's own; allocation-free after construction.
 */
final class HandedOverChains {
    private final long[] handoffEnds;
    private final long[] oldest;
    private final int mask;
    private int front;
    private int size;

    /** @param capacity entries, rounded up to a power of two */
    HandedOverChains(int capacity) {
        int n = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1);
        handoffEnds = new long[n];
        oldest = new long[n];
        mask = n - 1;
    }

    /** A chain whose records end at hand-off position {@code handoffEnd} and whose oldest record is at {@code oldestPosition}. */
    void add(long handoffEnd, long oldestPosition) {
        while (size > 0 && oldest[(front + size - 1) & mask] >= oldestPosition) {
            size--;
        }
        if (size == handoffEnds.length) {
            int back = (front + size - 1) & mask;
            handoffEnds[back] = handoffEnd; // its oldest position is the older already: the deque ascends
            return;
        }
        int at = (front + size) & mask;
        handoffEnds[at] = handoffEnd;
        oldest[at] = oldestPosition;
        size++;
    }

    /** Forgets the chains the writer has taken, those ending at or before {@code takenPosition} in the hand-off. */
    void taken(long takenPosition) {
        while (size > 0 && handoffEnds[front] <= takenPosition) {
            front = (front + 1) & mask;
            size--;
        }
    }

    /** The oldest ring position a chain not yet taken holds, {@link Long#MAX_VALUE} if none. */
    long oldestHeld() {
        return size == 0 ? Long.MAX_VALUE : oldest[front];
    }

    /** The hand-off position the writer must take up to for {@link #oldestHeld} to move; undefined when empty. */
    long oldestHandoffEnd() {
        return handoffEnds[front];
    }

    boolean isEmpty() {
        return size == 0;
    }
}
