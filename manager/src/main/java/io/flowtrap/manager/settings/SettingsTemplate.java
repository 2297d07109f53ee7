package io.flowtrap.manager.settings;

import java.util.Map;
import org.springframework.data.annotation.Id;
import org.springframework.data.elasticsearch.annotations.Document;
import org.springframework.data.elasticsearch.annotations.Field;
import org.springframework.data.elasticsearch.annotations.WriteTypeHint;

/** A named set of probe settings (every {@link Setting} by key, written canonically), as kept in Elasticsearch. */
@Document(indexName = "#{@stateIndices.name('settings-templates')}", createIndex = false, writeTypeHint = WriteTypeHint.FALSE)
public record SettingsTemplate(@Id String name, Map<String, String> values, @Field(name = "updated_ms") long updatedMs,
        @Field(name = "updated_by") String updatedBy) {
    static final String KIND = "settings-templates";

    public SettingsTemplate {
        values = Map.copyOf(values);
    }
}
