package io.flowtrap.store;

import io.flowtrap.memory.HugePageBuffers;
import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.PacketRecord;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.LockSupport;

/**
 * The hand-off from one capturing thread to the store's writer thread: a bounded single-producer,
 * single-consumer ring of packet records in one direct buffer allocated up front. The producer
 * copies each packet in once and publishes it with a release store of its running position; the
 * consumer reads records in place up to that position (acquire) and frees their room by storing
 * its own. The producer's path takes no lock, allocates nothing and makes no system call: a full
 * ring is answered at once ({@link #offer} returns false); only {@link #awaitRoom} and {@link
 * #awaitTaken}, for replays, park.
 *
 * <p>Two kinds of record: a packet (its bytes copied in), and held packets: the positions of
 * packets the producer's side still holds in memory ({@link HeldPackets}, the look-back ring), which
 * the consumer copies from there; the producer keeps them unchanged until the consumer has released
 * the record ({@link #takenPosition}).
 *
 * <p>Record layout (native byte order; every record starts 8-byte aligned):
 * <pre>
 *  0  int   record length, header and padding included; WRAP (-1): nothing more up to the
 *           buffer's end, the next record is at offset 0
 *  4  int   captured length (frame bytes stored)
 *  8  long  timestamp, ns since the epoch
 * 16  int   wire length
 * 20  int   link type
 * 24  20 B  Community ID digest
 * 44  44 B  FlowKey
 * 88  the frame's bytes, then padding to a multiple of 8
 * </pre>
 * A held-packets record has HELD (-1) as its wire length, the number of positions as its captured
 * length, and after the header those positions (8 bytes each, in the order they are to be stored);
 * its timestamp and link type are unused (0).
 * Positions are running byte counts (they never wrap); published minus released is what waits.
 * A record never straddles the end: it goes after a WRAP at offset 0, so a ring must hold two of
 * the largest records for one always to fit one way or the other ({@link StoreConfig} checks).
 *
 * <p>Exactly one producer thread and one consumer thread; each method says whose it is. The
 * counters ({@link #droppedPackets}, {@link #droppedBytes}, {@link #pendingBytes}) and the
 * producer's clock are safe to read from any thread.
 */
final class PacketHandoff {
    /** The largest ring a direct buffer can hold, a multiple of 8. */
    static final long MAX_CAPACITY = Integer.MAX_VALUE & ~7L;
    static final int HEADER_SIZE = 88;
    private static final int LENGTH = 0;
    private static final int CAPLEN = 4;
    private static final int TIMESTAMP = 8;
    private static final int WIRE_LENGTH = 16;
    private static final int LINK_TYPE = 20;
    private static final int CID = 24;
    private static final int KEY = CID + CommunityId.DIGEST_SIZE;
    private static final int WRAP = -1;
    /** The wire length that marks a held-packets record. */
    private static final int HELD = -1;
    /** Most positions in one held-packets record: small records keep the consumer's releases frequent. */
    private static final int MAX_HELD_PER_RECORD = 4096;
    /** What {@link #next} found: nothing, a packet, or held packets. */
    static final int NONE = 0;
    static final int PACKET = 1;
    static final int HELD_PACKETS = 2;
    /** How long a waiting producer sleeps at most before it looks again (a missed wake-up costs this much). */
    private static final long WAIT_PARK_NANOS = 1_000_000L;

    /** 64 bytes before a cursor's fields (superclass fields are laid out first). */
    @SuppressWarnings("unused")
    private abstract static class PaddingBefore {
        long p1, p2, p3, p4, p5, p6, p7, p8;
    }

    /** One side's place in the ring; only its own thread writes it. */
    private static class CursorFields extends PaddingBefore {
        /** What the other side may see of {@code position}: published (producer) or released (consumer). */
        long shared;
        /** Running byte count: how far this side has written or read. */
        long position;
        /** Where {@code position} is in the buffer. */
        int offset;
        /** The other side's position as last read. */
        long otherSeen;
    }

    /** A cursor with 64 bytes after it too, so that the producer's and the consumer's never share a cache line. */
    @SuppressWarnings("unused")
    private static final class Cursor extends CursorFields {
        long q1, q2, q3, q4, q5, q6, q7, q8;
    }

    private static final VarHandle SHARED;

    static {
        try {
            SHARED = MethodHandles.lookup().findVarHandle(Cursor.class, "shared", long.class); // the callers' exact type
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ByteBuffer buffer;
    private final int capacity;
    private final Cursor producer = new Cursor();
    private final Cursor consumer = new Cursor();

    private volatile Thread waitingProducer;
    /** The position a producer in {@link #awaitTaken} waits for the consumer to release (MAX_VALUE: none). */
    private volatile long awaitedTaken = Long.MAX_VALUE;
    private final int maxHeldPerRecord;
    /** Consumer: where the record {@link #next} returned last starts. */
    private int currentRecord;
    private volatile Thread consumerThread;
    private volatile long droppedPackets; // written by the producer only
    private volatile long droppedBytes;
    private volatile long clockNanos = Long.MIN_VALUE;
    private volatile boolean consumerGone;

    PacketHandoff(long capacityBytes) {
        if (capacityBytes < recordSize(0) || capacityBytes > MAX_CAPACITY) {
            throw new IllegalArgumentException("a hand-off of " + capacityBytes + " bytes");
        }
        this.capacity = (int) (capacityBytes & ~7L);
        this.buffer = HugePageBuffers.allocate("store hand-off", capacity).buffer().order(ByteOrder.nativeOrder());
        this.maxHeldPerRecord = Math.max(1, Math.min(MAX_HELD_PER_RECORD, (capacity / 2 - HEADER_SIZE) / 8));
    }

    /** Room a record of {@code capturedLength} frame bytes takes. */
    static long recordSize(int capturedLength) {
        return (HEADER_SIZE + capturedLength + 7L) & ~7L;
    }

    int capacity() {
        return capacity;
    }

    /** Most positions one held-packets record takes ({@link #offerHeld}); a record of them fits twice in the ring. */
    int maxHeldPerRecord() {
        return maxHeldPerRecord;
    }

    // ---- producer

    /**
     * Producer: copies one packet (its first {@code capturedLength} bytes) in and publishes it;
     * false, with nothing written, when there is no room for it.
     */
    boolean offer(PacketRecord packet, int capturedLength, byte[] cid, int cidOffset, byte[] key, int keyOffset) {
        int size = (int) recordSize(capturedLength);
        int at = claim(size);
        if (at < 0) {
            return false;
        }
        buffer.putInt(at + CAPLEN, capturedLength);
        buffer.putLong(at + TIMESTAMP, packet.timestampNanos());
        buffer.putInt(at + WIRE_LENGTH, packet.wireLength());
        buffer.putInt(at + LINK_TYPE, packet.linkType());
        buffer.put(at + CID, cid, cidOffset, CommunityId.DIGEST_SIZE);
        buffer.put(at + KEY, key, keyOffset, FlowKey.SIZE);
        buffer.put(at + HEADER_SIZE, packet.buffer(), packet.offset(), capturedLength);
        publish(at, size);
        return true;
    }

    /**
     * Producer: hands over {@code positions[from, from + count)} (at most {@link #maxHeldPerRecord}),
     * packets of one flow held by the producer's side, in one record; false, with nothing written,
     * when there is no room for it.
     */
    boolean offerHeld(long[] positions, int from, int count, byte[] cid, int cidOffset, byte[] key, int keyOffset) {
        if (count < 1 || count > maxHeldPerRecord) {
            throw new IllegalArgumentException(count + " held packets in one record (1 to " + maxHeldPerRecord + ")");
        }
        int size = (int) recordSize(8 * count);
        int at = claim(size);
        if (at < 0) {
            return false;
        }
        buffer.putInt(at + CAPLEN, count);
        buffer.putLong(at + TIMESTAMP, 0);
        buffer.putInt(at + WIRE_LENGTH, HELD);
        buffer.putInt(at + LINK_TYPE, 0);
        buffer.put(at + CID, cid, cidOffset, CommunityId.DIGEST_SIZE);
        buffer.put(at + KEY, key, keyOffset, FlowKey.SIZE);
        for (int i = 0; i < count; i++) {
            buffer.putLong(at + HEADER_SIZE + 8 * i, positions[from + i]);
        }
        publish(at, size);
        return true;
    }

    /**
     * Producer: where a record of {@code size} bytes goes (after a WRAP marker if it does not fit
     * before the end), with its length written; -1 if there is no room.
     */
    private int claim(int size) {
        Cursor p = producer;
        int toEnd = capacity - p.offset;
        long need = size <= toEnd ? size : (long) toEnd + size;
        if (!hasRoom(need)) {
            return -1;
        }
        if (size > toEnd) {
            buffer.putInt(p.offset + LENGTH, WRAP);
            p.position += toEnd;
            p.offset = 0;
        }
        buffer.putInt(p.offset + LENGTH, size);
        return p.offset;
    }

    /** Producer: publishes the record of {@code size} bytes written at {@code at}. */
    private void publish(int at, int size) {
        Cursor p = producer;
        p.offset = at + size == capacity ? 0 : at + size;
        p.position += size;
        SHARED.setRelease(p, p.position);
    }

    /** Producer: whether {@code need} bytes are free, looking at the consumer's position only when the last look says no. */
    private boolean hasRoom(long need) {
        Cursor p = producer;
        if (capacity - (p.position - p.otherSeen) >= need) {
            return true;
        }
        p.otherSeen = (long) SHARED.getVolatile(consumer);
        return capacity - (p.position - p.otherSeen) >= need;
    }

    /**
     * Producer, for a replay: parks until a record of {@code capturedLength} bytes fits. False if
     * the thread was interrupted; IllegalStateException if the consumer has stopped for good.
     */
    boolean awaitRoom(int capturedLength) {
        return awaitRecord(recordSize(capturedLength));
    }

    /** Producer, for a replay: as {@link #awaitRoom}, for a held-packets record of {@code count} positions. */
    boolean awaitRoomHeld(int count) {
        return awaitRecord(recordSize(8 * count));
    }

    private boolean awaitRecord(long size) {
        long toEnd = capacity - producer.offset;
        long need = size <= toEnd ? size : toEnd + size;
        if (need > capacity) {
            throw new IllegalArgumentException("a record of " + size + " bytes never fits a hand-off of " + capacity);
        }
        return parkUntil(need, Long.MIN_VALUE);
    }

    /**
     * Producer, for a replay: parks until the consumer has released every record before {@code
     * position} (a {@link #producedPosition} of the past), so that what held packets those records
     * named may change. False if the thread was interrupted; IllegalStateException if the consumer
     * has stopped for good.
     */
    boolean awaitTaken(long position) {
        return parkUntil(0, position);
    }

    /** Producer: parks until {@code need} bytes are free and the consumer has released everything before {@code taken}. */
    private boolean parkUntil(long need, long taken) {
        if (hasRoom(need) && takenPosition() >= taken) {
            return true;
        }
        Thread me = Thread.currentThread();
        awaitedTaken = taken == Long.MIN_VALUE ? Long.MAX_VALUE : taken; // room alone: woken at half empty
        waitingProducer = me;
        Thread reader = consumerThread;
        if (reader != null) {
            LockSupport.unpark(reader); // it may be sleeping on an empty ring it last saw: the ring is full now
        }
        try {
            while (!(hasRoom(need) && takenPosition() >= taken)) {
                if (consumerGone) {
                    throw new IllegalStateException("the store's writer has stopped");
                }
                if (me.isInterrupted()) {
                    return false;
                }
                LockSupport.parkNanos(this, WAIT_PARK_NANOS);
            }
            return true;
        } finally {
            waitingProducer = null;
            awaitedTaken = Long.MAX_VALUE;
        }
    }

    /** Producer: the running position after the last record it published. */
    long producedPosition() {
        return producer.position;
    }

    /** Any thread: the running position up to which the consumer has released records (taken them for good). */
    long takenPosition() {
        return (long) SHARED.getAcquire(consumer);
    }

    /** Producer: counts a packet that was not handed over (no room). */
    void countDropped(int capturedLength) {
        droppedPackets = droppedPackets + 1;
        droppedBytes = droppedBytes + capturedLength;
    }

    /** Producer: publishes its packet clock (the newest packet time it has seen, or the wall clock when idle). */
    void tick(long nowNanos) {
        clockNanos = nowNanos;
    }

    // ---- consumer

    /** Consumer: names its thread, so that a producer that has to wait can wake it. */
    void consumerThread(Thread thread) {
        consumerThread = thread;
    }

    /**
     * Consumer: the next published record's kind, {@link #NONE} if there is none. For a {@link
     * #PACKET}, {@code packet} becomes a view of the frame in place, valid until {@link #release};
     * for {@link #HELD_PACKETS}, {@link #heldCount} and {@link #heldPosition} tell which. Either
     * way the digest and key are copied into {@code cid} and {@code key} at offset 0.
     */
    int next(PacketRecord packet, byte[] cid, byte[] key) {
        Cursor c = consumer;
        long read = c.position;
        if (read == c.otherSeen) {
            c.otherSeen = (long) SHARED.getAcquire(producer);
            if (read == c.otherSeen) {
                return NONE;
            }
        }
        int length = buffer.getInt(c.offset + LENGTH);
        if (length == WRAP) {
            read += capacity - c.offset;
            c.offset = 0;
            length = buffer.getInt(LENGTH);
        }
        int at = c.offset;
        if (length < HEADER_SIZE || length > capacity - at) {
            throw new IllegalStateException("hand-off record of " + length + " bytes at " + at + " (position " + read + ")");
        }
        buffer.get(at + CID, cid, 0, CommunityId.DIGEST_SIZE);
        buffer.get(at + KEY, key, 0, FlowKey.SIZE);
        c.offset = at + length == capacity ? 0 : at + length;
        c.position = read + length; // the producer learns of it at release(): the record stays valid until then
        currentRecord = at;
        int wireLength = buffer.getInt(at + WIRE_LENGTH);
        if (wireLength == HELD) {
            return HELD_PACKETS;
        }
        packet.set(buffer, at + HEADER_SIZE, buffer.getInt(at + CAPLEN), wireLength, buffer.getLong(at + TIMESTAMP),
                buffer.getInt(at + LINK_TYPE));
        return PACKET;
    }

    /** Consumer: how many positions the held-packets record {@link #next} returned holds. */
    int heldCount() {
        return buffer.getInt(currentRecord + CAPLEN);
    }

    /** Consumer: the {@code i}th of them. */
    long heldPosition(int i) {
        return buffer.getLong(currentRecord + HEADER_SIZE + 8 * i);
    }

    /**
     * Consumer: frees the room of every record read so far, and wakes a producer waiting for room
     * once half the ring is free (not at every record: the producer then runs without waiting for
     * a while instead of waking per record).
     */
    void release() {
        SHARED.setVolatile(consumer, consumer.position);
        Thread waiting = waitingProducer;
        if (waiting != null && (pendingBytes() <= capacity / 2 || consumer.position >= awaitedTaken)) {
            LockSupport.unpark(waiting);
        }
    }

    /** Consumer: the position after the last record read. */
    long readPosition() {
        return consumer.position;
    }

    /** Consumer: the position after the last record published, read now. */
    long publishedPosition() {
        return (long) SHARED.getAcquire(producer);
    }

    /** Consumer: says it will take nothing more (its thread died), so that a waiting producer fails instead of hanging. */
    void consumerGone() {
        consumerGone = true;
        Thread waiting = waitingProducer;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    // ---- any thread

    /** Bytes handed over and not yet released by the consumer. */
    long pendingBytes() {
        long released = (long) SHARED.getAcquire(consumer); // first: published only grows
        return (long) SHARED.getAcquire(producer) - released;
    }

    long droppedPackets() {
        return droppedPackets;
    }

    long droppedBytes() {
        return droppedBytes;
    }

    /** The producer's packet clock, Long.MIN_VALUE before its first tick. */
    long clockNanos() {
        return clockNanos;
    }
}
