package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The answer to a delivery on {@code POST /api/ingest/events}: lines received, events indexed, each
 * rejected line with why, and each indexed line with parts of its alert kept unindexed (moved into
 * its {@code unindexed_fields}) because they conflicted.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IngestReport(int received, int indexed, List<Rejected> rejected, List<Unindexed> unindexed) {

    /** A line refused on its own: its number in the body (1-based, blank lines counted) and why. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Rejected(int line, String error) {}

    /** An indexed line whose alert's {@code fields} (dotted paths; {@code *}: all but what finds its flow) are unindexed. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Unindexed(int line, List<String> fields) {}
}
