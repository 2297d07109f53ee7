package io.flowtrap.manager.settings;

import java.util.Map;
import org.springframework.data.annotation.Id;
import org.springframework.data.elasticsearch.annotations.Document;
import org.springframework.data.elasticsearch.annotations.Field;
import org.springframework.data.elasticsearch.annotations.WriteTypeHint;

/**
 * The template a probe follows, the settings it overrides, and what it last reported or accepted
 * ({@code reported}, empty: never heard), as kept in Elasticsearch.
 */
@Document(indexName = "#{@stateIndices.name('probe-settings')}", createIndex = false, writeTypeHint = WriteTypeHint.FALSE)
public record ProbeAssignment(@Id String probe, String template, Map<String, String> overrides, Map<String, String> reported,
        @Field(name = "reported_version") long reportedVersion, @Field(name = "reported_ms") long reportedMs,
        @Field(name = "updated_ms") long updatedMs) {
    static final String KIND = "probe-settings";

    public ProbeAssignment {
        overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        reported = reported == null ? Map.of() : Map.copyOf(reported);
    }

    ProbeAssignment withTemplate(String t) {
        return new ProbeAssignment(probe, t, overrides, reported, reportedVersion, reportedMs, System.currentTimeMillis());
    }

    ProbeAssignment withOverrides(Map<String, String> o) {
        return new ProbeAssignment(probe, template, o, reported, reportedVersion, reportedMs, System.currentTimeMillis());
    }

    ProbeAssignment withReported(Map<String, String> r, long version) {
        return new ProbeAssignment(probe, template, overrides, r, version, System.currentTimeMillis(), System.currentTimeMillis());
    }
}
