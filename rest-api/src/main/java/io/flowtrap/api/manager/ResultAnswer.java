package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A result made of others ({@code kind} merge or filter): its inputs, the filter or the duplicate
 * window, the packets read and written ({@code duplicates} dropped by a dedup, {@code
 * other_link_type} left out of a merge), the pcap's summary (absent: no packet) and its download.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResultAnswer(String id, String kind, String analyst, String created, List<ResultRef> inputs, String filter,
        Boolean dedup, @JsonProperty("dedup_window_us") Long dedupWindowMicros, @JsonProperty("packets_in") long packetsIn,
        @JsonProperty("packets_out") long packetsOut, Long duplicates, @JsonProperty("other_link_type") Long otherLinkType,
        String message, CaptureSummary summary, String download) {}
