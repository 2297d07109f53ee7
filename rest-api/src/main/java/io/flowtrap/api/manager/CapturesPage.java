package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code GET /rest/captures/}: the captures asked for, newest first, and the retention limits in force. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CapturesPage(long count, List<CaptureAnswer> results, Retention retention) {

    /** Finished captures past these are deleted, oldest first; {@code total_bytes}: what results hold now. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Retention(@JsonProperty("max_count") int maxCount, @JsonProperty("max_age_s") long maxAgeSeconds,
            @JsonProperty("max_total_bytes") long maxTotalBytes, @JsonProperty("total_bytes") long totalBytes) {}
}
