package io.flowtrap.store;

import java.time.Duration;

/**
 * How large the store may grow ({@code maxSizeBytes}, pcap and index files together), when a
 * segment is sealed (size or age in packet time), and the largest packet kept whole
 * ({@code snaplen}: longer packets are cut to it, their wire length kept, as libpcap does).
 */
public record StoreConfig(long maxSizeBytes, long segmentMaxBytes, Duration segmentMaxAge, int snaplen) {
    /** Segment offsets are 32-bit in the index. */
    public static final long MAX_SEGMENT_BYTES = 2L << 30;
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
    }
}
