package io.flowtrap.probe.pipeline;

import io.flowtrap.packet.DecodedPacket;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.locks.LockSupport;

/**
 * What a resolving thread learned about each packet, handed to the capture thread in packet order:
 * a bounded single-producer, single-consumer ring of fixed 64-byte entries in one array allocated up
 * front. The producer resolves a packet straight into its entry (decode, fragments, the flow key,
 * its keyed hash); the capture thread then tracks the flow from the entry without decoding again.
 * It carries no packet bytes: both threads read the same capture, each through its own reader.
 *
 * <p>Entry layout (little-endian): {@code [0..44)} the flow key, {@code [44..48)} the captured
 * length (both readers must agree on it), {@code [48..56)} the key's hash, {@code [56..64)} flags:
 * bit 0 resolved (the packet has a flow), bit 1 from the key's low endpoint, bits 8..15 IP protocol,
 * 16..23 TCP flags, 24..39 and 40..55 the Community ID's source and destination ports.
 *
 * <p>Waiting is by short parks on either side (a replay has no latency to keep); positions are
 * running counts published with release stores. Allocation-free once built.
 */
final class ResolvedPacketRing {
    static final int ENTRY = 64;
    private static final int CAPLEN = FlowKey.SIZE;
    private static final int HASH = 48;
    private static final int FLAGS = 56;
    private static final long RESOLVED = 1;
    private static final long FROM_LOW = 2;
    private static final long PARK_NANOS = 20_000;
    private static final int SPINS = 64;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /**
     * Both sides' counts in one array, each side's two longs on a cache line of its own (64 bytes
     * of gap before, between and after), so the producer's and the consumer's writes never share a
     * line: {@code [P]} the producer's published count (read by the consumer with acquire), {@code
     * [P + 1]} what it last saw of the consumer's; {@code [C]} and {@code [C + 1]} the consumer's.
     */
    private final long[] counts = new long[32];
    private static final int P = 8;
    private static final int C = 24;
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

    private final byte[] entries;
    private final int mask;
    private volatile boolean finished;
    private volatile Throwable failure;

    /** @param capacity entries, a power of two */
    ResolvedPacketRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1 || capacity > 1 << 24) {
            throw new IllegalArgumentException("capacity must be a power of two in 2..2^24, not " + capacity);
        }
        entries = new byte[capacity * ENTRY];
        mask = capacity - 1;
    }

    // ---- producer

    /**
     * Producer: waits for a free entry and returns its offset in {@link #entries()}; false-free: it
     * returns -1 only if the consumer has gone ({@link #abandon}).
     */
    int claim() {
        long[] n = counts;
        while (n[P] - n[P + 1] > mask) {
            n[P + 1] = (long) COUNTS.getAcquire(n, C);
            if (n[P] - n[P + 1] > mask) {
                if (finished) {
                    return -1;
                }
                LockSupport.parkNanos(PARK_NANOS);
            }
        }
        return (int) (n[P] & mask) * ENTRY;
    }

    private void publish() {
        COUNTS.setRelease(counts, P, counts[P] + 1);
    }

    /** Producer: fills the claimed entry from what {@code resolver} just resolved, and publishes it. */
    void publishResolved(int at, int capturedLength, long hash, FlowResolver resolver) {
        DecodedPacket d = resolver.decoded();
        long flags = RESOLVED | (resolver.lastFromLow() ? FROM_LOW : 0) | (long) (d.protocol & 0xFF) << 8
                | (long) (d.tcpFlags & 0xFF) << 16 | (long) (resolver.lastCommunityIdSrcPort() & 0xFFFF) << 24
                | (long) (resolver.lastCommunityIdDstPort() & 0xFFFF) << 40;
        INTS.set(entries, at + CAPLEN, capturedLength);
        LONGS.set(entries, at + HASH, hash);
        LONGS.set(entries, at + FLAGS, flags);
        publish();
    }

    /** Producer: publishes the claimed entry for a packet that has no flow. */
    void publishUnresolved(int at, int capturedLength) {
        INTS.set(entries, at + CAPLEN, capturedLength);
        LONGS.set(entries, at + FLAGS, 0L);
        publish();
    }

    /** Producer: there will be no more entries ({@code cause} null), or the producer failed. */
    void finish(Throwable cause) {
        failure = cause;
        finished = true;
    }

    // ---- consumer

    /**
     * Consumer: the offset of the next entry once published, or -1 when the producer has finished
     * and everything was taken. Rethrows the producer's failure, if it failed.
     */
    int next() {
        long[] n = counts;
        int spins = 0;
        while (n[C] == n[C + 1]) {
            n[C + 1] = (long) COUNTS.getAcquire(n, P);
            if (n[C] != n[C + 1]) {
                break;
            }
            if (finished) {
                n[C + 1] = (long) COUNTS.getAcquire(n, P); // finish() follows the last publish
                if (n[C] == n[C + 1]) {
                    Throwable cause = failure;
                    if (cause != null) {
                        throw new IllegalStateException("the resolving thread failed: " + cause.getMessage(), cause);
                    }
                    return -1;
                }
                break;
            }
            if (++spins < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
            }
        }
        return (int) (n[C] & mask) * ENTRY;
    }

    /** Consumer: frees the entry {@link #next} returned. */
    void release() {
        COUNTS.setRelease(counts, C, counts[C] + 1);
    }

    /** Consumer: will take nothing more, so that a waiting producer stops. */
    void abandon() {
        finished = true;
    }

    // ---- an entry, for the consumer

    byte[] entries() {
        return entries;
    }

    static boolean resolved(long flags) {
        return (flags & RESOLVED) != 0;
    }

    static boolean fromLow(long flags) {
        return (flags & FROM_LOW) != 0;
    }

    static int protocol(long flags) {
        return (int) (flags >>> 8) & 0xFF;
    }

    static int tcpFlags(long flags) {
        return (int) (flags >>> 16) & 0xFF;
    }

    static int communityIdSrcPort(long flags) {
        return (int) (flags >>> 24) & 0xFFFF;
    }

    static int communityIdDstPort(long flags) {
        return (int) (flags >>> 40) & 0xFFFF;
    }

    long flags(int at) {
        return (long) LONGS.get(entries, at + FLAGS);
    }

    long hash(int at) {
        return (long) LONGS.get(entries, at + HASH);
    }

    int capturedLength(int at) {
        return (int) INTS.get(entries, at + CAPLEN);
    }
}
