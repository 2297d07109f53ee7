package io.flowtrap.manager.audit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An action to audit, published as a Spring application event by the feature that did it (outside
 * its locks, on the thread that acted), so features know this record and not the trail;
 * {@link AuditTrail} writes each one down.
 */
public record Audited(String user, String action, Map<String, Object> details) {
    public Audited {
        details = new LinkedHashMap<>(details == null ? Map.of() : details); // values may be null: left out downstream
    }
}
