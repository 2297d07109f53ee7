package io.flowtrap.probe.pipeline;

/**
 * The Community ID hashes of the flows that ended most recently, to tell a late alert (its flow
 * has ended) from an unknown one (never seen). A FIFO of the last {@code capacity} hashes, indexed
 * by an open-addressing table of counts (linear probing, backward-shift deletion), so that adding
 * and asking are O(1) instead of a scan of the whole FIFO: the capture thread asks once per alert
 * that finds no live flow, and a burst of those must not hold up its packets or its inbox. It adds
 * once per ended flow, at random places in a table larger than a core's cache: each entry keeps its
 * hash and its count side by side, so a probe reads one cache line, not one in each of two arrays.
 *
 * <p>Owned by the capture thread; not thread-safe. Allocation-free after construction.
 */
final class RecentlyEnded {
    private final long[] fifo;
    private final int fifoMask;
    private int next;
    private int size;
    /** Entry i: its hash at [2i], its count at [2i + 1] (0: empty). */
    private final long[] entries;
    private final int mask;

    /** @param capacity hashes remembered, a power of two */
    RecentlyEnded(int capacity) {
        if (capacity < 1 || Integer.bitCount(capacity) != 1 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("capacity must be a power of two up to 2^28, not " + capacity);
        }
        fifo = new long[capacity];
        fifoMask = capacity - 1;
        entries = new long[capacity * 4]; // twice the hashes remembered: the table stays at most half full
        mask = capacity * 2 - 1;
    }

    /** Remembers {@code hash}, forgetting the oldest one if full. */
    void add(long hash) {
        if (size == fifo.length) {
            remove(fifo[next]);
        } else {
            size++;
        }
        fifo[next] = hash;
        next = (next + 1) & fifoMask;
        int i = home(hash);
        while (count(i) != 0 && entries[2 * i] != hash) {
            i = (i + 1) & mask;
        }
        entries[2 * i] = hash;
        entries[2 * i + 1]++;
    }

    boolean contains(long hash) {
        return find(hash) >= 0;
    }

    private int find(long hash) {
        for (int i = home(hash); count(i) != 0; i = (i + 1) & mask) {
            if (entries[2 * i] == hash) {
                return i;
            }
        }
        return -1;
    }

    private void remove(long hash) {
        int i = find(hash);
        if (i < 0) {
            throw new IllegalStateException("recently-ended index lost hash " + hash);
        }
        if (--entries[2 * i + 1] > 0) {
            return;
        }
        // backward-shift deletion: move up every later entry of the run whose home is not in (i, j]
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (count(j) == 0) {
                break;
            }
            int h = home(entries[2 * j]);
            boolean homeInGap = i <= j ? (i < h && h <= j) : (i < h || h <= j);
            if (!homeInGap) {
                entries[2 * i] = entries[2 * j];
                entries[2 * i + 1] = entries[2 * j + 1];
                entries[2 * j + 1] = 0;
                i = j;
            }
        }
        entries[2 * i + 1] = 0;
    }

    private long count(int i) {
        return entries[2 * i + 1];
    }

    private int home(long hash) {
        long h = hash * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
