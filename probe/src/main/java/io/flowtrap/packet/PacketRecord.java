package io.flowtrap.packet;

import java.nio.ByteBuffer;

/**
 * One captured packet as a packet source hands it over: a view of bytes owned by the source, valid
 * only until the source's next call. Reused for every packet, so nothing is allocated per packet.
 *
 * <p>The bytes are {@code buffer[offset, offset + capturedLength)}, read with absolute gets; the
 * buffer's position, limit and byte order carry no meaning. Not thread-safe.
 */
public final class PacketRecord {
    private ByteBuffer buffer;
    private int offset;
    private int capturedLength;
    private int wireLength;
    private long timestampNanos;
    private int linkType;

    public PacketRecord set(
            ByteBuffer buffer, int offset, int capturedLength, int wireLength, long timestampNanos, int linkType) {
        this.buffer = buffer;
        this.offset = offset;
        this.capturedLength = capturedLength;
        this.wireLength = wireLength;
        this.timestampNanos = timestampNanos;
        this.linkType = linkType;
        return this;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int capturedLength() {
        return capturedLength;
    }

    public int wireLength() {
        return wireLength;
    }

    /** Capture time in nanoseconds since the Unix epoch. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** Moves the capture time by {@code deltaNanos}: a replay that plays an old capture as if now. */
    public void shiftTimestamp(long deltaNanos) {
        timestampNanos += deltaNanos;
    }

    /** The pcap LINKTYPE_* of the bytes (1 = Ethernet). */
    public int linkType() {
        return linkType;
    }

    /** Copies the packet bytes into {@code dst} at {@code dstOffset}; for tests and slow paths. */
    public void copyTo(byte[] dst, int dstOffset) {
        buffer.get(offset, dst, dstOffset, capturedLength);
    }
}
