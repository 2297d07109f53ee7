package io.flowtrap.store;

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

    private static final VarHandle POSITION = MethodHandles.arrayElementVarHandle(long[].class);
    // The producer's and the consumer's positions, 128 bytes apart so that they never share a cache line.
    private static final int PUBLISHED = 7;
    private static final int RELEASED = 23;
    private final long[] positions = new long[31];

    private final ByteBuffer buffer;
    private final int capacity;

    // The producer's own.
    private long written;
    private int writeOffset;
    private long releasedSeen;
    private volatile Thread waitingProducer;
    private volatile Thread consumer;
    private volatile long droppedPackets; // written by the producer only
    private volatile long droppedBytes;
    private volatile long clockNanos = Long.MIN_VALUE;
    private volatile boolean consumerGone;

    // The consumer's own.
    private long read;
    private int readOffset;
    private long publishedSeen;

    PacketHandoff(long capacityBytes) {
        if (capacityBytes < recordSize(0) || capacityBytes > MAX_CAPACITY) {
            throw new IllegalArgumentException("a hand-off of " + capacityBytes + " bytes");
        }
        this.capacity = (int) (capacityBytes & ~7L);
        this.buffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
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
        int size = (int) recordSize(capturedLength);
        int toEnd = capacity - writeOffset;
        long need = size <= toEnd ? size : (long) toEnd + size;
        if (!hasRoom(need)) {
            return false;
        }
        if (size > toEnd) {
            buffer.putInt(writeOffset + LENGTH, WRAP);
            written += toEnd;
            writeOffset = 0;
        }
        int at = writeOffset;
        buffer.putInt(at + LENGTH, size);
        buffer.putInt(at + CAPLEN, capturedLength);
        buffer.putLong(at + TIMESTAMP, packet.timestampNanos());
        buffer.putInt(at + WIRE_LENGTH, packet.wireLength());
        buffer.putInt(at + LINK_TYPE, packet.linkType());
        buffer.put(at + CID, cid, cidOffset, CommunityId.DIGEST_SIZE);
        buffer.put(at + KEY, key, keyOffset, FlowKey.SIZE);
        buffer.put(at + HEADER_SIZE, packet.buffer(), packet.offset(), capturedLength);
        written += size;
        writeOffset = at + size == capacity ? 0 : at + size;
        POSITION.setRelease(positions, PUBLISHED, written);
        return true;
    }

    /** Producer: whether {@code need} bytes are free, looking at the consumer's position only when the last look says no. */
    private boolean hasRoom(long need) {
        if (capacity - (written - releasedSeen) >= need) {
            return true;
        }
        releasedSeen = (long) POSITION.getVolatile(positions, RELEASED);
        return capacity - (written - releasedSeen) >= need;
    }

    /**
     * Producer, for a replay: parks until a record of {@code capturedLength} bytes fits. False if
     * the thread was interrupted; IllegalStateException if the consumer has stopped for good.
     */
    boolean awaitRoom(int capturedLength) {
        long size = recordSize(capturedLength);
        long toEnd = capacity - writeOffset;
        long need = size <= toEnd ? size : toEnd + size;
        if (need > capacity) {
            throw new IllegalArgumentException("a record of " + size + " bytes never fits a hand-off of " + capacity);
        }
        if (hasRoom(need)) {
            return true;
        }
        Thread me = Thread.currentThread();
        waitingProducer = me;
        Thread reader = consumer;
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
        consumer = thread;
    }

    /**
     * Consumer: the next published record, or false if there is none. {@code packet} becomes a view
     * of the frame in place, valid until {@link #release}; the digest and key are copied into
     * {@code cid} and {@code key} at offset 0.
     */
    boolean next(PacketRecord packet, byte[] cid, byte[] key) {
        if (read == publishedSeen) {
            publishedSeen = (long) POSITION.getAcquire(positions, PUBLISHED);
            if (read == publishedSeen) {
                return false;
            }
        }
        int length = buffer.getInt(readOffset + LENGTH);
        if (length == WRAP) {
            read += capacity - readOffset;
            readOffset = 0;
            length = buffer.getInt(LENGTH);
        }
        int at = readOffset;
        if (length < HEADER_SIZE || length > capacity - at) {
            throw new IllegalStateException("hand-off record of " + length + " bytes at " + at + " (position " + read + ")");
        }
        packet.set(buffer, at + HEADER_SIZE, buffer.getInt(at + CAPLEN), buffer.getInt(at + WIRE_LENGTH),
                buffer.getLong(at + TIMESTAMP), buffer.getInt(at + LINK_TYPE));
        buffer.get(at + CID, cid, 0, CommunityId.DIGEST_SIZE);
        buffer.get(at + KEY, key, 0, FlowKey.SIZE);
        read += length;
        readOffset = at + length == capacity ? 0 : at + length;
        return true;
    }

    /**
     * Consumer: frees the room of every record read so far, and wakes a producer waiting for room
     * once half the ring is free (not at every record: the producer then runs without waiting for
     * a while instead of waking per record).
     */
    void release() {
        POSITION.setVolatile(positions, RELEASED, read);
        Thread waiting = waitingProducer;
        if (waiting != null && pendingBytes() <= capacity / 2) {
            LockSupport.unpark(waiting);
        }
    }

    /** Consumer: the position after the last record read. */
    long readPosition() {
        return read;
    }

    /** Consumer: the position after the last record published, read now. */
    long publishedPosition() {
        return (long) POSITION.getAcquire(positions, PUBLISHED);
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
        long released = (long) POSITION.getAcquire(positions, RELEASED); // first: published only grows
        return (long) POSITION.getAcquire(positions, PUBLISHED) - released;
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
