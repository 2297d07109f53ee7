package io.flowtrap.manager.audit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An action to audit, published as a Spring application event by a feature's domain code that
 * acts on its own (a capture that ends by its limits, retention that deletes) or that is tested
 * without Elasticsearch; {@link AuditTrail} records each one as {@link AuditTrail#record} would.
 */
public record Audited(String user, String action, Map<String, Object> details) {
    public Audited {
        details = new LinkedHashMap<>(details == null ? Map.of() : details); // values may be null: left out downstream
    }
}
