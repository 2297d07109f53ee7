package io.flowtrap.manager.audit.web;

import io.flowtrap.manager.audit.AuditEvent;
import io.flowtrap.manager.audit.AuditTrail;
import io.flowtrap.manager.errors.DomainException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.domain.Page;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/** {@code GET /audit?page=N} (admins only, by the security chain): the audit trail, newest first, {@value #PAGE_SIZE} a page. */
final class AuditPages {
    static final int PAGE_SIZE = 50;

    private final AuditTrail trail;

    AuditPages(AuditTrail trail) {
        this.trail = trail;
    }

    /** An entry as shown. */
    record Row(String time, String user, String action, String details) {
        static Row of(AuditEvent e) {
            return new Row(Instant.ofEpochMilli(e.timeMs()).toString(), e.user(), e.action(), e.details().toString());
        }
    }

    ServerResponse audit(ServerRequest request) {
        Map<String, Object> model = new HashMap<>();
        model.put("user", request.principal().map(p -> p.getName()).orElse(""));
        int page;
        try {
            page = Math.max(0, Integer.parseInt(request.param("page").orElse("0")));
        } catch (NumberFormatException e) {
            page = 0;
        }
        model.put("page", page);
        try {
            Page<AuditEvent> events = trail.newestFirst(page, PAGE_SIZE);
            model.put("rows", events.getContent().stream().map(Row::of).toList());
            model.put("total", events.getTotalElements());
            model.put("hasNext", events.hasNext());
        } catch (DomainException e) {
            model.put("message", e.getMessage() + ": " + e.detail());
            model.put("rows", List.of());
            model.put("total", 0L);
            model.put("hasNext", false);
        }
        return ServerResponse.ok().render("audit", model);
    }
}
