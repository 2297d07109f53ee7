package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The body of {@code POST /rest/merges/}: results merged by packet time into one pcap; {@code
 * dedup}: drop a packet whose bytes came at most {@code dedup_window_us} microseconds before it
 * (absent: {@code flowtrap.results.dedup-window}), the same frame captured on two sensors.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MergeRequest(List<ResultRef> inputs, Boolean dedup, @JsonProperty("dedup_window_us") Long dedupWindowMicros) {}
