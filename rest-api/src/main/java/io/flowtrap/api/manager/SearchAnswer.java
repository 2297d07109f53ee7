package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One search as the manager answers it (a search document): what was asked, where it stands
 * ({@code queued, running, done, failed, cancelled}), each probe's part, and when done with packets
 * the merged pcap's summary and where to download it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SearchAnswer(String id, String analyst, String filter, String from, String to, List<String> probes,
        String state, String created, String ended, String message, List<Part> parts, CaptureSummary summary,
        String download) {

    /**
     * One probe's part: its state, its place in the probe's queue (searches ahead of it), what the
     * manifest says the window covers, its progress while running, its result or why it failed, and
     * the calls made (and why earlier ones were retried).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Part(String probe, String state, @JsonProperty("queue_position") Integer queuePosition,
            @JsonProperty("window_segments") Long windowSegments, @JsonProperty("window_bytes") Long windowBytes,
            Progress progress, Long packets, Long bytes, String sha256, int attempts,
            @JsonProperty("retry_reasons") List<String> retryReasons, String error) {}

    /** "Currently processing": segments and bytes read of the total, the packet time reached. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Progress(@JsonProperty("segments_read") long segmentsRead, long segments,
            @JsonProperty("bytes_read") long bytesRead, long bytes, @JsonProperty("packet_ts") String packetTs) {}
}
