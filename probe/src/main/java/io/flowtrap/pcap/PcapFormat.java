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
 *
 * <p>pcapng (read only, {@link PcapFileReader}); every block is
 * {@code type u32 | total length u32 | body | total length u32}, lengths a multiple of 4, in the
 * byte order of its section's SHB:
 * <pre>
 * SHB  0x0A0D0D0A: byte-order magic 0x1A2B3C4D | major u16 (1) | minor u16 | section length i64 | options
 * IDB  0x00000001: linktype u16 | reserved u16 | snaplen u32 | options (if_tsresol 9: u8, MSB 0 = 10^-n,
 *                  MSB 1 = 2^-n, default 10^-6; if_tsoffset 14: i64 seconds)
 * EPB  0x00000006: interface id u32 | ts high u32 | ts low u32 | caplen u32 | wirelen u32 | data (pad 4) | options
 * SPB  0x00000003: wirelen u32 | data (caplen = min(wirelen, snaplen, block room)); interface 0, no timestamp
 * PB   0x00000002: (obsolete) interface id u16 | drops u16 | ts high u32 | ts low u32 | caplen u32 | wirelen u32 | data
 * </pre>
 * Options are {@code code u16 | length u16 | value (pad 4)}, ending with code 0.
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

    /** Classic magics as read with the other byte order. */
    public static final int MAGIC_MICROS_SWAPPED = 0xD4C3B2A1;
    public static final int MAGIC_NANOS_SWAPPED = 0x4D3CB2A1;

    public static final int PCAPNG_SHB = 0x0A0D0D0A;
    public static final int PCAPNG_IDB = 0x00000001;
    public static final int PCAPNG_PB = 0x00000002;
    public static final int PCAPNG_SPB = 0x00000003;
    public static final int PCAPNG_EPB = 0x00000006;
    public static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    public static final int PCAPNG_OPT_END = 0;
    public static final int PCAPNG_OPT_IF_TSRESOL = 9;
    public static final int PCAPNG_OPT_IF_TSOFFSET = 14;
    /** Block header (type + length) plus trailing length: the smallest legal block. */
    public static final int PCAPNG_MIN_BLOCK = 12;

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
