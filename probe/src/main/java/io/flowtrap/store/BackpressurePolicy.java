package io.flowtrap.store;

/**
 * What {@link PcapStore#append} does when the hand-off to the writer is full, chosen by whoever
 * opens the store for the source it feeds it from.
 */
public enum BackpressurePolicy {
    /**
     * Live capture: the packet is not stored, counted as a store-backlog loss, and {@code append}
     * returns at once. Waiting would stall the capture loop and the kernel would drop packets
     * uncounted by us, of every flow, instead of some of the armed ones.
     */
    DROP,
    /**
     * Replay of a file (and tests, tools): {@code append} waits for room. A replay has no wire to
     * lose packets from, so it runs as fast as the writer can take and stores every packet.
     */
    WAIT
}
