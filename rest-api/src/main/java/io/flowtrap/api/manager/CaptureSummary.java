package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a finished capture's pcap holds, as capinfos says it: the file's name and size, packets,
 * data size (the packets' captured bytes), first and last packet, the time between them, the data
 * rate over it (bytes/s and bits/s; 0 for one packet), the average packet size, and the SHA-256.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CaptureSummary(@JsonProperty("file_name") String fileName, @JsonProperty("file_size") long fileSize,
        long packets, @JsonProperty("data_size") long dataSize, @JsonProperty("first_ts") String firstTs,
        @JsonProperty("last_ts") String lastTs, @JsonProperty("duration_s") double durationSeconds,
        @JsonProperty("data_rate_bytes_s") double dataRateBytesPerSecond,
        @JsonProperty("data_rate_bits_s") double dataRateBitsPerSecond,
        @JsonProperty("average_packet_size") double averagePacketSize, String sha256) {

    /** The summary of {@code packets} packets of {@code dataSize} bytes, first and last at these ns times. */
    public static CaptureSummary of(String fileName, long fileSize, long packets, long dataSize, long firstNanos,
            long lastNanos, String sha256) {
        double seconds = (lastNanos - firstNanos) / 1e9;
        double rate = seconds > 0 ? dataSize / seconds : 0;
        return new CaptureSummary(fileName, fileSize, packets, dataSize, Instants.ofNanos(firstNanos),
                Instants.ofNanos(lastNanos), seconds, rate, rate * 8, packets == 0 ? 0 : (double) dataSize / packets, sha256);
    }
}
