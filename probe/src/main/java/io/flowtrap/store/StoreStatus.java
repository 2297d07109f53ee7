package io.flowtrap.store;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A snapshot of what the store holds: the sealed segments and the active one (its bytes, packets,
 * oldest and newest packet times, 0 when it holds none), which extraction reads too. Immutable.
 */
public record StoreStatus(
        Path dir,
        List<Segment> segments,
        long activeBytes,
        long activePackets,
        long activeOldestTimestamp,
        long activeNewestTimestamp,
        long maxSizeBytes,
        long rotatedHorizon,
        long rotatedSegments,
        long rotatedBytes) {

    public StoreStatus {
        segments = List.copyOf(segments);
    }

    /** Sealed pcap and index bytes plus the active segment's pcap bytes. */
    public long totalBytes() {
        long total = activeBytes;
        for (Segment s : segments) {
            total += s.sizeBytes();
        }
        return total;
    }

    public long packets() {
        long total = activePackets;
        for (Segment s : segments) {
            total += s.packets();
        }
        return total;
    }

    public long pcapBytes() {
        return segments.stream().mapToLong(Segment::pcapBytes).sum();
    }

    public long indexBytes() {
        return segments.stream().mapToLong(Segment::indexBytes).sum();
    }

    /** Flow entries summed over segments (a flow spanning k segments counts k times). */
    public long flowEntries() {
        return segments.stream().mapToLong(Segment::flows).sum();
    }

    /** The oldest packet held, sealed or in the active segment, ns; 0 if the store holds none. */
    public long oldestTimestamp() {
        long sealed = segments.stream().mapToLong(Segment::minTimestamp).min().orElse(0);
        if (activePackets == 0) {
            return sealed;
        }
        return sealed == 0 ? activeOldestTimestamp : Math.min(sealed, activeOldestTimestamp);
    }

    /** The newest packet held, sealed or in the active segment, ns; 0 if the store holds none. */
    public long newestTimestamp() {
        long sealed = segments.stream().mapToLong(Segment::maxTimestamp).max().orElse(0);
        return activePackets == 0 ? sealed : Math.max(sealed, activeNewestTimestamp);
    }

    /** One line, for error messages. */
    public String summary() {
        String rotated = rotatedHorizon == 0 ? "nothing rotated out yet"
                : "rotation has deleted packets up to " + time(rotatedHorizon);
        return segments.size() + " segments, " + packets() + " packets, " + totalBytes() + " bytes; " + rotated;
    }

    /** Several lines, {@code key: value}, for {@code store info}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("store: ").append(dir).append('\n');
        sb.append("segments: ").append(segments.size()).append('\n');
        sb.append("packets: ").append(packets()).append('\n');
        sb.append("flow entries: ").append(flowEntries()).append('\n');
        sb.append("bytes: ").append(totalBytes()).append(maxSizeBytes > 0 ? " of " + maxSizeBytes : "").append(" (pcap ")
                .append(pcapBytes()).append(", index ").append(indexBytes()).append(String.format(", %.2f%%)",
                        pcapBytes() == 0 ? 0.0 : 100.0 * indexBytes() / pcapBytes())).append('\n');
        if (packets() > 0) {
            sb.append("time range: ").append(time(oldestTimestamp())).append(" .. ").append(time(newestTimestamp()))
                    .append('\n');
        }
        sb.append("rotated out: ").append(rotatedSegments).append(" segments, ").append(rotatedBytes).append(" bytes")
                .append(rotatedHorizon == 0 ? "" : ", packets up to " + time(rotatedHorizon)).append('\n');
        for (Segment s : segments) {
            sb.append(String.format("  %s  %d packets  %d flows  %d+%d bytes  %s .. %s%n", s.pcap().getFileName(),
                    s.packets(), s.flows(), s.pcapBytes(), s.indexBytes(), time(s.minTimestamp()), time(s.maxTimestamp())));
        }
        return sb.toString().stripTrailing();
    }

    private static String time(long nanos) {
        return Instant.ofEpochSecond(0, nanos).toString();
    }
}
