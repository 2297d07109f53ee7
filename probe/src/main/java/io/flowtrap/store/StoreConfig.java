package io.flowtrap.store;

import java.time.Duration;

/**
 * How large the store may grow ({@code maxSizeBytes}, pcap and index files together), when a
 * segment is sealed (size or age in packet time), the largest packet kept whole ({@code snaplen}:
 * longer packets are cut to it, their wire length kept, as libpcap does), and how many bytes of
 * packets may wait between the capture thread and the store's writer ({@code writeBufferBytes}: the
 * {@link PacketHandoff}, allocated up front; when it is full a live capture loses packets, counted).
 */
public record StoreConfig(long maxSizeBytes, long segmentMaxBytes, Duration segmentMaxAge, int snaplen,
        long writeBufferBytes) {
    /** Segment offsets are 32-bit in the index. */
    public static final long MAX_SEGMENT_BYTES = 2L << 30;
    /**
     * The write buffer of {@link #StoreConfig(long, long, Duration, int)}: enough for a producer that
     * waits for room ({@link BackpressurePolicy#WAIT}: replays, tools, tests). A live capture sets
     * its own (the probe's {@code store.write-buffer}, 64 MB by default: half a second of 1 Gbit/s).
     */
    public static final long DEFAULT_WRITE_BUFFER_BYTES = 4L << 20;
    private static final long MIN_SEGMENT_BYTES = 64 * 1024;

    public StoreConfig {
        if (segmentMaxBytes < MIN_SEGMENT_BYTES || segmentMaxBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segment size must be between 64KB and 2GB, not " + segmentMaxBytes + " bytes");
        }
        if (maxSizeBytes < 2 * segmentMaxBytes) {
            throw new IllegalArgumentException("the store's max size (" + maxSizeBytes
                    + " bytes) must hold at least two segments of " + segmentMaxBytes + " bytes");
        }
        if (segmentMaxAge == null || segmentMaxAge.isNegative() || segmentMaxAge.isZero()) {
            throw new IllegalArgumentException("segment age must be positive");
        }
        if (snaplen < 64 || snaplen > io.flowtrap.pcap.PcapFormat.MAX_SNAPLEN) {
            throw new IllegalArgumentException("snaplen must be between 64 and 262144, not " + snaplen);
        }
        // two: wherever the ring's write position is, a largest record then fits before its end or after its start
        long smallest = 2 * PacketHandoff.recordSize(snaplen);
        if (writeBufferBytes < smallest || writeBufferBytes > PacketHandoff.MAX_CAPACITY) {
            throw new IllegalArgumentException("the store's write buffer must hold two packets of the snaplen ("
                    + smallest + " bytes) and be at most " + PacketHandoff.MAX_CAPACITY + " bytes, not "
                    + writeBufferBytes + " bytes");
        }
    }

    /** With the default write buffer ({@link #DEFAULT_WRITE_BUFFER_BYTES}). */
    public StoreConfig(long maxSizeBytes, long segmentMaxBytes, Duration segmentMaxAge, int snaplen) {
        this(maxSizeBytes, segmentMaxBytes, segmentMaxAge, snaplen, DEFAULT_WRITE_BUFFER_BYTES);
    }
}
