package io.flowtrap.probe.flow;

import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.PacketDecoder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Bidirectional, VLAN-aware flows keyed by the canonical {@link FlowKey}, with a hard cap on their
 * number and all memory allocated at construction: per-flow state lives in one flat record per slot,
 * found through two open-addressing indexes (by key, and by the 64-bit Community ID prefix) with
 * linear probing and backward-shift deletion. Nothing is allocated per packet or flow.
 *
 * <p>Memory layout, chosen for what a packet touches: an index entry (a {@code long}: the top 36
 * bits of the slot's keyed hash, then slot + 1) and the flow's record, 16 longs (two cache lines)
 * holding its counters, state and key. A probe that meets another flow's entry is told apart by the
 * hash bits in the entry without reading that flow's record, and the home position of an entry is
 * taken from those bits too, so deletion moves entries without reading records either. Hashes are
 * keyed per table ({@link FlowHash}): addresses picked by someone on the wire cannot be made to
 * collide.
 *
 * <p>Lifecycle as Suricata's: TCP flows close on RST or FIN seen both ways, then linger for the
 * closed timeout; every flow ends after its idle timeout, measured on the timer clock the caller
 * gives: packet time in a replay (so a replay is deterministic), a monotonic clock on a live wire
 * (so a step of the wall clock changes only the timestamps). Each timeout class keeps its flows in two queues (intrusive doubly linked lists),
 * one of flows waiting for an alert and one of armed flows, ordered by when they were queued; a
 * packet only stamps its flow's last-seen time, and expiry, looking at queue heads only, re-queues
 * a head that saw packets since it was queued. That keeps the per-packet path free of list surgery
 * (random memory writes) at the price of precision: a flow ends between one and two idle timeouts
 * after its last packet (an armed flow joins the armed queue's tail when armed, so its end can come
 * later by as long as its alert took). A full table evicts, in constant time, the least recently
 * active of the unarmed queues' heads, and only when no flow is unarmed an armed one.
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
    /** Queue of a class's armed flows: the class plus this. */
    private static final int ARMED_QUEUES = CLASSES;

    private static final int TCP_FIN = 0x01;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;
    private static final int TCP_ACK = 0x10;
    private static final int FIN_FROM_LOW = 1;
    private static final int FIN_FROM_HIGH = 2;
    private static final int SEEN_FROM_LOW = 4;
    private static final int SEEN_FROM_HIGH = 8;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Most flows a table can hold: slot + 1 must fit the 28 low bits of an index entry. */
    public static final int MAX_FLOWS = (1 << 28) - 1;
    private static final int SLOT_BITS = 28;
    private static final long SLOT_MASK = (1L << SLOT_BITS) - 1;
    private static final long TAG_MASK = ~SLOT_MASK;
    /** An entry's home is the hash's top bits (all inside the entry's tag): 29 bits index 2^29 entries. */
    private static final int HOME_SHIFT = 64 - 29;

    private final int maxFlows;
    private final FlowHash hasher;
    /**
     * One record of {@link #STRIDE} longs per slot: the newest packet's timestamp, last seen on the
     * timer clock, queued at (timer clock), bytes, packets from low and from high, look-back head, state (TCP bits | timeout class &lt;&lt; 8 | armed and
     * Community ID bits | generation &lt;&lt; 32), the key as 6 little-endian longs (its 44 bytes, then in
     * the last word's top half the key's home in the index, so that ending the flow does not hash the
     * key again), the Community ID prefix and the first-seen time.
     */
    private final long[] records;
    private static final int STRIDE = 16;
    private static final int LAST_PACKET = 0;
    private static final int LAST_SEEN = 1;
    private static final int QUEUED_AT = 2;
    private static final int BYTES = 3;
    private static final int PACKETS_LOW = 4;
    private static final int PACKETS_HIGH = 5;
    private static final int LOOKBACK_HEAD = 6;
    private static final int STATE = 7;
    private static final int KEY = 8;
    private static final int COMMUNITY_HASH = 14;
    private static final int FIRST_SEEN = 15;
    private static final long ARMED_BIT = 1L << 16;
    private static final long HAS_COMMUNITY_ID_BIT = 1L << 17;
    private final long[] timeoutNanos = new long[CLASSES];

    private final int indexMask;
    private final long[] keyIndex; // tag | slot + 1, 0 = empty
    private final long[] cidIndex; // tag of the keyed hash of the Community ID prefix | slot + 1

    private final byte[] keys;
    private final byte[] communityIds;
    /**
     * The slot's generation while its flow is tracked and not armed, else its complement: what
     * {@link #waitingForAlert} compares a handle with, one array read (it runs as the look-back ring
     * overwrites records, about once per packet).
     */
    private final int[] waitingGeneration;
    private final boolean[] used;
    private final int[] prev;
    private final int[] next;
    private final int[] listHead = new int[2 * CLASSES];
    private final int[] listTail = new int[2 * CLASSES];
    private final int[] freeNext;
    private int freeHead;

    private int size;
    private boolean lastTrackCreated;
    private long created;
    private long evicted;
    private final long[] endedBy = new long[FlowEndReason.values().length];

    /** A table whose indexes are keyed with a fresh random key. */
    public FlowTable(int maxFlows, FlowTimeouts timeouts) {
        this(maxFlows, timeouts, FlowHash.random());
    }

    FlowTable(int maxFlows, FlowTimeouts timeouts, FlowHash hasher) {
        if (maxFlows < 1 || maxFlows > MAX_FLOWS) {
            throw new IllegalArgumentException("max flows must be between 1 and " + MAX_FLOWS + ", not " + maxFlows);
        }
        this.maxFlows = maxFlows;
        this.hasher = hasher;
        timeoutNanos[TCP_NEW] = timeouts.tcpNew().toNanos();
        timeoutNanos[TCP_ESTABLISHED] = timeouts.tcpEstablished().toNanos();
        timeoutNanos[TCP_CLOSED] = timeouts.tcpClosed().toNanos();
        timeoutNanos[UDP] = timeouts.udp().toNanos();
        timeoutNanos[ICMP] = timeouts.icmp().toNanos();
        timeoutNanos[OTHER] = timeouts.other().toNanos();
        int indexSize = Integer.highestOneBit(maxFlows * 2 - 1) << 1; // load factor <= 0.5
        indexMask = indexSize - 1;
        keyIndex = new long[indexSize];
        cidIndex = new long[indexSize];
        records = new long[maxFlows * STRIDE];
        keys = new byte[maxFlows * FlowKey.SIZE];
        communityIds = new byte[maxFlows * 20];
        waitingGeneration = new int[maxFlows];
        java.util.Arrays.fill(waitingGeneration, ~0);
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
        long perFlow = 8 * STRIDE + FlowKey.SIZE + 20 + 4 * 4 + 1; // record, key, Community ID, 4 ints, used
        return (long) maxFlows * perFlow + 2L * 8 * keyIndex.length;
    }

    /**
     * The keyed hash of a key, as {@link #track(byte[], int, long, int, int, boolean, long, int, FlowEndListener)}
     * takes it: thread-safe, so another thread may compute it ahead of the capture thread.
     */
    public long keyHash(byte[] key, int keyOffset) {
        return hasher.hashKey(key, keyOffset);
    }

    /**
     * As {@link #track(byte[], int, long, int, int, boolean, long, long, int, FlowEndListener)},
     * hashing the key here, with the packet's timestamp as the timer clock (a replay).
     */
    public int track(byte[] key, int keyOffset, int protocol, int tcpFlags, boolean fromLow, long timestampNanos,
            int wireLength, FlowEndListener listener) {
        return track(key, keyOffset, hasher.hashKey(key, keyOffset), protocol, tcpFlags, fromLow, timestampNanos,
                timestampNanos, wireLength, listener);
    }

    /**
     * Finds or creates the flow of a packet and updates it; returns its slot. {@code hash} is
     * {@link #keyHash} of the key; {@code tcpFlags} are the packet's if it is TCP. {@code
     * timestampNanos} is the packet's own time (what {@link #firstSeen}/{@link #lastSeen} report);
     * {@code timerNanos} is the clock idle timeouts run on, the same as {@link #expire} is given: the
     * packet time in a replay, a monotonic clock on a live wire (so a step of the wall clock moves
     * no timeout). {@link #lastTrackCreated()} says whether the flow is new (the caller then sets
     * its Community ID). A full table first evicts its least recently active flow, telling {@code listener}.
     */
    public int track(byte[] key, int keyOffset, long hash, int protocol, int tcpFlags, boolean fromLow,
            long timestampNanos, long timerNanos, int wireLength, FlowEndListener listener) {
        int slot = find(key, keyOffset, hash);
        int flags = protocol == PacketDecoder.PROTO_TCP ? tcpFlags : 0;
        if (slot >= 0 && timeoutClass(slot) == TCP_CLOSED && (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
            remove(slot, FlowEndReason.TCP_CLOSED, listener); // the tuple is reused by a new connection
            slot = -1;
        }
        lastTrackCreated = slot < 0;
        if (slot < 0) {
            slot = create(key, keyOffset, hash, protocol, timestampNanos, timerNanos, listener);
        }
        int r = slot * STRIDE;
        records[r + LAST_PACKET] = timestampNanos;
        records[r + LAST_SEEN] = timerNanos;
        records[r + BYTES] += wireLength;
        long stateWord = records[r + STATE];
        int state = (int) stateWord & 0xFF;
        if (fromLow) {
            records[r + PACKETS_LOW]++;
            state |= SEEN_FROM_LOW;
        } else {
            records[r + PACKETS_HIGH]++;
            state |= SEEN_FROM_HIGH;
        }
        int cls = (int) (stateWord >>> 8) & 0xFF;
        int newCls = cls;
        if (protocol == PacketDecoder.PROTO_TCP && cls != TCP_CLOSED) {
            if ((flags & TCP_FIN) != 0) {
                state |= fromLow ? FIN_FROM_LOW : FIN_FROM_HIGH;
            }
            if ((flags & TCP_RST) != 0 || (state & (FIN_FROM_LOW | FIN_FROM_HIGH)) == (FIN_FROM_LOW | FIN_FROM_HIGH)) {
                newCls = TCP_CLOSED;
            } else if ((state & (SEEN_FROM_LOW | SEEN_FROM_HIGH)) == (SEEN_FROM_LOW | SEEN_FROM_HIGH)) {
                newCls = TCP_ESTABLISHED;
            }
        }
        records[r + STATE] = (stateWord & ~0xFFL) | state;
        if (newCls != cls) {
            moveToTail(slot, newCls);
        }
        return slot;
    }

    public boolean lastTrackCreated() {
        return lastTrackCreated;
    }

    /** The slot of the flow with this key, or -1. */
    public int find(byte[] key, int keyOffset) {
        return find(key, keyOffset, hasher.hashKey(key, keyOffset));
    }

    /** A slot whose Community ID starts with these 8 bytes (big-endian), or -1. */
    public int findByCommunityHash(long hash64) {
        long h = hasher.hashLong(hash64);
        for (int i = home(h); ; i = (i + 1) & indexMask) {
            long entry = cidIndex[i];
            if (entry == 0) {
                return -1;
            }
            int slot = (int) (entry & SLOT_MASK) - 1;
            if (((entry ^ h) & TAG_MASK) == 0 && records[slot * STRIDE + COMMUNITY_HASH] == hash64) {
                return slot;
            }
        }
    }

    public void setCommunityId(int slot, byte[] digest, int offset) {
        requireUsed(slot);
        if (hasCommunityId(slot)) {
            unindexCommunity(slot);
        }
        System.arraycopy(digest, offset, communityIds, slot * 20, 20);
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (digest[offset + i] & 0xFF);
        }
        records[slot * STRIDE + COMMUNITY_HASH] = h;
        records[slot * STRIDE + STATE] |= HAS_COMMUNITY_ID_BIT;
        insert(cidIndex, hasher.hashLong(h), slot);
    }

    public long communityHash(int slot) {
        return records[slot * STRIDE + COMMUNITY_HASH];
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

    /** Whether {@code slot} holds a live flow that is not armed. */
    public boolean waiting(int slot) {
        return used[slot] && !armed(slot);
    }

    public boolean armed(int slot) {
        return (records[slot * STRIDE + STATE] & ARMED_BIT) != 0;
    }

    /** Marks the flow armed (its packets go to the store) and moves it to its class's armed queue. */
    public void arm(int slot) {
        requireUsed(slot);
        if (armed(slot)) {
            return;
        }
        unlink(slot);
        records[slot * STRIDE + STATE] |= ARMED_BIT;
        waitingGeneration[slot] = ~generation(slot);
        linkTail(slot, timeoutClass(slot));
    }

    public long lookbackHead(int slot) {
        return records[slot * STRIDE + LOOKBACK_HEAD];
    }

    public void setLookbackHead(int slot, long position) {
        records[slot * STRIDE + LOOKBACK_HEAD] = position;
    }

    public long firstSeen(int slot) {
        return records[slot * STRIDE + FIRST_SEEN];
    }

    /** The timestamp of the flow's newest packet. */
    public long lastSeen(int slot) {
        return records[slot * STRIDE + LAST_PACKET];
    }

    public long packets(int slot) {
        return records[slot * STRIDE + PACKETS_LOW] + records[slot * STRIDE + PACKETS_HIGH];
    }

    public long packetsFromLow(int slot) {
        return records[slot * STRIDE + PACKETS_LOW];
    }

    public long packetsFromHigh(int slot) {
        return records[slot * STRIDE + PACKETS_HIGH];
    }

    public long bytes(int slot) {
        return records[slot * STRIDE + BYTES];
    }

    /** Changes whenever the slot is given to another flow. */
    public int generation(int slot) {
        return (int) (records[slot * STRIDE + STATE] >>> 32);
    }

    /**
     * A handle naming the flow now in {@code slot} (its slot and generation): stays valid only as
     * long as that flow does, see {@link #waitingForAlert(long)}.
     */
    public long handle(int slot) {
        return ((long) slot << 32) | (records[slot * STRIDE + STATE] >>> 32);
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

    /** Ends every flow whose idle timeout passed before {@code nowNanos} (timer clock); returns how many. */
    public int expire(long nowNanos, FlowEndListener listener) {
        int n = 0;
        for (int queue = 0; queue < 2 * CLASSES; queue++) {
            int cls = queue % CLASSES;
            int slot;
            while ((slot = listHead[queue]) >= 0) {
                int r = slot * STRIDE;
                if (nowNanos - records[r + LAST_SEEN] > timeoutNanos[cls]) {
                    remove(slot, cls == TCP_CLOSED ? FlowEndReason.TCP_CLOSED : FlowEndReason.IDLE_TIMEOUT, listener);
                    n++;
                } else if (records[r + LAST_SEEN] > records[r + QUEUED_AT]) {
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
        for (int queue = 0; queue < 2 * CLASSES; queue++) {
            while (listHead[queue] >= 0) {
                remove(listHead[queue], FlowEndReason.SHUTDOWN, listener);
            }
        }
    }

    private int find(byte[] key, int keyOffset, long hash) {
        for (int i = home(hash); ; i = (i + 1) & indexMask) {
            long entry = keyIndex[i];
            if (entry == 0) {
                return -1;
            }
            if (((entry ^ hash) & TAG_MASK) == 0) {
                int slot = (int) (entry & SLOT_MASK) - 1;
                if (keyEquals(slot * STRIDE + KEY, key, keyOffset)) {
                    return slot;
                }
            }
        }
    }

    /** Compares the record's key words with a key in its byte layout, a word at a time. */
    private boolean keyEquals(int at, byte[] key, int off) {
        return records[at] == (long) LONGS.get(key, off)
                && records[at + 1] == (long) LONGS.get(key, off + 8)
                && records[at + 2] == (long) LONGS.get(key, off + 16)
                && records[at + 3] == (long) LONGS.get(key, off + 24)
                && records[at + 4] == (long) LONGS.get(key, off + 32)
                && (int) records[at + 5] == (int) INTS.get(key, off + 40); // the top half is the home
    }

    private int create(byte[] key, int keyOffset, long hash, int protocol, long ts, long timerNanos,
            FlowEndListener listener) {
        if (freeHead < 0) {
            remove(evictionVictim(), FlowEndReason.EVICTED, listener);
            evicted++;
        }
        int slot = freeHead;
        freeHead = freeNext[slot];
        used[slot] = true;
        int generation = generation(slot) + 1;
        System.arraycopy(key, keyOffset, keys, slot * FlowKey.SIZE, FlowKey.SIZE);
        int r = slot * STRIDE;
        records[r + LAST_PACKET] = ts;
        records[r + LAST_SEEN] = timerNanos;
        records[r + PACKETS_LOW] = 0;
        records[r + PACKETS_HIGH] = 0;
        records[r + BYTES] = 0;
        records[r + LOOKBACK_HEAD] = -1;
        for (int w = 0; w < 5; w++) {
            records[r + KEY + w] = (long) LONGS.get(key, keyOffset + 8 * w);
        }
        records[r + KEY + 5] = ((long) home(hash) << 32) | ((int) INTS.get(key, keyOffset + 40) & 0xFFFF_FFFFL);
        records[r + COMMUNITY_HASH] = 0;
        records[r + FIRST_SEEN] = ts;
        int cls = switch (protocol) {
            case PacketDecoder.PROTO_TCP -> TCP_NEW;
            case PacketDecoder.PROTO_UDP -> UDP;
            case PacketDecoder.PROTO_ICMP, PacketDecoder.PROTO_ICMPV6 -> ICMP;
            default -> OTHER;
        };
        records[r + STATE] = ((long) generation << 32) | ((long) cls << 8);
        waitingGeneration[slot] = generation;
        prev[slot] = -1;
        next[slot] = -1;
        linkTail(slot, cls);
        insert(keyIndex, hash, slot);
        size++;
        created++;
        return slot;
    }

    /**
     * The least recently active head of the unarmed queues, else of the armed ones: a queue's head
     * is the flow queued longest ago in it, so this looks at {@code 2 * CLASSES} flows at most.
     */
    private int evictionVictim() {
        int victim = oldestHead(0);
        return victim >= 0 ? victim : oldestHead(ARMED_QUEUES);
    }

    private int oldestHead(int firstQueue) {
        int best = -1;
        for (int queue = firstQueue; queue < firstQueue + CLASSES; queue++) {
            int slot = listHead[queue];
            if (slot >= 0 && (best < 0 || records[slot * STRIDE + LAST_SEEN] < records[best * STRIDE + LAST_SEEN])) {
                best = slot;
            }
        }
        return best;
    }

    private void remove(int slot, FlowEndReason reason, FlowEndListener listener) {
        listener.flowEnded(slot, reason);
        endedBy[reason.ordinal()]++;
        unlink(slot);
        int r = slot * STRIDE;
        deleteFromIndex(keyIndex, slot, (int) (records[r + KEY + 5] >>> 32));
        if (hasCommunityId(slot)) {
            unindexCommunity(slot);
        }
        records[r + STATE] &= ~(ARMED_BIT | HAS_COMMUNITY_ID_BIT); // keeps the generation for the slot's next flow
        used[slot] = false;
        waitingGeneration[slot] = ~generation(slot);
        freeNext[slot] = freeHead;
        freeHead = slot;
        size--;
    }

    private boolean hasCommunityId(int slot) {
        return (records[slot * STRIDE + STATE] & HAS_COMMUNITY_ID_BIT) != 0;
    }

    private void unindexCommunity(int slot) {
        deleteFromIndex(cidIndex, slot, home(hasher.hashLong(records[slot * STRIDE + COMMUNITY_HASH])));
        records[slot * STRIDE + STATE] &= ~HAS_COMMUNITY_ID_BIT;
    }

    private int home(long hash) {
        return (int) (hash >>> HOME_SHIFT) & indexMask;
    }

    private void insert(long[] index, long hash, int slot) {
        int i = home(hash);
        while (index[i] != 0) {
            i = (i + 1) & indexMask;
        }
        index[i] = (hash & TAG_MASK) | (slot + 1);
    }

    /**
     * Backward-shift deletion: keeps every probe sequence unbroken without tombstones. An entry's
     * home comes from its own tag bits, so no record is read.
     */
    private void deleteFromIndex(long[] index, int slot, int home) {
        int i = home;
        while ((index[i] & SLOT_MASK) != slot + 1) {
            if (index[i] == 0) {
                throw new IllegalStateException("flow slot " + slot + " missing from its index");
            }
            i = (i + 1) & indexMask;
        }
        int j = i;
        while (true) {
            j = (j + 1) & indexMask;
            long entry = index[j];
            if (entry == 0) {
                break;
            }
            int k = home(entry);
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
        int r = slot * STRIDE + STATE;
        records[r] = (records[r] & ~0xFF00L) | ((long) cls << 8);
        linkTail(slot, cls);
    }

    /** The queue a flow of class {@code cls} is in: its class's, among armed or waiting flows. */
    private int queueOf(int slot, int cls) {
        return armed(slot) ? ARMED_QUEUES + cls : cls;
    }

    private void linkTail(int slot, int cls) {
        int queue = queueOf(slot, cls);
        records[slot * STRIDE + QUEUED_AT] = records[slot * STRIDE + LAST_SEEN];
        prev[slot] = listTail[queue];
        next[slot] = -1;
        if (listTail[queue] >= 0) {
            next[listTail[queue]] = slot;
        } else {
            listHead[queue] = slot;
        }
        listTail[queue] = slot;
    }

    private void unlink(int slot) {
        int queue = queueOf(slot, timeoutClass(slot));
        int p = prev[slot];
        int n = next[slot];
        if (p >= 0) {
            next[p] = n;
        } else {
            listHead[queue] = n;
        }
        if (n >= 0) {
            prev[n] = p;
        } else {
            listTail[queue] = p;
        }
        prev[slot] = -1;
        next[slot] = -1;
    }

    private int timeoutClass(int slot) {
        return (int) (records[slot * STRIDE + STATE] >>> 8) & 0xFF;
    }

    private void requireUsed(int slot) {
        if (slot < 0 || slot >= maxFlows || !used[slot]) {
            throw new IllegalArgumentException("no flow in slot " + slot);
        }
    }
}
