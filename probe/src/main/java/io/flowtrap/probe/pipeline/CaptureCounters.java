package io.flowtrap.probe.pipeline;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the capture thread has done, counted without fences on the per-packet path: the owner
 * increments plain fields and {@link #publish() publishes} them now and then (the engine does so once
 * per second of packet time and at the end); other threads read the published {@link #snapshot()}.
 * The counts of the parts the engine drives (flow table, look-back ring) and of the packet source
 * are copied in by the engine just before it publishes, so a reader never touches those parts.
 */
public final class CaptureCounters {
    /** How many counters, in the order of {@link Snapshot}'s components. */
    private static final int N = 17;

    long packets;
    long bytes;
    long unparsed;
    long storedPackets;
    long storedBytes;
    long lookbackWrites;
    long lookbackTooLarge;
    long armedFlows;
    long lookbackHits;
    long lookbackMisses;
    long flowsTracked;
    long flowEvictions;
    long lookbackEvictedWaiting;
    long kernelDrops;
    long ringFreezes;
    long triggerArmedFlows;
    long lookbackBlocked;

    private final AtomicLongArray published = new AtomicLongArray(N);

    /** Makes the current values visible to other threads (single writer: the capture thread). */
    public void publish() {
        published.lazySet(0, packets);
        published.lazySet(1, bytes);
        published.lazySet(2, unparsed);
        published.lazySet(3, storedPackets);
        published.lazySet(4, storedBytes);
        published.lazySet(5, lookbackWrites);
        published.lazySet(6, lookbackTooLarge);
        published.lazySet(7, armedFlows);
        published.lazySet(8, lookbackHits);
        published.lazySet(9, lookbackMisses);
        published.lazySet(10, flowsTracked);
        published.lazySet(11, flowEvictions);
        published.lazySet(12, lookbackEvictedWaiting);
        published.lazySet(13, kernelDrops);
        published.lazySet(14, ringFreezes);
        published.lazySet(15, triggerArmedFlows);
        published.lazySet(16, lookbackBlocked);
    }

    public Snapshot snapshot() {
        return new Snapshot(published.get(0), published.get(1), published.get(2), published.get(3),
                published.get(4), published.get(5), published.get(6), published.get(7), published.get(8),
                published.get(9), published.get(10), published.get(11), published.get(12), published.get(13),
                published.get(14), published.get(15), published.get(16));
    }

    /**
     * Published counters. {@code lookbackHits}: armed flows whose first packet was still in the
     * look-back ring (stored whole); {@code lookbackMisses}: armed flows whose start had already left
     * it. {@code flowsTracked}: flows in the table now (a gauge, the rest only grow);
     * {@code flowEvictions}: flows ended early because the table was full; {@code
     * lookbackEvictedWaiting}: look-back records overwritten while their flow was live and not armed
     * (packets an alert arriving later can no longer store); {@code kernelDrops} and {@code
     * ringFreezes}: the packet source's own losses, as it last reported them; {@code armedFlows}:
     * flows armed, by an alert or a trigger, each once; {@code triggerArmedFlows}: those of them a
     * trigger armed before any alert did; {@code lookbackBlocked}: packets a live capture did not hold
     * in the look-back ring because the room they needed still held an armed flow's packets the
     * store's writer had not copied yet (a store backlog; their flows can no longer be stored whole).
     */
    public record Snapshot(
            long packets,
            long bytes,
            long unparsed,
            long storedPackets,
            long storedBytes,
            long lookbackWrites,
            long lookbackTooLarge,
            long armedFlows,
            long lookbackHits,
            long lookbackMisses,
            long flowsTracked,
            long flowEvictions,
            long lookbackEvictedWaiting,
            long kernelDrops,
            long ringFreezes,
            long triggerArmedFlows,
            long lookbackBlocked) {}
}
