package io.flowtrap.manager.searches.web;

import io.flowtrap.api.manager.SearchAnswer;
import io.flowtrap.api.manager.SearchRequest;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.searches.Searches;
import io.flowtrap.manager.web.GuiPages;
import java.io.IOException;
import java.nio.file.Files;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The Searches pages, calling {@link Searches} directly (what the REST API does, with the signed-in
 * user as the analyst). {@code GET /searches}: the start form (filter, a window in UTC that
 * defaults to the last hour, the probes) above every analyst's searches, newest first ("currently
 * processing": each probe's part, its queue position or progress, its packets, retries and error).
 * {@code POST /searches} starts one and shows its page; one the manager refuses comes back filled
 * in with the manager's own words. {@code GET /searches/<id>}: one search. While a search has not
 * ended, assets/search-progress.js fetches the page again every second and swaps its live part in.
 * {@code POST /searches/<id>/cancel} (back to the list or the search); {@code GET
 * /searches/<id>/download?probe=} hands the pcap over, as {@code /rest/searches/<id>/download/}
 * does for a key (audited: {@code search.download}).
 */
final class SearchPages {
    private static final MediaType PCAP = MediaType.parseMediaType("application/vnd.tcpdump.pcap");
    private static final Duration DEFAULT_WINDOW = Duration.ofHours(1);

    private final Searches searches;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    SearchPages(Searches searches, ApplicationEventPublisher events, Clock clock) {
        this.searches = searches;
        this.events = events;
        this.clock = clock;
    }

    ServerResponse list(ServerRequest request) {
        Map<String, Object> model = GuiPages.model(request);
        model.put("form", Form.lastHour(clock.instant(), searches.probeNames()));
        request.param("error").ifPresent(e -> model.put("message", e));
        return list(model, HttpStatus.OK);
    }

    private ServerResponse list(Map<String, Object> model, HttpStatus status) {
        List<SearchAnswer> rows = searches.list().results();
        model.put("rows", rows);
        model.put("probes", searches.probeNames());
        model.put("live", rows.stream().anyMatch(SearchPages::active));
        return ServerResponse.status(status).render("searches", model);
    }

    ServerResponse create(ServerRequest request) {
        Map<String, Object> model = GuiPages.model(request);
        Form form = Form.of(request);
        model.put("form", form);
        if (form.filter().isBlank()) {
            model.put("message", "A search needs a filter (BPF, as tcpdump takes it).");
            return list(model, HttpStatus.BAD_REQUEST);
        }
        if (form.probes().isEmpty()) {
            model.put("message", "Choose at least one probe to search.");
            return list(model, HttpStatus.BAD_REQUEST);
        }
        SearchAnswer created;
        try {
            created = searches.create(new SearchRequest(form.filter().strip(), utc(form.from()), utc(form.to()), form.probes(), null),
                    user(request));
        } catch (DomainException e) {
            model.put("message", e.error() + ": " + e.detail());
            return list(model, GuiPages.status(e.kind()));
        }
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, "/searches/" + created.id()).build();
    }

    ServerResponse detail(ServerRequest request) {
        Map<String, Object> model = GuiPages.model(request);
        SearchAnswer s;
        try {
            s = searches.get(request.pathVariable("id"));
        } catch (DomainException e) {
            model.put("message", e.detail());
            return ServerResponse.status(GuiPages.status(e.kind())).render("search", model);
        }
        model.put("s", s);
        model.put("live", active(s));
        request.param("error").ifPresent(e -> model.put("message", e));
        return ServerResponse.ok().render("search", model);
    }

    ServerResponse cancel(ServerRequest request) {
        String id = request.pathVariable("id");
        boolean toList = request.param("back").map("list"::equals).orElse(false);
        try {
            searches.cancel(id, user(request));
        } catch (DomainException e) {
            return back(id, toList, e.detail());
        }
        return back(id, toList, null);
    }

    ServerResponse download(ServerRequest request) throws IOException {
        String id = request.pathVariable("id");
        String probe = request.param("probe").filter(p -> !p.isBlank()).orElse(null);
        Searches.Download d;
        try {
            d = searches.download(id, probe);
        } catch (DomainException e) {
            return back(id, false, e.detail());
        }
        if (!Files.isRegularFile(d.file())) {
            return back(id, false, "The pcap of search " + id + " is gone.");
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("id", id);
        details.put("probe", probe); // null: the merged result
        details.put("file", d.fileName());
        events.publishEvent(new Audited(user(request), "search.download", details));
        return ServerResponse.ok().contentType(PCAP).contentLength(Files.size(d.file()))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(d.fileName()).build().toString())
                .body(new FileSystemResource(d.file()));
    }

    /** Not ended yet: queued or running. */
    static boolean active(SearchAnswer s) {
        return "queued".equals(s.state()) || "running".equals(s.state());
    }

    /** The list or the search's page, saying {@code error} if not null (a redirect: a reload repeats nothing). */
    private static ServerResponse back(String id, boolean toList, String error) {
        UriComponentsBuilder to = UriComponentsBuilder.fromPath(toList ? "/searches" : "/searches/{id}");
        if (error != null) {
            to.queryParam("error", "{error}");
        }
        Object[] values = toList ? (error == null ? new Object[0] : new Object[] {error})
                : (error == null ? new Object[] {id} : new Object[] {id, error});
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION,
                to.buildAndExpand(values).encode().toUriString()).build();
    }

    /**
     * A time as typed, for the manager: {@code 2026-12-01 18:00:00} (or with a {@code T}) is UTC;
     * one with a zone or {@code Z} is as written; anything else is handed on for the manager to refuse.
     */
    static String utc(String typed) {
        String t = typed.strip().replace(' ', 'T');
        return t.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?") ? t + (t.length() == 16 ? ":00Z" : "Z") : t;
    }

    private static String user(ServerRequest request) {
        return request.principal().map(Principal::getName).orElseThrow();
    }



    /** The start form's fields as typed (so a refused one comes back filled in). */
    record Form(String filter, String from, String to, List<String> probes) {
        /** No filter, the last hour (to the second, UTC), every probe. */
        static Form lastHour(Instant now, List<String> probes) {
            Instant to = now.truncatedTo(ChronoUnit.SECONDS);
            return new Form("", to.minus(DEFAULT_WINDOW).toString(), to.toString(), probes);
        }

        static Form of(ServerRequest request) {
            return new Form(request.param("filter").orElse(""), request.param("from").orElse(""), request.param("to").orElse(""),
                    request.params().getOrDefault("probes", List.of()));
        }
    }
}
