package io.flowtrap.manager.alerts.web;

import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.api.manager.AlertsPage;
import io.flowtrap.manager.alerts.AlertSearch;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * {@code GET /rest/rules/es/alerts_tail/?qfilter=Q&from_date=MS&to_date=MS&page=N&page_size=N}:
 * alerts matching a Lucene query string, newest first, as Scirius pages them:
 * {@code {"count", "next", "previous", "results"}} with each alert's {@code _id} and {@code host}.
 * The window defaults to the last 30 days. Elasticsearch down: 503; a query that does not parse: 400.
 */
@RestController
class AlertsTailController {
    static final int DEFAULT_PAGE_SIZE = 30;
    static final int MAX_PAGE_SIZE = 1000;
    private static final long DEFAULT_WINDOW_MILLIS = Duration.ofDays(30).toMillis();

    private final AlertSearch search;

    AlertsTailController(AlertSearch search) {
        this.search = search;
    }

    @GetMapping({"/rest/rules/es/alerts_tail/", "/rest/rules/es/alerts_tail"})
    AlertsPage alertsTail(
            @RequestParam(name = "qfilter", required = false) String qfilter,
            @RequestParam(name = "from_date", required = false) Long fromDate,
            @RequestParam(name = "to_date", required = false) Long toDate,
            @RequestParam(name = "page", defaultValue = "1") int page,
            @RequestParam(name = "page_size", defaultValue = "" + DEFAULT_PAGE_SIZE) int pageSize) {
        if (page < 1 || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new DomainException(Kind.INVALID, "bad paging", "page >= 1, 1 <= page_size <= " + MAX_PAGE_SIZE);
        }
        long to = toDate == null ? System.currentTimeMillis() : toDate;
        long from = fromDate == null ? to - DEFAULT_WINDOW_MILLIS : fromDate;
        if (from > to) {
            throw new DomainException(Kind.INVALID, "bad dates", "from_date is after to_date");
        }
        if ((long) page * pageSize > 10_000) {
            throw new DomainException(Kind.INVALID, "bad paging", "only the first 10,000 hits can be paged; narrow qfilter or the dates");
        }
        AlertSearch.Page result;
        try {
            result = search.search(qfilter, from, to, page, pageSize);
        } catch (AlertSearch.BadQuery e) {
            throw new DomainException(Kind.INVALID, "bad qfilter", e.getMessage(), e);
        } catch (IOException e) {
            throw new DomainException(Kind.UNAVAILABLE, "alert search unavailable",
                    "Elasticsearch cannot be reached: " + e.getMessage(), e);
        }
        List<ObjectNode> hits = result.hits();
        return new AlertsPage(result.total(), (long) page * pageSize < result.total() ? pageUrl(page + 1) : null,
                page > 1 ? pageUrl(page - 1) : null, hits);
    }

    private static String pageUrl(int page) {
        return ServletUriComponentsBuilder.fromCurrentRequest().replaceQueryParam("page", page).build().toUriString();
    }
}
