package io.flowtrap.probe.pipeline;

import io.flowtrap.packet.FlowKey;

/**
 * Alerts that named a flow the probe has not seen (yet), kept for a grace period of packet time.
 * Suricata can be ahead of the probe (its capture path is separate, and offline it stamps alerts
 * raised at flow timeout with times before the flow's start), so an alert may arrive before its
 * flow's first packet; when that flow appears within the grace period it is armed as if the alert
 * had come after it. Bounded: when full, the oldest entry gives way (and counts as unknown).
 *
 * <p>Owned by the capture thread; not thread-safe. Looked at only when a flow is created and
 * something is pending, so the per-packet path pays one comparison.
 */
final class PendingAlerts {
    private final long[] communityHash;
    private final long[] deadline;
    private final byte[] keys;
    private final boolean[] used;
    private int count;
    private int nextVictim;

    PendingAlerts(int capacity) {
        communityHash = new long[capacity];
        deadline = new long[capacity];
        keys = new byte[capacity * FlowKey.SIZE];
        used = new boolean[capacity];
    }

    boolean isEmpty() {
        return count == 0;
    }

    /**
     * Adds an alert's flow identity (hash 0 when the alert had no Community ID). Returns false if
     * an older entry had to give way.
     */
    boolean add(long hash, byte[] key, int keyOffset, long deadlineNanos) {
        int slot = -1;
        for (int i = 0; i < used.length; i++) {
            if (!used[i]) {
                slot = i;
                break;
            }
        }
        boolean evicted = false;
        if (slot < 0) {
            slot = nextVictim;
            nextVictim = (nextVictim + 1) % used.length;
            evicted = true;
            count--;
        }
        used[slot] = true;
        communityHash[slot] = hash;
        deadline[slot] = deadlineNanos;
        System.arraycopy(key, keyOffset, keys, slot * FlowKey.SIZE, FlowKey.SIZE);
        count++;
        return !evicted;
    }

    /** Removes every entry naming this flow; returns how many there were. */
    int take(long hash, byte[] key, int keyOffset) {
        int taken = 0;
        for (int i = 0; i < used.length && count > 0; i++) {
            if (used[i] && ((communityHash[i] != 0 && communityHash[i] == hash)
                    || FlowKey.equals(keys, i * FlowKey.SIZE, key, keyOffset))) {
                used[i] = false;
                count--;
                taken++;
            }
        }
        return taken;
    }

    /** Removes entries whose grace period ended before {@code nowNanos}; returns how many. */
    int expire(long nowNanos) {
        int expired = 0;
        for (int i = 0; i < used.length && count > 0; i++) {
            if (used[i] && deadline[i] < nowNanos) {
                used[i] = false;
                count--;
                expired++;
            }
        }
        return expired;
    }
}
