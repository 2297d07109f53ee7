package io.flowtrap.manager.audit;

import io.flowtrap.manager.elasticsearch.StateIndices;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.syslog.SyslogMessage.Severity;
import io.flowtrap.manager.syslog.SystemLog;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Component;

/**
 * Records who did what (each {@link Audited} event any feature publishes) in Elasticsearch, with a copy
 * in the system log ({@link SystemLog}: RFC 5424, the details as structured data), and reads it
 * back newest first. Recording
 * never fails its caller (a sign-in or an apply must not fail for the audit): an entry that cannot
 * be written is logged with its content and counted in {@code flowtrap.audit.lost}. Thread-safe.
 */
@Component
public class AuditTrail {
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

    private final AuditEvents events;
    private final StateIndices indices;
    private final SystemLog systemLog;
    private final Counter lost;

    AuditTrail(AuditEvents events, StateIndices indices, SystemLog systemLog, MeterRegistry meters) {
        this.events = events;
        this.indices = indices;
        this.systemLog = systemLog;
        this.lost = Counter.builder("flowtrap.audit.lost").description("audit entries that could not be written to Elasticsearch")
                .register(meters);
    }

    /** Records that {@code user} did {@code action} now; {@code details} are the action's own (no secrets). */
    void record(String user, String action, Map<String, Object> details) {
        AuditEvent event = new AuditEvent(UUID.randomUUID().toString(), System.currentTimeMillis(), user == null ? "anonymous" : user,
                action, new LinkedHashMap<>(details == null ? Map.of() : details));
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("user", event.user());
        fields.putAll(event.details());
        systemLog.record(action, Severity.NOTICE, fields, event.user() + " " + action); // counted there when refused
        try {
            indices.call(Document.AUDIT_EVENT, AuditEvent.KIND, "record the audit entry", () -> events.save(event));
        } catch (DomainException e) {
            lost.increment();
            log.error("audit: entry not written ({}): user={} action={} details={}", e.detail(), event.user(), action, event.details());
        }
    }

    /** Records an {@link Audited} event published by a feature, on the publishing thread. */
    @EventListener
    public void on(Audited audited) {
        record(audited.user(), audited.action(), audited.details());
    }

    /** Page {@code page} (0 first) of {@code size} entries, newest first; UNAVAILABLE if Elasticsearch cannot be read. */
    public Page<AuditEvent> newestFirst(int page, int size) {
        return indices.call(Document.AUDIT_EVENT, AuditEvent.KIND, "read the audit trail",
                () -> events.findAll(PageRequest.of(page, size, Sort.by(Sort.Direction.DESC, "timeMs"))));
    }
}
