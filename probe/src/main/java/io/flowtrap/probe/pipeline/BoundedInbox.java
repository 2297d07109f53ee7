package io.flowtrap.probe.pipeline;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded hand-off between threads that must never wait for each other: alerts from the EVE
 * readers' threads to the capture thread, flow records from the capture thread to the thread that
 * spools them. A ring of slots allocated up front (many producers, one consumer, after JCTools'
 * {@code MpscArrayQueue}).
 * A producer claims a slot with one compare-and-set on the producer index and fills it with a
 * release store; the consumer takes slots in order, so an empty {@link #poll()} is one acquire read
 * of the next slot and allocates nothing, and a burst is taken in one go before the next packet.
 * When the ring is full {@link #offer} refuses the item at once instead of waiting: the caller
 * counts it as lost and goes on (an EVE reader that waited would make Suricata drop events on its
 * side, uncounted by us; a capture thread that waited would drop packets).
 *
 * <p>Thread-safety: {@link #offer} from any thread; {@link #poll} from the one consuming thread.
 */
public final class BoundedInbox<T> {
    private final AtomicReferenceArray<T> slots;
    private final int mask;
    private final AtomicLong producerIndex = new AtomicLong();
    /** Written by the consumer only; read by producers to see how much room is left. */
    private final AtomicLong consumerIndex = new AtomicLong();
    /** The consumer's own copy of {@link #consumerIndex} (no volatile read on its side). */
    private long consumed;

    /** @param capacity slots, rounded up to a power of two */
    public BoundedInbox(int capacity) {
        if (capacity < 1 || capacity > (1 << 24)) {
            throw new IllegalArgumentException("inbox capacity must be between 1 and 16777216, not " + capacity);
        }
        int size = Integer.highestOneBit(capacity * 2 - 1);
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    /** Thread-safe: queues {@code item}; false (nothing queued) if every slot is taken. */
    public boolean offer(T item) {
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
        slots.lazySet((int) (p & mask), item);
        return true;
    }

    /** Consumer only: the oldest queued item, or null if none is (fully) queued yet. */
    public T poll() {
        int i = (int) (consumed & mask);
        T item = slots.get(i);
        if (item == null) {
            return null; // empty, or a producer claimed this slot and has not filled it yet
        }
        slots.lazySet(i, null);
        consumerIndex.lazySet(++consumed);
        return item;
    }

    public int capacity() {
        return slots.length();
    }
}
