package io.flowtrap.manager.watchlists.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.WatchlistAnswer;
import io.flowtrap.api.manager.WatchlistRequest;
import io.flowtrap.api.manager.WatchlistsPage;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.watchlists.Watchlists;
import io.flowtrap.manager.web.JsonRequests;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.security.Principal;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /rest/watchlists/}: {@code POST} loads one (201: entries loaded, lines refused, each probe's
 * trigger), {@code GET} lists, {@code GET <name>/} details (with its entries' capture sessions),
 * {@code POST <name>/reload/} replaces its list (body as a load's, or none: its file again),
 * {@code DELETE <name>/} removes it and its triggers.
 */
@RestController
class WatchlistsController {
    /** The largest list a probe takes, and room for the rest of the request. */
    private static final int MAX_BODY = Watchlists.MAX_TEXT_CHARS + 64 * 1024;

    private final Watchlists watchlists;
    private final ObjectMapper json;
    private final ApplicationEventPublisher events;

    WatchlistsController(Watchlists watchlists, ObjectMapper json, ApplicationEventPublisher events) {
        this.watchlists = watchlists;
        this.json = json;
        this.events = events;
    }

    private WatchlistAnswer audited(Principal caller, String action, WatchlistAnswer answer) {
        return WatchlistAudit.audited(events, caller == null ? null : caller.getName(), action, answer);
    }

    @PostMapping({"/rest/watchlists/", "/rest/watchlists"})
    ResponseEntity<WatchlistAnswer> load(@RequestBody(required = false) byte[] body, Principal caller) throws IOException {
        if (body == null || body.length == 0) {
            throw new DomainException(Kind.INVALID, "no watchlist",
                    "send a watchlist request as JSON: {\"name\", \"probes\", \"entries\" or \"file\"}");
        }
        return ResponseEntity.status(HttpStatus.CREATED).body(audited(caller, "watchlist.load", watchlists.load(request(body), user(caller))));
    }

    @GetMapping({"/rest/watchlists/", "/rest/watchlists"})
    WatchlistsPage list() {
        return watchlists.list();
    }

    @GetMapping({"/rest/watchlists/{name}/", "/rest/watchlists/{name}"})
    WatchlistAnswer detail(@PathVariable("name") String name) {
        return watchlists.get(name);
    }

    @PostMapping({"/rest/watchlists/{name}/reload/", "/rest/watchlists/{name}/reload"})
    WatchlistAnswer reload(@PathVariable("name") String name, @RequestBody(required = false) byte[] body, Principal caller)
            throws IOException {
        WatchlistRequest request = body == null || body.length == 0 ? null : request(body);
        if (request != null && request.name() != null && !request.name().equals(name)) {
            throw new DomainException(Kind.INVALID, "name differs", "the body names '" + request.name() + "', the path '" + name + "'");
        }
        if (request != null && request.probes() != null) {
            throw new DomainException(Kind.INVALID, "probes are kept", "a reload keeps the watchlist's probes:"
                    + " delete and load it again for others");
        }
        return audited(caller, "watchlist.reload", watchlists.reload(name, request, user(caller)));
    }

    @DeleteMapping({"/rest/watchlists/{name}/", "/rest/watchlists/{name}"})
    WatchlistAnswer delete(@PathVariable("name") String name, Principal caller) {
        return audited(caller, "watchlist.delete", watchlists.delete(name));
    }

    private static String user(Principal caller) {
        return caller == null ? "anonymous" : caller.getName();
    }

    private WatchlistRequest request(byte[] body) {
        return JsonRequests.read(json, body, DocumentSchema.Document.WATCHLIST_REQUEST, WatchlistRequest.class, "watchlist request",
                MAX_BODY);
    }
}
