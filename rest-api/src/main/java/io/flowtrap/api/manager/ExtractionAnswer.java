package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code extract_pcap}'s answer: the carve ({@code "extraction": "done"} with packets, bytes, first
 * and last packet time), or, with status 202, {@code "pending"} and a {@code detail}. Absent fields
 * are left out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExtractionAnswer(String extraction, String filename, Long packets, Long bytes,
        @JsonProperty("first_ts") String firstTs, @JsonProperty("last_ts") String lastTs, String detail) {

    public static ExtractionAnswer done(String job, long packets, long bytes, String firstTs, String lastTs) {
        return new ExtractionAnswer("done", job, packets, bytes, firstTs, lastTs, null);
    }

    public static ExtractionAnswer pending(String job, String detail) {
        return new ExtractionAnswer("pending", job, null, null, null, null, detail);
    }
}
