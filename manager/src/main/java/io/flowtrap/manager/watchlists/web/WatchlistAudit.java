package io.flowtrap.manager.watchlists.web;

import io.flowtrap.api.manager.WatchlistAnswer;
import io.flowtrap.manager.audit.Audited;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;

/** What the REST API and the pages tell the audit trail of a load, reload or delete: the list, where from, its entries, each probe's outcome. */
final class WatchlistAudit {
    private WatchlistAudit() {}

    static WatchlistAnswer audited(ApplicationEventPublisher events, String user, String action, WatchlistAnswer answer) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", answer.name());
        details.put("source", answer.source());
        details.put("entries", answer.entries());
        details.put("refused_count", answer.refusedCount());
        details.put("probes", answer.probes().stream().map(p -> p.probe() + ": " + p.state()
                + (p.error() == null ? "" : " (" + p.error() + ")")).toList());
        events.publishEvent(new Audited(user, action, details));
        return answer;
    }
}
