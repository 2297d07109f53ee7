package io.flowtrap.store;

import io.flowtrap.packet.FlowKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Collects what a segment's {@link SegmentIndex} will say while its packets are written: one
 * (flow, offset) pair per packet in flat arrays, flows found through an open-addressing table.
 * The arrays are kept across segments ({@link #reset()}), so steady-state appends allocate nothing;
 * sorting and encoding happen once, at {@link #write}. Not thread-safe.
 */
final class SegmentIndexBuilder {
    private static final int CID = 20;

    private byte[] cids = new byte[CID * 1024];
    private byte[] keys = new byte[FlowKey.SIZE * 1024];
    private int[] counts = new int[1024];
    private long[] firstTs = new long[1024];
    private long[] lastTs = new long[1024];
    private int[] table = new int[2048];
    private int flowCount;

    private int[] packetFlow = new int[1 << 16];
    private int[] packetOffset = new int[1 << 16];
    private int packetCount;
    private long minTs = Long.MAX_VALUE;
    private long maxTs = Long.MIN_VALUE;

    void reset() {
        Arrays.fill(table, 0);
        flowCount = 0;
        packetCount = 0;
        minTs = Long.MAX_VALUE;
        maxTs = Long.MIN_VALUE;
    }

    int packetCount() {
        return packetCount;
    }

    int flowCount() {
        return flowCount;
    }

    /** Where the record of the {@code packet}-th packet added since {@link #reset()} starts in the pcap. */
    long recordOffset(int packet) {
        return packetOffset[packet] & 0xFFFF_FFFFL;
    }

    long minTimestamp() {
        return minTs;
    }

    long maxTimestamp() {
        return maxTs;
    }

    /** Records one packet written at {@code recordOffset} of the pcap. */
    void add(byte[] cid, int cidOffset, byte[] key, int keyOffset, long recordOffset, long timestampNanos) {
        int flow = flowOf(cid, cidOffset, key, keyOffset, timestampNanos);
        counts[flow]++;
        if (timestampNanos < firstTs[flow]) {
            firstTs[flow] = timestampNanos;
        }
        if (timestampNanos > lastTs[flow]) {
            lastTs[flow] = timestampNanos;
        }
        if (packetCount == packetFlow.length) {
            packetFlow = Arrays.copyOf(packetFlow, packetCount * 2);
            packetOffset = Arrays.copyOf(packetOffset, packetCount * 2);
        }
        packetFlow[packetCount] = flow;
        packetOffset[packetCount] = (int) recordOffset;
        packetCount++;
        minTs = Math.min(minTs, timestampNanos);
        maxTs = Math.max(maxTs, timestampNanos);
    }

    private int flowOf(byte[] cid, int cidOffset, byte[] key, int keyOffset, long ts) {
        int mask = table.length - 1;
        int i = slotOf(cid, cidOffset) & mask;
        while (true) {
            int entry = table[i];
            if (entry == 0) {
                break;
            }
            int f = entry - 1;
            if (Arrays.equals(cids, f * CID, f * CID + CID, cid, cidOffset, cidOffset + CID)
                    && FlowKey.equals(keys, f * FlowKey.SIZE, key, keyOffset)) {
                return f;
            }
            i = (i + 1) & mask;
        }
        int f = flowCount++;
        if (f == counts.length) {
            int n = f * 2;
            cids = Arrays.copyOf(cids, n * CID);
            keys = Arrays.copyOf(keys, n * FlowKey.SIZE);
            counts = Arrays.copyOf(counts, n);
            firstTs = Arrays.copyOf(firstTs, n);
            lastTs = Arrays.copyOf(lastTs, n);
        }
        System.arraycopy(cid, cidOffset, cids, f * CID, CID);
        System.arraycopy(key, keyOffset, keys, f * FlowKey.SIZE, FlowKey.SIZE);
        counts[f] = 0;
        firstTs[f] = ts;
        lastTs[f] = ts;
        table[i] = f + 1;
        if (flowCount * 2 > table.length) {
            rehash();
        }
        return f;
    }

    private void rehash() {
        int[] bigger = new int[table.length * 2];
        int mask = bigger.length - 1;
        for (int f = 0; f < flowCount; f++) {
            int i = slotOf(cids, f * CID) & mask;
            while (bigger[i] != 0) {
                i = (i + 1) & mask;
            }
            bigger[i] = f + 1;
        }
        table = bigger;
    }

    /** Table position from the Community ID's first bytes: SHA-1 output, already uniform. */
    private static int slotOf(byte[] cid, int offset) {
        return (cid[offset] & 0xFF) << 24 | (cid[offset + 1] & 0xFF) << 16 | (cid[offset + 2] & 0xFF) << 8
                | (cid[offset + 3] & 0xFF);
    }

    /**
     * Writes the index for a pcap of {@code pcapLength} bytes to {@code file} and forces it to disk.
     * Returns the index's size in bytes.
     */
    long write(Path file, int linkType, long pcapLength) throws IOException {
        ByteBuffer out = encode(linkType, pcapLength);
        long size = out.remaining();
        StoreFiles.writeForced(file, out);
        return size;
    }

    /**
     * The index of what was added so far, for a pcap of {@code pcapLength} bytes, as the bytes of
     * its file (position 0, limit its size). Changes nothing here: adding may go on.
     */
    ByteBuffer encode(int linkType, long pcapLength) {
        Integer[] order = new Integer[flowCount];
        for (int f = 0; f < flowCount; f++) {
            order[f] = f;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Arrays.compareUnsigned(cids, a * CID, a * CID + CID, cids, b * CID, b * CID + CID);
            return c != 0 ? c : Arrays.compareUnsigned(keys, a * FlowKey.SIZE, (a + 1) * FlowKey.SIZE,
                    keys, b * FlowKey.SIZE, (b + 1) * FlowKey.SIZE);
        });
        // Counting sort of packets by flow, keeping write order (offsets increase) within a flow.
        int[] start = new int[flowCount + 1];
        for (int p = 0; p < packetCount; p++) {
            start[packetFlow[p] + 1]++;
        }
        for (int f = 0; f < flowCount; f++) {
            start[f + 1] += start[f];
        }
        int[] fill = Arrays.copyOf(start, flowCount);
        int[] byFlow = new int[packetCount];
        for (int p = 0; p < packetCount; p++) {
            byFlow[fill[packetFlow[p]]++] = packetOffset[p];
        }
        int postingsOffset = SegmentIndex.HEADER_SIZE + flowCount * SegmentIndex.ENTRY_SIZE;
        ByteBuffer out = ByteBuffer.allocate(postingsOffset + packetCount * 5 + SegmentIndex.FOOTER_SIZE)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0, SegmentIndex.MAGIC);
        out.putShort(4, (short) SegmentIndex.VERSION);
        out.putInt(8, linkType);
        out.putInt(12, flowCount);
        out.putLong(16, packetCount);
        out.putLong(24, pcapLength);
        out.putLong(32, packetCount == 0 ? 0 : minTs);
        out.putLong(40, packetCount == 0 ? 0 : maxTs);
        out.putLong(48, postingsOffset);
        int p = postingsOffset;
        for (int e = 0; e < flowCount; e++) {
            int f = order[e];
            int base = SegmentIndex.HEADER_SIZE + e * SegmentIndex.ENTRY_SIZE;
            out.put(base + SegmentIndex.CID, cids, f * CID, CID);
            out.put(base + SegmentIndex.KEY, keys, f * FlowKey.SIZE, FlowKey.SIZE);
            out.putInt(base + SegmentIndex.PACKETS, counts[f]);
            out.putLong(base + SegmentIndex.FIRST_TS, firstTs[f]);
            out.putLong(base + SegmentIndex.LAST_TS, lastTs[f]);
            out.putLong(base + SegmentIndex.POSTINGS_START, p - postingsOffset);
            int from = p;
            long previous = 0;
            for (int i = start[f]; i < start[f + 1]; i++) {
                long offset = byFlow[i] & 0xFFFFFFFFL;
                long delta = offset - previous;
                previous = offset;
                while ((delta & ~0x7FL) != 0) {
                    out.put(p++, (byte) ((delta & 0x7F) | 0x80));
                    delta >>>= 7;
                }
                out.put(p++, (byte) delta);
            }
            out.putInt(base + SegmentIndex.POSTINGS_LENGTH, p - from);
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, p);
        out.putInt(p, (int) crc.getValue());
        out.putInt(p + 4, SegmentIndex.FOOTER_MAGIC);
        out.position(0).limit(p + SegmentIndex.FOOTER_SIZE);
        return out;
    }
}
