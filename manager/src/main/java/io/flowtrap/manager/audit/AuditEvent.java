package io.flowtrap.manager.audit;

import java.util.Map;
import org.springframework.data.annotation.Id;
import org.springframework.data.elasticsearch.annotations.Document;
import org.springframework.data.elasticsearch.annotations.Field;
import org.springframework.data.elasticsearch.annotations.WriteTypeHint;

/** One entry of the audit trail, as kept in Elasticsearch (schema audit-event.schema.json). */
@Document(indexName = "#{@stateIndices.name('audit')}", createIndex = false, writeTypeHint = WriteTypeHint.FALSE)
public record AuditEvent(@Id String id, @Field(name = "time_ms") long timeMs, String user, String action, Map<String, Object> details) {
    static final String KIND = "audit";

    public AuditEvent {
        details = details == null ? Map.of() : details;
    }
}
