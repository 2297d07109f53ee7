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
 * ring is answered at once ({@link #offer} returns false); only {@link #awaitRoom}, for replays,
 * parks.
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
    }

    /** Room a record of {@code capturedLength} frame bytes takes. */
    static long recordSize(int capturedLength) {
        return (HEADER_SIZE + capturedLength + 7L) & ~7L;
    }

    int capacity() {
        return capacity;
    }

    // ---- producer

    /**
     * Producer: copies one packet (its first {@code capturedLength} bytes) in and publishes it;
     * false, with nothing written, when there is no room for it.
     */
    boolean offer(PacketRecord packet, int capturedLength, byte[] cid, int cidOffset, byte[] key, int keyOffset) {
        Cursor p = producer;
        int size = (int) recordSize(capturedLength);
        int toEnd = capacity - p.offset;
        long need = size <= toEnd ? size : (long) toEnd + size;
        if (!hasRoom(need)) {
            return false;
        }
        long written = p.position;
        if (size > toEnd) {
            buffer.putInt(p.offset + LENGTH, WRAP);
            written += toEnd;
            p.offset = 0;
        }
        int at = p.offset;
        buffer.putInt(at + LENGTH, size);
        buffer.putInt(at + CAPLEN, capturedLength);
        buffer.putLong(at + TIMESTAMP, packet.timestampNanos());
        buffer.putInt(at + WIRE_LENGTH, packet.wireLength());
        buffer.putInt(at + LINK_TYPE, packet.linkType());
        buffer.put(at + CID, cid, cidOffset, CommunityId.DIGEST_SIZE);
        buffer.put(at + KEY, key, keyOffset, FlowKey.SIZE);
        buffer.put(at + HEADER_SIZE, packet.buffer(), packet.offset(), capturedLength);
        p.offset = at + size == capacity ? 0 : at + size;
        p.position = written + size;
        SHARED.setRelease(p, p.position);
        return true;
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
        long size = recordSize(capturedLength);
        long toEnd = capacity - producer.offset;
        long need = size <= toEnd ? size : toEnd + size;
        if (need > capacity) {
            throw new IllegalArgumentException("a record of " + size + " bytes never fits a hand-off of " + capacity);
        }
        if (hasRoom(need)) {
            return true;
        }
        Thread me = Thread.currentThread();
        waitingProducer = me;
        Thread reader = consumerThread;
        if (reader != null) {
            LockSupport.unpark(reader); // it may be sleeping on an empty ring it last saw: the ring is full now
        }
        try {
            while (!hasRoom(need)) {
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
        }
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
     * Consumer: the next published record, or false if there is none. {@code packet} becomes a view
     * of the frame in place, valid until {@link #release}; the digest and key are copied into
     * {@code cid} and {@code key} at offset 0.
     */
    boolean next(PacketRecord packet, byte[] cid, byte[] key) {
        Cursor c = consumer;
        long read = c.position;
        if (read == c.otherSeen) {
            c.otherSeen = (long) SHARED.getAcquire(producer);
            if (read == c.otherSeen) {
                return false;
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
        packet.set(buffer, at + HEADER_SIZE, buffer.getInt(at + CAPLEN), buffer.getInt(at + WIRE_LENGTH),
                buffer.getLong(at + TIMESTAMP), buffer.getInt(at + LINK_TYPE));
        buffer.get(at + CID, cid, 0, CommunityId.DIGEST_SIZE);
        buffer.get(at + KEY, key, 0, FlowKey.SIZE);
        c.offset = at + length == capacity ? 0 : at + length;
        c.position = read + length; // the producer learns of it at release(): the record stays valid until then
        return true;
    }

    /**
     * Consumer: frees the room of every record read so far, and wakes a producer waiting for room
     * once half the ring is free (not at every record: the producer then runs without waiting for
     * a while instead of waking per record).
     */
    void release() {
        SHARED.setVolatile(consumer, consumer.position);
        Thread waiting = waitingProducer;
        if (waiting != null && pendingBytes() <= capacity / 2) {
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
