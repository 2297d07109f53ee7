package io.flowtrap.probe.flow;

import io.flowtrap.packet.DecodedPacket;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.PacketDecoder;

/**
 * Bidirectional, VLAN-aware flows keyed by the canonical {@link FlowKey}, with a hard cap on their
 * number and all memory allocated at construction: per-flow state lives in flat arrays indexed by
 * a slot number, found through two open-addressing indexes (by key, and by the 64-bit Community ID
 * prefix) with linear probing and backward-shift deletion. Nothing is allocated per packet or flow.
 *
 * <p>Lifecycle as Suricata's: TCP flows close on RST or FIN seen both ways, then linger for the
 * closed timeout; every flow ends after its idle timeout, measured in packet time so a replay is
 * deterministic. Each timeout class keeps its flows in a queue (an intrusive doubly linked list)
 * ordered by when they were queued; a packet only stamps its flow's last-seen time, and expiry,
 * looking at queue heads only, re-queues a head that saw packets since it was queued. That keeps
 * the per-packet path free of list surgery (random memory writes) at the price of precision: a
 * flow ends between one and two idle timeouts after its last packet. A full table evicts the head
 * that was queued longest ago, unarmed flows first.
 *
 * <p>Not thread-safe: owned by the capture thread.
 */
public final class FlowTable {
    /** Called before a flow's slot is freed. */
    public interface FlowEndListener {
        void flowEnded(int slot, FlowEndReason reason);
    }

    public static final int TCP_NEW = 0;
    public static final int TCP_ESTABLISHED = 1;
    public static final int TCP_CLOSED = 2;
    private static final int UDP = 3;
    private static final int ICMP = 4;
    private static final int OTHER = 5;
    private static final int CLASSES = 6;

    private static final int TCP_FIN = 0x01;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;
    private static final int TCP_ACK = 0x10;
    private static final int FIN_FROM_LOW = 1;
    private static final int FIN_FROM_HIGH = 2;
    private static final int SEEN_FROM_LOW = 4;
    private static final int SEEN_FROM_HIGH = 8;

    private final int maxFlows;
    /**
     * What a packet touches, one 64-byte line per flow: key hash, last seen, queued at, bytes,
     * packets from low and from high, look-back head, and TCP bits (low byte) | timeout class (next).
     */
    private final long[] hot;
    private static final int STRIDE = 8;
    private static final int KEY_HASH = 0;
    private static final int LAST_SEEN = 1;
    private static final int QUEUED_AT = 2;
    private static final int BYTES = 3;
    private static final int PACKETS_LOW = 4;
    private static final int PACKETS_HIGH = 5;
    private static final int LOOKBACK_HEAD = 6;
    private static final int STATE = 7;
    private final long[] timeoutNanos = new long[CLASSES];

    private final int indexMask;
    private final int[] keyIndex; // slot + 1, 0 = empty
    private final int[] cidIndex; // slot + 1, 0 = empty

    private final byte[] keys;
    private final byte[] communityIds;
    private final long[] communityHash;
    private final boolean[] hasCommunityId;
    private final long[] firstSeen;
    private final int[] generation;
    /**
     * The slot's generation while its flow is tracked and not armed, else its complement: what
     * {@link #waitingForAlert} compares a handle with, one array read (it runs as the look-back ring
     * overwrites records, about once per packet).
     */
    private final int[] waitingGeneration;
    private final boolean[] armed;
    private final boolean[] used;
    private final int[] prev;
    private final int[] next;
    private final int[] listHead = new int[CLASSES];
    private final int[] listTail = new int[CLASSES];
    private final int[] freeNext;
    private int freeHead;

    private int size;
    private boolean lastTrackCreated;
    private long created;
    private long evicted;
    private final long[] endedBy = new long[FlowEndReason.values().length];

    public FlowTable(int maxFlows, FlowTimeouts timeouts) {
        if (maxFlows < 1 || maxFlows > (1 << 28)) {
            throw new IllegalArgumentException("max flows must be between 1 and 268435456, not " + maxFlows);
        }
        this.maxFlows = maxFlows;
        timeoutNanos[TCP_NEW] = timeouts.tcpNew().toNanos();
        timeoutNanos[TCP_ESTABLISHED] = timeouts.tcpEstablished().toNanos();
        timeoutNanos[TCP_CLOSED] = timeouts.tcpClosed().toNanos();
        timeoutNanos[UDP] = timeouts.udp().toNanos();
        timeoutNanos[ICMP] = timeouts.icmp().toNanos();
        timeoutNanos[OTHER] = timeouts.other().toNanos();
        int indexSize = Integer.highestOneBit(maxFlows * 2 - 1) << 1; // load factor <= 0.5
        indexMask = indexSize - 1;
        keyIndex = new int[indexSize];
        cidIndex = new int[indexSize];
        hot = new long[maxFlows * STRIDE];
        keys = new byte[maxFlows * FlowKey.SIZE];
        communityIds = new byte[maxFlows * 20];
        communityHash = new long[maxFlows];
        hasCommunityId = new boolean[maxFlows];
        firstSeen = new long[maxFlows];
        generation = new int[maxFlows];
        waitingGeneration = new int[maxFlows];
        java.util.Arrays.fill(waitingGeneration, ~0);
        armed = new boolean[maxFlows];
        used = new boolean[maxFlows];
        prev = new int[maxFlows];
        next = new int[maxFlows];
        freeNext = new int[maxFlows];
        for (int i = 0; i < maxFlows; i++) {
            freeNext[i] = i + 1 < maxFlows ? i + 1 : -1;
        }
        freeHead = 0;
        java.util.Arrays.fill(listHead, -1);
        java.util.Arrays.fill(listTail, -1);
    }

    /** Bytes held by this table, all allocated at construction. */
    public long memoryBytes() {
        long perFlow = 8 * STRIDE + FlowKey.SIZE + 20 + 8 * 2 + 4 * 5 + 3;
        return (long) maxFlows * perFlow + 2L * 4 * keyIndex.length;
    }

    /**
     * Finds or creates the flow of a packet and updates it; returns its slot. {@link
     * #lastTrackCreated()} says whether the flow is new (the caller then sets its Community ID).
     * A full table first evicts its least recently active flow, telling {@code listener}.
     */
    public int track(byte[] key, int keyOffset, DecodedPacket packet, boolean fromLow, long timestampNanos,
            int wireLength, FlowEndListener listener) {
        long hash = FlowKey.hash(key, keyOffset);
        int slot = find(key, keyOffset, hash);
        int flags = packet.protocol == PacketDecoder.PROTO_TCP ? packet.tcpFlags : 0;
        if (slot >= 0 && timeoutClass(slot) == TCP_CLOSED && (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
            remove(slot, FlowEndReason.TCP_CLOSED, listener); // the tuple is reused by a new connection
            slot = -1;
        }
        lastTrackCreated = slot < 0;
        if (slot < 0) {
            slot = create(key, keyOffset, hash, packet.protocol, timestampNanos, listener);
        }
        hot[slot * STRIDE + LAST_SEEN] = timestampNanos;
        hot[slot * STRIDE + BYTES] += wireLength;
        int state = tcpBits(slot);
        if (fromLow) {
            hot[slot * STRIDE + PACKETS_LOW]++;
            state |= SEEN_FROM_LOW;
        } else {
            hot[slot * STRIDE + PACKETS_HIGH]++;
            state |= SEEN_FROM_HIGH;
        }
        int cls = timeoutClass(slot);
        if (packet.protocol == PacketDecoder.PROTO_TCP && cls != TCP_CLOSED) {
            if ((flags & TCP_FIN) != 0) {
                state |= fromLow ? FIN_FROM_LOW : FIN_FROM_HIGH;
            }
            if ((flags & TCP_RST) != 0 || (state & (FIN_FROM_LOW | FIN_FROM_HIGH)) == (FIN_FROM_LOW | FIN_FROM_HIGH)) {
                cls = TCP_CLOSED;
            } else if ((state & (SEEN_FROM_LOW | SEEN_FROM_HIGH)) == (SEEN_FROM_LOW | SEEN_FROM_HIGH)) {
                cls = TCP_ESTABLISHED;
            }
        }
        setTcpBits(slot, state);
        if (cls != timeoutClass(slot)) {
            moveToTail(slot, cls);
        }
        return slot;
    }

    public boolean lastTrackCreated() {
        return lastTrackCreated;
    }

    /** The slot of the flow with this key, or -1. */
    public int find(byte[] key, int keyOffset) {
        return find(key, keyOffset, FlowKey.hash(key, keyOffset));
    }

    /** A slot whose Community ID starts with these 8 bytes (big-endian), or -1. */
    public int findByCommunityHash(long hash64) {
        for (int i = mix(hash64) & indexMask; ; i = (i + 1) & indexMask) {
            int entry = cidIndex[i];
            if (entry == 0) {
                return -1;
            }
            if (communityHash[entry - 1] == hash64) {
                return entry - 1;
            }
        }
    }

    public void setCommunityId(int slot, byte[] digest, int offset) {
        requireUsed(slot);
        if (hasCommunityId[slot]) {
            unindexCommunity(slot);
        }
        System.arraycopy(digest, offset, communityIds, slot * 20, 20);
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (digest[offset + i] & 0xFF);
        }
        communityHash[slot] = h;
        hasCommunityId[slot] = true;
        int i = mix(h) & indexMask;
        while (cidIndex[i] != 0) {
            i = (i + 1) & indexMask;
        }
        cidIndex[i] = slot + 1;
    }

    public long communityHash(int slot) {
        return communityHash[slot];
    }

    /** The array all Community ID digests live in; a slot's starts at {@link #communityIdOffset(int)}. Do not modify. */
    public byte[] communityIds() {
        return communityIds;
    }

    public int communityIdOffset(int slot) {
        return slot * 20;
    }

    public void copyCommunityId(int slot, byte[] dst, int off) {
        System.arraycopy(communityIds, slot * 20, dst, off, 20);
    }

    /** The array all keys live in; a slot's key starts at {@link #keyOffset(int)}. Do not modify. */
    public byte[] keys() {
        return keys;
    }

    public int keyOffset(int slot) {
        return slot * FlowKey.SIZE;
    }

    public boolean armed(int slot) {
        return armed[slot];
    }

    public void arm(int slot) {
        requireUsed(slot);
        armed[slot] = true;
        waitingGeneration[slot] = ~generation[slot];
    }

    public long lookbackHead(int slot) {
        return hot[slot * STRIDE + LOOKBACK_HEAD];
    }

    public void setLookbackHead(int slot, long position) {
        hot[slot * STRIDE + LOOKBACK_HEAD] = position;
    }

    public long firstSeen(int slot) {
        return firstSeen[slot];
    }

    public long lastSeen(int slot) {
        return hot[slot * STRIDE + LAST_SEEN];
    }

    public long packets(int slot) {
        return hot[slot * STRIDE + PACKETS_LOW] + hot[slot * STRIDE + PACKETS_HIGH];
    }

    public long packetsFromLow(int slot) {
        return hot[slot * STRIDE + PACKETS_LOW];
    }

    public long packetsFromHigh(int slot) {
        return hot[slot * STRIDE + PACKETS_HIGH];
    }

    public long bytes(int slot) {
        return hot[slot * STRIDE + BYTES];
    }

    /** Changes whenever the slot is given to another flow. */
    public int generation(int slot) {
        return generation[slot];
    }

    /**
     * A handle naming the flow now in {@code slot} (its slot and generation): stays valid only as
     * long as that flow does, see {@link #waitingForAlert(long)}.
     */
    public long handle(int slot) {
        return ((long) slot << 32) | (generation[slot] & 0xFFFF_FFFFL);
    }

    /**
     * Whether the flow {@code handle} names is still tracked and not armed. Allocation-free, one
     * array read. (A handle could pass for another flow's only after 2^31 flows in its slot.)
     */
    public boolean waitingForAlert(long handle) {
        int slot = (int) (handle >>> 32);
        return slot >= 0 && slot < maxFlows && waitingGeneration[slot] == (int) handle;
    }

    /** {@link #TCP_NEW}, {@link #TCP_ESTABLISHED} or {@link #TCP_CLOSED} for TCP flows. */
    public int tcpState(int slot) {
        return timeoutClass(slot) <= TCP_CLOSED ? timeoutClass(slot) : -1;
    }

    public boolean isClosed(int slot) {
        return timeoutClass(slot) == TCP_CLOSED;
    }

    public int size() {
        return size;
    }

    public int maxFlows() {
        return maxFlows;
    }

    public long created() {
        return created;
    }

    public long evicted() {
        return evicted;
    }

    public long ended(FlowEndReason reason) {
        return endedBy[reason.ordinal()];
    }

    /** Ends every flow whose idle timeout passed before {@code nowNanos}; returns how many. */
    public int expire(long nowNanos, FlowEndListener listener) {
        int n = 0;
        for (int cls = 0; cls < CLASSES; cls++) {
            int slot;
            while ((slot = listHead[cls]) >= 0) {
                if (nowNanos - hot[slot * STRIDE + LAST_SEEN] > timeoutNanos[cls]) {
                    remove(slot, cls == TCP_CLOSED ? FlowEndReason.TCP_CLOSED : FlowEndReason.IDLE_TIMEOUT, listener);
                    n++;
                } else if (hot[slot * STRIDE + LAST_SEEN] > hot[slot * STRIDE + QUEUED_AT]) {
                    moveToTail(slot, cls); // active since queued: to the back, stamped with its last packet
                } else {
                    break; // queued at its last packet and not idle long enough: neither is anything behind it
                }
            }
        }
        return n;
    }

    /** Ends every flow (shutdown). */
    public void endAll(FlowEndListener listener) {
        for (int cls = 0; cls < CLASSES; cls++) {
            while (listHead[cls] >= 0) {
                remove(listHead[cls], FlowEndReason.SHUTDOWN, listener);
            }
        }
    }

    private int find(byte[] key, int keyOffset, long hash) {
        for (int i = mix(hash) & indexMask; ; i = (i + 1) & indexMask) {
            int entry = keyIndex[i];
            if (entry == 0) {
                return -1;
            }
            int slot = entry - 1;
            if (hot[slot * STRIDE + KEY_HASH] == hash && FlowKey.equals(keys, slot * FlowKey.SIZE, key, keyOffset)) {
                return slot;
            }
        }
    }

    private int create(byte[] key, int keyOffset, long hash, int protocol, long ts, FlowEndListener listener) {
        if (freeHead < 0) {
            remove(evictionVictim(), FlowEndReason.EVICTED, listener);
            evicted++;
        }
        int slot = freeHead;
        freeHead = freeNext[slot];
        used[slot] = true;
        generation[slot]++;
        System.arraycopy(key, keyOffset, keys, slot * FlowKey.SIZE, FlowKey.SIZE);
        hot[slot * STRIDE + KEY_HASH] = hash;
        hasCommunityId[slot] = false;
        communityHash[slot] = 0;
        firstSeen[slot] = ts;
        hot[slot * STRIDE + LAST_SEEN] = ts;
        hot[slot * STRIDE + PACKETS_LOW] = 0;
        hot[slot * STRIDE + PACKETS_HIGH] = 0;
        hot[slot * STRIDE + BYTES] = 0;
        hot[slot * STRIDE + LOOKBACK_HEAD] = -1;
        setTcpBits(slot, 0);
        armed[slot] = false;
        waitingGeneration[slot] = generation[slot];
        int cls = switch (protocol) {
            case PacketDecoder.PROTO_TCP -> TCP_NEW;
            case PacketDecoder.PROTO_UDP -> UDP;
            case PacketDecoder.PROTO_ICMP, PacketDecoder.PROTO_ICMPV6 -> ICMP;
            default -> OTHER;
        };
        setTimeoutClass(slot, cls);
        prev[slot] = -1;
        next[slot] = -1;
        linkTail(slot, cls);
        int i = mix(hash) & indexMask;
        while (keyIndex[i] != 0) {
            i = (i + 1) & indexMask;
        }
        keyIndex[i] = slot + 1;
        size++;
        created++;
        return slot;
    }

    /** The queue head queued longest ago among unarmed flows, else among all. */
    private int evictionVictim() {
        int best = -1;
        int bestArmed = -1;
        for (int cls = 0; cls < CLASSES; cls++) {
            for (int slot = listHead[cls]; slot >= 0; slot = next[slot]) {
                if (!armed[slot]) {
                    if (best < 0 || hot[slot * STRIDE + LAST_SEEN] < hot[(best) * STRIDE + LAST_SEEN]) {
                        best = slot;
                    }
                    break;
                }
                if (bestArmed < 0 || hot[slot * STRIDE + LAST_SEEN] < hot[(bestArmed) * STRIDE + LAST_SEEN]) {
                    bestArmed = slot;
                }
            }
        }
        return best >= 0 ? best : bestArmed;
    }

    private void remove(int slot, FlowEndReason reason, FlowEndListener listener) {
        listener.flowEnded(slot, reason);
        endedBy[reason.ordinal()]++;
        unlink(slot);
        deleteFromIndex(keyIndex, slot, mix(hot[slot * STRIDE + KEY_HASH]) & indexMask, true);
        if (hasCommunityId[slot]) {
            unindexCommunity(slot);
        }
        used[slot] = false;
        armed[slot] = false;
        waitingGeneration[slot] = ~generation[slot];
        freeNext[slot] = freeHead;
        freeHead = slot;
        size--;
    }

    private void unindexCommunity(int slot) {
        deleteFromIndex(cidIndex, slot, mix(communityHash[slot]) & indexMask, false);
        hasCommunityId[slot] = false;
    }

    /** Backward-shift deletion: keeps every probe sequence unbroken without tombstones. */
    private void deleteFromIndex(int[] index, int slot, int home, boolean byKey) {
        int i = home;
        while (index[i] != slot + 1) {
            if (index[i] == 0) {
                throw new IllegalStateException("flow slot " + slot + " missing from its index");
            }
            i = (i + 1) & indexMask;
        }
        int j = i;
        while (true) {
            j = (j + 1) & indexMask;
            int entry = index[j];
            if (entry == 0) {
                break;
            }
            int other = entry - 1;
            int k = mix(byKey ? hot[other * STRIDE + KEY_HASH] : communityHash[other]) & indexMask;
            // Move the entry at j back to i unless its home k lies cyclically in (i, j].
            boolean homeBetween = i <= j ? (k > i && k <= j) : (k > i || k <= j);
            if (!homeBetween) {
                index[i] = entry;
                i = j;
            }
        }
        index[i] = 0;
    }

    private void moveToTail(int slot, int cls) {
        unlink(slot);
        setTimeoutClass(slot, cls);
        linkTail(slot, cls);
    }

    private void linkTail(int slot, int cls) {
        hot[slot * STRIDE + QUEUED_AT] = hot[slot * STRIDE + LAST_SEEN];
        prev[slot] = listTail[cls];
        next[slot] = -1;
        if (listTail[cls] >= 0) {
            next[listTail[cls]] = slot;
        } else {
            listHead[cls] = slot;
        }
        listTail[cls] = slot;
    }

    private void unlink(int slot) {
        int cls = timeoutClass(slot);
        int p = prev[slot];
        int n = next[slot];
        if (p >= 0) {
            next[p] = n;
        } else {
            listHead[cls] = n;
        }
        if (n >= 0) {
            prev[n] = p;
        } else {
            listTail[cls] = p;
        }
        prev[slot] = -1;
        next[slot] = -1;
    }

    private int timeoutClass(int slot) {
        return (int) (hot[slot * STRIDE + STATE] >>> 8) & 0xFF;
    }

    private void setTimeoutClass(int slot, int cls) {
        int i = slot * STRIDE + STATE;
        hot[i] = (hot[i] & ~0xFF00L) | ((long) cls << 8);
    }

    private int tcpBits(int slot) {
        return (int) hot[slot * STRIDE + STATE] & 0xFF;
    }

    private void setTcpBits(int slot, int bits) {
        int i = slot * STRIDE + STATE;
        hot[i] = (hot[i] & ~0xFFL) | (bits & 0xFF);
    }

    private void requireUsed(int slot) {
        if (slot < 0 || slot >= maxFlows || !used[slot]) {
            throw new IllegalArgumentException("no flow in slot " + slot);
        }
    }

    private static int mix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return (int) h;
    }
}
