package io.flowtrap.pcap;

import io.flowtrap.packet.PacketRecord;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Reads packets from a classic pcap file (microsecond or nanosecond magic, either byte order) or a
 * pcapng file (sections of either byte order, several interfaces with their own link types and
 * timestamp resolutions; EPB, SPB and the obsolete PB carry packets, other blocks are skipped).
 * Layouts: {@link PcapFormat}.
 *
 * <p>The file is memory-mapped in windows of {@value #DEFAULT_WINDOW} bytes (moved when a record
 * crosses the end of one), so files over 2 GB work and no bytes are copied: each {@link
 * PacketRecord} handed out is a view of the window it is in, which stays mapped (and the view
 * valid) while the record refers to it, after later calls too. Nothing is
 * allocated per packet; a new window is mapped once per window.
 *
 * <p>Damage is told apart from a torn tail. A final record with fewer bytes than its header promises
 * (or a partial header) ends the file: {@link #next} returns false and {@link #truncatedTail()} is
 * true; {@link #validLength()} is where to truncate. A record that cannot be trusted (classic: caplen
 * over {@value PcapFormat#MAX_SNAPLEN} or over wirelen; pcapng: block length under 12, not a
 * multiple of 4, over {@value #MAX_BLOCK_LENGTH}, or different at the block's end; unknown
 * interface) throws {@link PcapFormatException} naming the file and offset. When the file appears to
 * end, its size is read again, so a reader can follow a file that is still being written.
 *
 * <p>Not thread-safe: one thread reads.
 */
public final class PcapFileReader implements Closeable {
    static final int DEFAULT_WINDOW = 128 << 20;
    /** No legal packet block comes near this (262144 bytes of data plus options); larger is damage. */
    static final int MAX_BLOCK_LENGTH = 16 << 20;
    private static final int EPB_FIXED = 28;
    private static final int PB_FIXED = 28;
    private static final int SPB_FIXED = 12;
    private static final int SHB_FIXED = 24;
    private static final int IDB_FIXED = 16;
    private static final long[] POW10 = {
        1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L
    };

    private final Path file;
    private final FileChannel channel;
    private final int windowSize;
    private final boolean pcapng;
    private long size;

    private MappedByteBuffer window;
    private Consumer<MappedByteBuffer> windowMapped = w -> {};
    private long windowStart;
    private int windowLength;
    private ByteOrder order;

    private int classicLinkType;
    private boolean classicNanos;

    // pcapng interfaces of the current section, by interface id
    private int interfaceCount;
    private int[] ifLinkType = new int[4];
    private int[] ifSnaplen = new int[4];
    /** true: resolution 2^-exp; false: 10^-exp. */
    private boolean[] ifBinary = new boolean[4];
    private int[] ifExponent = new int[4];
    private long[] ifOffsetNanos = new long[4];
    private int firstLinkType = -1;

    private long position;
    private long recordOffset = -1;
    private long validLength;
    private boolean truncatedTail;
    private long lastTimestampNanos;

    private PcapFileReader(Path file, FileChannel channel, int windowSize) throws IOException {
        this.file = file;
        this.channel = channel;
        this.windowSize = windowSize;
        this.size = channel.size();
        if (size < 4) {
            throw new PcapFormatException(file, 0, "neither pcap nor pcapng (file has " + size + " bytes)");
        }
        order = ByteOrder.BIG_ENDIAN;
        map(0, (int) Math.min(size, 4));
        int magic = window.getInt(0);
        if (magic == PcapFormat.PCAPNG_SHB) {
            pcapng = true;
            openPcapng();
        } else {
            pcapng = false;
            openClassic(magic);
        }
    }

    /**
     * Tells {@code listener} of each window as it is mapped, before a packet is read from it (a
     * replay has its page tables filled ahead of the reader); the first bytes, read on opening, are not told.
     */
    public void onWindowMapped(Consumer<MappedByteBuffer> listener) {
        windowMapped = listener;
    }

    /** Opens {@code file}; throws {@link PcapFormatException} naming it if it is neither pcap nor pcapng. */
    public static PcapFileReader open(Path file) throws IOException {
        return open(file, DEFAULT_WINDOW);
    }

    /** As {@link #open(Path)} with a given window size (tests use small windows to cross them often). */
    static PcapFileReader open(Path file, int windowSize) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new PcapFileReader(file, channel, windowSize);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private void openClassic(int magic) throws IOException {
        switch (magic) {
            case PcapFormat.MAGIC_MICROS -> { order = ByteOrder.BIG_ENDIAN; classicNanos = false; }
            case PcapFormat.MAGIC_NANOS -> { order = ByteOrder.BIG_ENDIAN; classicNanos = true; }
            case PcapFormat.MAGIC_MICROS_SWAPPED -> { order = ByteOrder.LITTLE_ENDIAN; classicNanos = false; }
            case PcapFormat.MAGIC_NANOS_SWAPPED -> { order = ByteOrder.LITTLE_ENDIAN; classicNanos = true; }
            default -> throw new PcapFormatException(file, 0, String.format(
                    "neither pcap nor pcapng (first bytes 0x%08X)", magic));
        }
        if (size < PcapFormat.GLOBAL_HEADER_SIZE) {
            throw new PcapFormatException(file, 0, "pcap global header cut short (" + size + " bytes)");
        }
        map(0, PcapFormat.GLOBAL_HEADER_SIZE);
        classicLinkType = window.getInt(20) & 0xFFFF; // upper bits carry FCS flags
        position = PcapFormat.GLOBAL_HEADER_SIZE;
        validLength = position;
    }

    private void openPcapng() throws IOException {
        if (size < SHB_FIXED + 4) {
            throw new PcapFormatException(file, 0, "pcapng section header block cut short (" + size + " bytes)");
        }
        // The SHB and the IDBs right after it are read now so that linkType() is known before next().
        while (true) {
            if (size - position < 8) {
                break;
            }
            ensure(position, 8);
            int type = window.getInt(at(position));
            if (type != PcapFormat.PCAPNG_SHB && type != PcapFormat.PCAPNG_IDB) {
                break;
            }
            if (readBlock(null) == BLOCK_END) {
                if (truncatedTail && position == 0) {
                    throw new PcapFormatException(file, 0, "pcapng section header block cut short");
                }
                break;
            }
        }
    }

    /** Fills {@code into} with the next packet; false at the end of the file (see {@link #truncatedTail()}). */
    public boolean next(PacketRecord into) throws IOException {
        if (!pcapng) {
            return nextClassic(into);
        }
        int r;
        while ((r = readBlock(into)) == BLOCK_OTHER) {
            // skip to the next packet block
        }
        return r == BLOCK_PACKET;
    }

    private boolean nextClassic(PacketRecord into) throws IOException {
        long start = position;
        if (!available(start, PcapFormat.RECORD_HEADER_SIZE)) {
            return false;
        }
        ensure(start, PcapFormat.RECORD_HEADER_SIZE);
        int h = at(start);
        long seconds = window.getInt(h) & 0xFFFF_FFFFL;
        long fraction = window.getInt(h + 4) & 0xFFFF_FFFFL;
        int caplen = window.getInt(h + 8);
        int wirelen = window.getInt(h + 12);
        if (caplen < 0 || caplen > PcapFormat.MAX_SNAPLEN) {
            throw new PcapFormatException(file, start, "record captured length " + Integer.toUnsignedString(caplen)
                    + " over the maximum " + PcapFormat.MAX_SNAPLEN);
        }
        if (wirelen >= 0 && caplen > wirelen) {
            throw new PcapFormatException(file, start,
                    "record captured length " + caplen + " exceeds its wire length " + wirelen);
        }
        int total = PcapFormat.RECORD_HEADER_SIZE + caplen;
        if (!available(start, total)) {
            return false;
        }
        ensure(start, total);
        long nanos = seconds * PcapFormat.NANOS_PER_SECOND + (classicNanos ? fraction : fraction * 1000);
        into.set(window, at(start) + PcapFormat.RECORD_HEADER_SIZE, caplen, wirelen, nanos, classicLinkType);
        recordOffset = start;
        position = start + total;
        validLength = position;
        truncatedTail = false;
        return true;
    }

    private static final int BLOCK_END = -1;
    private static final int BLOCK_OTHER = 0;
    private static final int BLOCK_PACKET = 1;

    /**
     * Reads the block at {@link #position}: a packet block fills {@code into} (if not null) and sets
     * {@link #recordOffset}; other blocks update the section state. Returns {@link #BLOCK_PACKET},
     * {@link #BLOCK_OTHER} or, at the end of the file, {@link #BLOCK_END}.
     */
    private int readBlock(PacketRecord into) throws IOException {
        long start = position;
        if (!available(start, 8)) {
            return BLOCK_END;
        }
        ensure(start, 8);
        int type = window.getInt(at(start));
        if (type == PcapFormat.PCAPNG_SHB) {
            if (!available(start, 12)) {
                return BLOCK_END;
            }
            ensure(start, 12);
            window.order(ByteOrder.BIG_ENDIAN);
            int bom = window.getInt(at(start) + 8);
            if (bom == PcapFormat.PCAPNG_BYTE_ORDER_MAGIC) {
                order = ByteOrder.BIG_ENDIAN;
            } else if (Integer.reverseBytes(bom) == PcapFormat.PCAPNG_BYTE_ORDER_MAGIC) {
                order = ByteOrder.LITTLE_ENDIAN;
            } else {
                window.order(order);
                throw new PcapFormatException(file, start, String.format(
                        "pcapng section header with bad byte-order magic 0x%08X", bom));
            }
            window.order(order);
        }
        int length = window.getInt(at(start) + 4);
        if (length < PcapFormat.PCAPNG_MIN_BLOCK || (length & 3) != 0 || length > MAX_BLOCK_LENGTH) {
            throw new PcapFormatException(file, start, String.format(
                    "pcapng block of type 0x%08X with bad length %s", type, Integer.toUnsignedString(length)));
        }
        if (!available(start, length)) {
            return BLOCK_END;
        }
        ensure(start + length - 4, 4);
        int trailer = window.getInt(at(start + length - 4));
        if (trailer != length) {
            throw new PcapFormatException(file, start, String.format(
                    "pcapng block of type 0x%08X: leading length %d, trailing length %s",
                    type, length, Integer.toUnsignedString(trailer)));
        }
        boolean packet = false;
        switch (type) {
            case PcapFormat.PCAPNG_SHB -> readSectionHeader(start, length);
            case PcapFormat.PCAPNG_IDB -> readInterface(start, length);
            case PcapFormat.PCAPNG_EPB -> packet = readEnhancedPacket(start, length, into);
            case PcapFormat.PCAPNG_SPB -> packet = readSimplePacket(start, length, into);
            case PcapFormat.PCAPNG_PB -> packet = readObsoletePacket(start, length, into);
            default -> { } // statistics, name resolution, custom …: nothing a packet needs
        }
        position = start + length;
        validLength = position;
        truncatedTail = false;
        if (packet) {
            recordOffset = start;
            return BLOCK_PACKET;
        }
        return BLOCK_OTHER;
    }

    private void readSectionHeader(long start, int length) throws IOException {
        if (length < SHB_FIXED + 4) {
            throw new PcapFormatException(file, start, "pcapng section header block too short: " + length);
        }
        interfaceCount = 0;
    }

    private void readInterface(long start, int length) throws IOException {
        if (length < IDB_FIXED + 4) {
            throw new PcapFormatException(file, start, "pcapng interface block too short: " + length);
        }
        ensure(start, length);
        int b = at(start);
        int id = interfaceCount;
        if (id == ifLinkType.length) {
            int n = id * 2;
            ifLinkType = Arrays.copyOf(ifLinkType, n);
            ifSnaplen = Arrays.copyOf(ifSnaplen, n);
            ifBinary = Arrays.copyOf(ifBinary, n);
            ifExponent = Arrays.copyOf(ifExponent, n);
            ifOffsetNanos = Arrays.copyOf(ifOffsetNanos, n);
        }
        ifLinkType[id] = window.getShort(b + 8) & 0xFFFF;
        ifSnaplen[id] = window.getInt(b + 12);
        ifBinary[id] = false;
        ifExponent[id] = 6;
        ifOffsetNanos[id] = 0;
        int o = b + IDB_FIXED;
        int end = b + length - 4;
        while (o + 4 <= end) {
            int code = window.getShort(o) & 0xFFFF;
            int olen = window.getShort(o + 2) & 0xFFFF;
            if (code == PcapFormat.PCAPNG_OPT_END) {
                break;
            }
            if (o + 4 + olen > end) {
                throw new PcapFormatException(file, start, "pcapng interface block option " + code
                        + " of length " + olen + " runs past the block's end");
            }
            if (code == PcapFormat.PCAPNG_OPT_IF_TSRESOL && olen >= 1) {
                int r = window.get(o + 4) & 0xFF;
                boolean binary = (r & 0x80) != 0;
                int exp = r & 0x7F;
                if (binary ? exp > 63 : exp > 18) {
                    throw new PcapFormatException(file, start, "pcapng interface timestamp resolution "
                            + (binary ? "2^-" : "10^-") + exp + " is not supported");
                }
                ifBinary[id] = binary;
                ifExponent[id] = exp;
            } else if (code == PcapFormat.PCAPNG_OPT_IF_TSOFFSET && olen >= 8) {
                ifOffsetNanos[id] = window.getLong(o + 4) * PcapFormat.NANOS_PER_SECOND;
            }
            o += 4 + ((olen + 3) & ~3);
        }
        interfaceCount = id + 1;
        if (firstLinkType < 0) {
            firstLinkType = ifLinkType[id];
        }
    }

    private boolean readEnhancedPacket(long start, int length, PacketRecord into) throws IOException {
        if (length < EPB_FIXED + 4) {
            throw new PcapFormatException(file, start, "pcapng enhanced packet block too short: " + length);
        }
        ensure(start, EPB_FIXED);
        int b = at(start);
        int iface = window.getInt(b + 8);
        long ts = (window.getInt(b + 12) & 0xFFFF_FFFFL) << 32 | (window.getInt(b + 16) & 0xFFFF_FFFFL);
        int caplen = window.getInt(b + 20);
        int wirelen = window.getInt(b + 24);
        return packetBlock(start, length, EPB_FIXED, iface, ts, caplen, wirelen, into);
    }

    private boolean readObsoletePacket(long start, int length, PacketRecord into) throws IOException {
        if (length < PB_FIXED + 4) {
            throw new PcapFormatException(file, start, "pcapng packet block too short: " + length);
        }
        ensure(start, PB_FIXED);
        int b = at(start);
        int iface = window.getShort(b + 8) & 0xFFFF;
        long ts = (window.getInt(b + 12) & 0xFFFF_FFFFL) << 32 | (window.getInt(b + 16) & 0xFFFF_FFFFL);
        int caplen = window.getInt(b + 20);
        int wirelen = window.getInt(b + 24);
        return packetBlock(start, length, PB_FIXED, iface, ts, caplen, wirelen, into);
    }

    private boolean packetBlock(long start, int length, int fixed, int iface, long ts, int caplen, int wirelen,
            PacketRecord into) throws IOException {
        if (iface < 0 || iface >= interfaceCount) {
            throw new PcapFormatException(file, start, "pcapng packet block for interface "
                    + Integer.toUnsignedString(iface) + ", but the section has " + interfaceCount);
        }
        if (caplen < 0 || caplen > PcapFormat.MAX_SNAPLEN || caplen > length - fixed - 4) {
            throw new PcapFormatException(file, start, "pcapng packet block captured length "
                    + Integer.toUnsignedString(caplen) + " does not fit its block of " + length + " bytes");
        }
        if (into != null) {
            ensure(start, fixed + caplen);
            long nanos = toNanos(ts, iface);
            lastTimestampNanos = nanos;
            into.set(window, at(start) + fixed, caplen, wirelen, nanos, ifLinkType[iface]);
        }
        return true;
    }

    private boolean readSimplePacket(long start, int length, PacketRecord into) throws IOException {
        if (interfaceCount == 0) {
            throw new PcapFormatException(file, start, "pcapng simple packet block before any interface block");
        }
        ensure(start, SPB_FIXED);
        int wirelen = window.getInt(at(start) + 8);
        int room = length - SPB_FIXED - 4;
        int caplen = room;
        if (wirelen >= 0 && wirelen < caplen) {
            caplen = wirelen;
        }
        if (ifSnaplen[0] > 0 && ifSnaplen[0] < caplen) {
            caplen = ifSnaplen[0];
        }
        if (caplen > PcapFormat.MAX_SNAPLEN) {
            throw new PcapFormatException(file, start, "pcapng simple packet block of " + caplen
                    + " captured bytes, over the maximum " + PcapFormat.MAX_SNAPLEN);
        }
        if (into != null) {
            ensure(start, SPB_FIXED + caplen);
            // An SPB has no timestamp: it keeps the previous packet's, so time never runs backwards.
            into.set(window, at(start) + SPB_FIXED, caplen, wirelen, lastTimestampNanos, ifLinkType[0]);
        }
        return true;
    }

    private long toNanos(long ts, int iface) {
        int exp = ifExponent[iface];
        long nanos;
        if (ifBinary[iface]) {
            long seconds = ts >>> exp;
            long fraction = exp == 0 ? 0 : ts & ((1L << exp) - 1);
            long lo = fraction * PcapFormat.NANOS_PER_SECOND;
            long hi = Math.multiplyHigh(fraction, PcapFormat.NANOS_PER_SECOND);
            long fracNanos = exp == 0 ? 0 : (hi << (64 - exp)) | (lo >>> exp);
            nanos = seconds * PcapFormat.NANOS_PER_SECOND + fracNanos;
        } else if (exp <= 9) {
            nanos = ts * POW10[9 - exp];
        } else {
            nanos = Long.divideUnsigned(ts, POW10[exp - 9]);
        }
        return nanos + ifOffsetNanos[iface];
    }

    /** True if {@code n} bytes from {@code start} are in the file; else marks a torn tail (if any bytes remain). */
    private boolean available(long start, long n) throws IOException {
        if (size - start >= n) {
            return true;
        }
        size = channel.size(); // the file may have grown since we looked
        if (size - start >= n) {
            return true;
        }
        truncatedTail = size > start;
        return false;
    }

    private void ensure(long start, int n) throws IOException {
        if (start >= windowStart && start + n <= windowStart + windowLength && window != null) {
            return;
        }
        map(start, (int) Math.max(n, Math.min(windowSize, size - start)));
    }

    private void map(long start, int length) throws IOException {
        window = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
        window.order(order);
        windowMapped.accept(window);
        windowStart = start;
        windowLength = length;
    }

    private int at(long fileOffset) {
        return (int) (fileOffset - windowStart);
    }

    /** Byte offset of the header of the record (or pcapng block) last returned by {@link #next}; -1 before. */
    public long recordOffset() {
        return recordOffset;
    }

    /**
     * Bytes from the start of the file to the end of the last whole record read (for pcapng: the last
     * whole block, packet or not): truncating a torn file to this keeps every whole record.
     */
    public long validLength() {
        return validLength;
    }

    /** True when {@link #next} returned false because the last record is cut short. */
    public boolean truncatedTail() {
        return truncatedTail;
    }

    /** Classic pcap's link type, or the first pcapng interface's (-1 if the file has none yet). */
    public int linkType() {
        return pcapng ? firstLinkType : classicLinkType;
    }

    public boolean isPcapng() {
        return pcapng;
    }

    /** The file being read, for messages. */
    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        window = null;
        channel.close();
    }
}
