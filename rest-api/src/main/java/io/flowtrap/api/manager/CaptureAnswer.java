package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One capture as the manager answers it ({@code POST /rest/captures/}, its detail, stop): what was
 * asked, who asked, where it stands ({@code state}: queued, running, carving, done, failed,
 * deleted), its window once it ended (the times the result's packets lie in), why it ended, each
 * probe's result, the merged result's summary and download, or {@code message} ("no packets
 * matched", a failure's reason); {@code expires}: when the age limit deletes it, and {@code
 * deleted}: when and why retention or a user deleted its result. Absent fields are left out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CaptureAnswer(String id, String name, String description, String analyst, String filter,
        List<String> probes, @JsonProperty("duration_s") long durationSeconds, @JsonProperty("max_packets") long maxPackets,
        List<String> tags, String state, String created, String started, String ended,
        @JsonProperty("end_reason") String endReason, @JsonProperty("window_from") String windowFrom,
        @JsonProperty("window_to") String windowTo, @JsonProperty("file_name") String fileName,
        @JsonProperty("packets_seen") Long packetsSeen, String message,
        @JsonProperty("probe_results") List<ProbeResult> probeResults, CaptureSummary summary, String download,
        String expires, Deleted deleted) {

    /** What one probe's store gave: packets, bytes, first and last packet, the SHA-256 of its pcap, or why it failed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ProbeResult(String probe, long packets, long bytes, @JsonProperty("first_ts") String firstTs,
            @JsonProperty("last_ts") String lastTs, String sha256, String error) {}

    /** When the result was deleted and why (retention's limit, or a user). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Deleted(String at, String reason) {}
}
