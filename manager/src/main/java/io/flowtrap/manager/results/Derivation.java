package io.flowtrap.manager.results;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.flowtrap.api.manager.CaptureSummary;
import io.flowtrap.api.manager.ResultRef;
import java.util.List;

/**
 * How a merge or a filter was made, as kept in its {@code result.json}: who and when, its inputs,
 * the filter or the duplicate window, the packets read and written ({@code duplicates} dropped by a
 * dedup, {@code other_link_type} left out of a merge), why it holds nothing ({@code message}), the
 * pcap's summary (absent: no packet) and the probes its packets came from.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Derivation(String id, String kind, String analyst, String created, List<ResultRef> inputs, String filter,
        Boolean dedup, @JsonProperty("dedup_window_us") Long dedupWindowMicros, @JsonProperty("packets_in") long packetsIn,
        @JsonProperty("packets_out") long packetsOut, Long duplicates, @JsonProperty("other_link_type") Long otherLinkType,
        String message, CaptureSummary summary, List<String> probes) {}
