package io.flowtrap.pcap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The classic pcap file layout, in one place.
 *
 * <pre>
 * global header (24 bytes): magic u32 | version major u16 (2) | minor u16 (4) | thiszone i32 (0)
 *                           | sigfigs u32 (0) | snaplen u32 | linktype u32
 * record header (16 bytes): ts_sec u32 | ts_frac u32 (µs or ns per magic) | caplen u32 | wirelen u32
 * </pre>
 *
 * flowtrap writes little-endian files with the nanosecond magic {@link #MAGIC_NANOS}; it reads both
 * byte orders and both resolutions. Stateless; thread-safe.
 */
public final class PcapFormat {
    public static final int MAGIC_MICROS = 0xA1B2C3D4;
    public static final int MAGIC_NANOS = 0xA1B23C4D;
    public static final int GLOBAL_HEADER_SIZE = 24;
    public static final int RECORD_HEADER_SIZE = 16;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int LINKTYPE_RAW = 101;
    public static final int LINKTYPE_LINUX_SLL = 113;
    public static final int MAX_SNAPLEN = 262_144;
    public static final long NANOS_PER_SECOND = 1_000_000_000L;

    private PcapFormat() {}

    /** Writes a little-endian nanosecond global header at {@code buf}'s position, advancing it. */
    public static void putGlobalHeader(ByteBuffer buf, int snaplen, int linkType) {
        ByteOrder order = buf.order();
        buf.order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(snaplen).putInt(linkType);
        buf.order(order);
    }

    /** Writes a little-endian nanosecond record header at {@code buf}'s position, advancing it. */
    public static void putRecordHeader(ByteBuffer buf, long timestampNanos, int capturedLength, int wireLength) {
        if (capturedLength > wireLength) {
            // gopacket's pcapgo refuses the same: such a record is corrupt for every reader.
            throw new IllegalArgumentException(
                    "captured length " + capturedLength + " exceeds wire length " + wireLength);
        }
        ByteOrder order = buf.order();
        buf.order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt((int) Math.floorDiv(timestampNanos, NANOS_PER_SECOND))
                .putInt((int) Math.floorMod(timestampNanos, NANOS_PER_SECOND))
                .putInt(capturedLength)
                .putInt(wireLength);
        buf.order(order);
    }
}
