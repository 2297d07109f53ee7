package io.flowtrap.probe.pipeline;

import io.flowtrap.probe.alert.EveAlert;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The hand-off of alerts from the EVE readers' threads to the capture thread: a bounded ring of
 * slots allocated up front (many producers, one consumer, after JCTools' {@code MpscArrayQueue}).
 * A producer claims a slot with one compare-and-set on the producer index and fills it with a
 * release store; the consumer takes slots in order, so an empty {@link #poll()} is one acquire read
 * of the next slot and allocates nothing, and a burst is taken in one go before the next packet.
 * When the ring is full {@link #offer} refuses the alert at once instead of waiting: the caller
 * counts it as lost, and the reader goes on reading (a reader that waited would make Suricata drop
 * events on its side, uncounted by us).
 *
 * <p>Thread-safety: {@link #offer} from any thread; {@link #poll} from the one consuming thread.
 */
final class AlertInbox {
    private final AtomicReferenceArray<EveAlert> slots;
    private final int mask;
    private final AtomicLong producerIndex = new AtomicLong();
    /** Written by the consumer only; read by producers to see how much room is left. */
    private final AtomicLong consumerIndex = new AtomicLong();
    /** The consumer's own copy of {@link #consumerIndex} (no volatile read on its side). */
    private long consumed;

    /** @param capacity slots, rounded up to a power of two */
    AlertInbox(int capacity) {
        if (capacity < 1 || capacity > (1 << 24)) {
            throw new IllegalArgumentException("inbox capacity must be between 1 and 16777216, not " + capacity);
        }
        int size = Integer.highestOneBit(capacity * 2 - 1);
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    /** Thread-safe: queues {@code alert}; false (nothing queued) if every slot is taken. */
    boolean offer(EveAlert alert) {
        long limit = consumerIndex.get() + slots.length();
        long p;
        do {
            p = producerIndex.get();
            if (p >= limit) {
                limit = consumerIndex.get() + slots.length(); // the consumer may have moved on
                if (p >= limit) {
                    return false;
                }
            }
        } while (!producerIndex.compareAndSet(p, p + 1));
        slots.lazySet((int) (p & mask), alert);
        return true;
    }

    /** Consumer only: the oldest queued alert, or null if none is (fully) queued yet. */
    EveAlert poll() {
        int i = (int) (consumed & mask);
        EveAlert alert = slots.get(i);
        if (alert == null) {
            return null; // empty, or a producer claimed this slot and has not filled it yet
        }
        slots.lazySet(i, null);
        consumerIndex.lazySet(++consumed);
        return alert;
    }

    int capacity() {
        return slots.length();
    }
}
