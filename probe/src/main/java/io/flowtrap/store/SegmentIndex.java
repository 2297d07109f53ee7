package io.flowtrap.store;

import io.flowtrap.packet.FlowKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A segment's flow index: for each flow in the segment, where its packets lie in the pcap file.
 * Immutable once loaded; thread-safe.
 *
 * <p>Layout, format version 1, little-endian:
 * <pre>
 * header (64 bytes)
 *   [0]  magic "FTIX"           [4]  u16 version (1)     [6]  u16 0
 *   [8]  u32 pcap link type     [12] u32 flow count
 *   [16] u64 packet count       [24] u64 pcap length in bytes (the file this index covers)
 *   [32] i64 min timestamp ns   [40] i64 max timestamp ns
 *   [48] u64 postings offset    [56] u64 0
 * flow entries (flow count x 96 bytes), sorted by Community ID (unsigned bytes), then key
 *   [0]  20 bytes Community ID v1 digest (its first 8 bytes, big-endian, are the flow hash)
 *   [20] 44 bytes FlowKey (io.flowtrap.packet.FlowKey)
 *   [64] u32 packet count       [68] u32 postings length in bytes
 *   [72] i64 first timestamp    [80] i64 last timestamp
 *   [88] u64 postings start, relative to the postings offset
 * postings: per flow, the pcap offsets of its records' headers in increasing order, each written
 *   as the unsigned LEB128 varint of its difference from the previous one (the first from 0)
 * footer (8 bytes)
 *   u32 CRC32C of every byte before it, then magic "XITF"
 * </pre>
 * A pcap record header is 16 bytes, so one to three varint bytes per packet keep the index near
 * 1-2 % of the pcap for typical traffic; the per-flow entries cost 96 bytes per flow and segment.
 */
public final class SegmentIndex {
    public static final int VERSION = 1;
    static final int MAGIC = 0x58495446; // "FTIX" little-endian
    static final int FOOTER_MAGIC = 0x46544958; // "XITF"
    static final int HEADER_SIZE = 64;
    static final int ENTRY_SIZE = 96;
    static final int FOOTER_SIZE = 8;
    static final int CID = 0;
    static final int KEY = 20;
    static final int PACKETS = 64;
    static final int POSTINGS_LENGTH = 68;
    static final int FIRST_TS = 72;
    static final int LAST_TS = 80;
    static final int POSTINGS_START = 88;

    private final Path file;
    private final ByteBuffer bytes; // little-endian; only absolute reads, so shared by threads
    private final ByteBuffer bigEndian;
    private final int linkType;
    private final int flowCount;
    private final long packetCount;
    private final long pcapLength;
    private final long minTimestamp;
    private final long maxTimestamp;
    private final int postingsOffset;

    private SegmentIndex(Path file, ByteBuffer bytes, boolean checkCrc) throws CorruptIndexException {
        this.file = file;
        this.bytes = bytes;
        this.bigEndian = bytes.duplicate().order(ByteOrder.BIG_ENDIAN);
        int size = bytes.limit();
        if (size < HEADER_SIZE + FOOTER_SIZE) {
            throw new CorruptIndexException(file, "too short (" + size + " bytes)");
        }
        if (bytes.getInt(0) != MAGIC || bytes.getInt(size - 4) != FOOTER_MAGIC) {
            throw new CorruptIndexException(file, "not a flowtrap index (bad magic)");
        }
        int version = bytes.getShort(4) & 0xFFFF;
        if (version != VERSION) {
            throw new CorruptIndexException(file, "index format version " + version + ", this build reads " + VERSION);
        }
        if (checkCrc) {
            CRC32C crc = new CRC32C();
            crc.update(bytes.duplicate().position(0).limit(size - FOOTER_SIZE));
            if ((int) crc.getValue() != bytes.getInt(size - FOOTER_SIZE)) {
                throw new CorruptIndexException(file, "checksum mismatch");
            }
        }
        linkType = bytes.getInt(8);
        flowCount = bytes.getInt(12);
        packetCount = bytes.getLong(16);
        pcapLength = bytes.getLong(24);
        minTimestamp = bytes.getLong(32);
        maxTimestamp = bytes.getLong(40);
        long postings = bytes.getLong(48);
        if (flowCount < 0 || postings != HEADER_SIZE + (long) flowCount * ENTRY_SIZE || postings > size - FOOTER_SIZE) {
            throw new CorruptIndexException(file, "inconsistent header (" + flowCount + " flows, postings at " + postings + ")");
        }
        postingsOffset = (int) postings;
    }

    /** Loads and checks an index (magic, version, checksum, header consistency). */
    public static SegmentIndex load(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new CorruptIndexException(file, "larger than 2 GB");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // read it all
            }
            b.flip();
            return new SegmentIndex(file, b, true);
        }
    }

    /**
     * Maps an index read-only without reading it whole (for extraction: a lookup touches only the
     * pages its binary search and postings need). Checks the header, not the checksum: indexes were
     * checked at recovery, and every packet an extraction returns is verified against its flow.
     */
    public static SegmentIndex map(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new CorruptIndexException(file, "larger than 2 GB");
            }
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            return new SegmentIndex(file, b, false);
        }
    }

    /**
     * An index built in memory ({@link SegmentIndexBuilder#encode}), for the segment being
     * written; {@code file} names it in messages only. Header checked, checksum not.
     */
    static SegmentIndex inMemory(Path file, ByteBuffer bytes) throws CorruptIndexException {
        return new SegmentIndex(file, bytes.order(ByteOrder.LITTLE_ENDIAN), false);
    }

    /** The bytes read: for {@link Segments}, which unmaps a mapped index when its segment goes. */
    ByteBuffer buffer() {
        return bytes;
    }

    public Path file() {
        return file;
    }

    public int linkType() {
        return linkType;
    }

    public int flowCount() {
        return flowCount;
    }

    public long packetCount() {
        return packetCount;
    }

    public long pcapLength() {
        return pcapLength;
    }

    public long minTimestamp() {
        return minTimestamp;
    }

    public long maxTimestamp() {
        return maxTimestamp;
    }

    public long sizeBytes() {
        return bytes.limit();
    }

    /** The first entry whose flow hash is {@code hash}, or -1 (binary search). */
    public int firstEntry(long hash) {
        int lo = 0;
        int hi = flowCount - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(hash(mid), hash);
            if (c < 0) {
                lo = mid + 1;
            } else {
                if (c == 0) {
                    found = mid;
                }
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The flow hash (first 8 Community ID bytes, big-endian) of an entry. */
    public long hash(int entry) {
        return bigEndian.getLong(entryOffset(entry) + CID);
    }

    public void copyCommunityId(int entry, byte[] dst, int off) {
        bytes.get(entryOffset(entry) + CID, dst, off, 20);
    }

    public void copyKey(int entry, byte[] dst, int off) {
        bytes.get(entryOffset(entry) + KEY, dst, off, FlowKey.SIZE);
    }

    public int packets(int entry) {
        return bytes.getInt(entryOffset(entry) + PACKETS);
    }

    public long firstTimestamp(int entry) {
        return bytes.getLong(entryOffset(entry) + FIRST_TS);
    }

    public long lastTimestamp(int entry) {
        return bytes.getLong(entryOffset(entry) + LAST_TS);
    }

    /**
     * Decodes an entry's postings into {@code out} (grown if needed) and returns it; the count is
     * {@link #packets(int)}. Throws CorruptIndexException if the postings run past their bounds.
     */
    public long[] postings(int entry, long[] out) throws CorruptIndexException {
        int base = entryOffset(entry);
        ByteBuffer le = bytes;
        int count = le.getInt(base + PACKETS);
        int length = le.getInt(base + POSTINGS_LENGTH);
        long start = le.getLong(base + POSTINGS_START);
        long from = postingsOffset + start;
        long to = from + length;
        if (count < 0 || length < 0 || start < 0 || to > bytes.limit() - FOOTER_SIZE) {
            throw new CorruptIndexException(file, "entry " + entry + " points outside the postings");
        }
        long[] result = out != null && out.length >= count ? out : new long[Math.max(count, 16)];
        int p = (int) from;
        long offset = 0;
        for (int i = 0; i < count; i++) {
            long delta = 0;
            int shift = 0;
            while (true) {
                if (p >= to || shift > 35) {
                    throw new CorruptIndexException(file, "entry " + entry + " has truncated postings");
                }
                int b = bytes.get(p++);
                delta |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    break;
                }
                shift += 7;
            }
            offset += delta;
            result[i] = offset;
        }
        return result;
    }

    private int entryOffset(int entry) {
        if (entry < 0 || entry >= flowCount) {
            throw new IndexOutOfBoundsException("entry " + entry + " of " + flowCount + " in " + file);
        }
        return HEADER_SIZE + entry * ENTRY_SIZE;
    }

    /** An index file that cannot be trusted: it is rebuilt from its pcap at recovery. */
    public static final class CorruptIndexException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptIndexException(Path file, String reason) {
            super("index " + file + ": " + reason);
        }
    }
}
