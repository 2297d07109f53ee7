package io.flowtrap.store;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sealed segment: a pcap file and its index, named by a sequence number that orders segments by
 * the time they were written ({@code segment-0000000000000042.pcap} / {@code .idx}). While written,
 * the pcap has a hidden name ({@code .segment-…pcap.active}) and the index a temporary one
 * ({@code …idx.tmp}); both are renamed only after their bytes are on disk. Immutable.
 */
public record Segment(
        long sequence,
        Path pcap,
        Path index,
        long pcapBytes,
        long indexBytes,
        long packets,
        int flows,
        long minTimestamp,
        long maxTimestamp,
        int linkType) {

    private static final Pattern SEALED_PCAP = Pattern.compile("segment-(\\d{16})\\.pcap");
    private static final Pattern SEALED_INDEX = Pattern.compile("segment-(\\d{16})\\.idx");
    private static final Pattern ACTIVE = Pattern.compile("\\.segment-(\\d{16})\\.pcap\\.active");

    public long sizeBytes() {
        return pcapBytes + indexBytes;
    }

    /** Whether the segment may hold packets stamped within [from, to]. */
    public boolean overlaps(long fromNanos, long toNanos) {
        return maxTimestamp >= fromNanos && minTimestamp <= toNanos;
    }

    static Segment of(long sequence, Path pcap, Path indexFile, SegmentIndex index) {
        return new Segment(sequence, pcap, indexFile, index.pcapLength(), index.sizeBytes(), index.packetCount(),
                index.flowCount(), index.minTimestamp(), index.maxTimestamp(), index.linkType());
    }

    static String pcapName(long sequence) {
        return String.format("segment-%016d.pcap", sequence);
    }

    static String indexName(long sequence) {
        return String.format("segment-%016d.idx", sequence);
    }

    static String activeName(long sequence) {
        return String.format(".segment-%016d.pcap.active", sequence);
    }

    /** The sequence of a sealed pcap's file name, or -1. */
    static long sealedPcapSequence(String name) {
        return sequence(SEALED_PCAP.matcher(name));
    }

    static long sealedIndexSequence(String name) {
        return sequence(SEALED_INDEX.matcher(name));
    }

    static long activeSequence(String name) {
        return sequence(ACTIVE.matcher(name));
    }

    private static long sequence(Matcher m) {
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
