package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The body of {@code POST /rest/captures/}: a named capture of what {@code filter} keeps on
 * {@code probes} (absent or empty: every probe) for {@code duration} seconds (absent: 300) or until
 * {@code max_packets} packets (absent: 100; 0: no packet limit), whichever comes first. {@code
 * queue}: wait for a capture running on one of the probes instead of being refused (409). {@code
 * analyst}: only for a key no user owns (a shared service key); otherwise the key's or the login's user.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CaptureRequest(String name, String description, String filter, List<String> probes, Long duration,
        @JsonProperty("max_packets") Long maxPackets, List<String> tags, Boolean queue, String analyst) {}
