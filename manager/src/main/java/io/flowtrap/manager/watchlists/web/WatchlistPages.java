package io.flowtrap.manager.watchlists.web;

import io.flowtrap.api.manager.WatchlistAnswer;
import io.flowtrap.api.manager.WatchlistRequest;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.watchlists.Watchlists;
import jakarta.servlet.http.Part;
import io.flowtrap.manager.web.GuiPages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.util.MultiValueMap;
import org.springframework.util.unit.DataSize;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The Watchlists pages, calling {@link Watchlists} directly (what the REST API does, audited the
 * same way, the signed-in user as who loads). {@code GET /watchlists}: every watchlist (entries
 * loaded, lines refused, each probe's trigger) and the load form: a name, the probes, and an
 * uploaded file (Emerging Threats or FireHOL format, at most spring.servlet.multipart.max-file-size:
 * assets/watchlist-upload.js stops a larger one with a message, as the manager refuses it unread) or the
 * bare name of a file of the watchlist directory; a refusal shows its words and keeps what was
 * typed. {@code GET /watchlists/<name>?from=}: its refused lines with their reasons, its entries
 * ({@value #PAGE} a page) and each entry's session (state, flows, times, probes); Reload (from its
 * file, or a new upload) and Delete (asks first) for analysts and admins, as the REST API allows.
 */
final class WatchlistPages {
    static final int PAGE = 100;

    private final Watchlists watchlists;
    private final ApplicationEventPublisher events;
    /** The largest file a form may upload (spring.servlet.multipart.max-file-size): the pages' script stops larger ones. */
    private final DataSize maxUpload;

    WatchlistPages(Watchlists watchlists, ApplicationEventPublisher events, DataSize maxUpload) {
        this.watchlists = watchlists;
        this.events = events;
        this.maxUpload = maxUpload;
    }

    ServerResponse list(ServerRequest request) {
        return list(request, model(request), HttpStatus.OK, Form.empty());
    }

    private ServerResponse list(ServerRequest request, Map<String, Object> model, HttpStatus status, Form form) {
        model.put("form", form);
        model.put("probes", watchlists.probeNames());
        model.put("directory", watchlists.directory().toString());
        request.param("deleted").ifPresent(name -> model.put("notice", "Watchlist " + name + " was deleted."));
        try {
            model.put("rows", watchlists.list().results());
        } catch (DomainException e) {
            model.put("rows", List.of());
            model.putIfAbsent("message", e.detail());
            return ServerResponse.status(status == HttpStatus.OK ? GuiPages.status(e.kind()) : status).render("watchlists", model);
        }
        return ServerResponse.status(status).render("watchlists", model);
    }

    ServerResponse load(ServerRequest request) throws Exception {
        Map<String, Object> model = model(request);
        Form form = Form.of(request);
        String uploaded;
        try {
            uploaded = upload(request);
        } catch (IllegalArgumentException e) {
            model.put("message", e.getMessage());
            return list(request, model, HttpStatus.BAD_REQUEST, form);
        }
        if (form.name().isBlank()) {
            model.put("message", "A watchlist needs a name.");
            return list(request, model, HttpStatus.BAD_REQUEST, form);
        }
        if (uploaded == null && form.file().isBlank()) {
            model.put("message", "Choose a file to upload, or name a file of " + watchlists.directory() + ".");
            return list(request, model, HttpStatus.BAD_REQUEST, form);
        }
        if (uploaded != null && !form.file().isBlank()) {
            model.put("message", "Upload a file or name one of " + watchlists.directory() + ", not both.");
            return list(request, model, HttpStatus.BAD_REQUEST, form);
        }
        if (form.probes().isEmpty()) {
            model.put("message", "Choose at least one probe to put the watchlist on.");
            return list(request, model, HttpStatus.BAD_REQUEST, form);
        }
        WatchlistAnswer loaded;
        try {
            loaded = watchlists.load(new WatchlistRequest(form.name().strip(), form.probes(), uploaded,
                    uploaded == null ? form.file().strip() : null), user(request));
        } catch (DomainException e) {
            model.put("message", e.error() + ": " + e.detail());
            return list(request, model, GuiPages.status(e.kind()), form);
        }
        WatchlistAudit.audited(events, user(request), "watchlist.load", loaded);
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, path(loaded.name(), "loaded", "1")).build();
    }

    ServerResponse detail(ServerRequest request) {
        return detail(request, false);
    }

    ServerResponse confirmDelete(ServerRequest request) {
        return detail(request, true);
    }

    private ServerResponse detail(ServerRequest request, boolean confirmDelete) {
        Map<String, Object> model = model(request);
        String name = request.pathVariable("name");
        int from;
        try {
            from = Math.max(0, Integer.parseInt(request.param("from").orElse("0")));
        } catch (NumberFormatException e) {
            from = 0;
        }
        try {
            model.put("w", watchlists.get(name));
            Watchlists.EntriesPage entries = watchlists.entries(name, from, PAGE);
            model.put("entries", entries.entries());
            model.put("from", entries.from());
            model.put("to", entries.from() + entries.entries().size());
            model.put("total", entries.total());
            model.put("previous", entries.from() > 0 ? Math.max(0, entries.from() - PAGE) : null);
            model.put("next", entries.from() + PAGE < entries.total() ? entries.from() + PAGE : null);
        } catch (DomainException e) {
            model.put("message", e.detail());
            return ServerResponse.status(GuiPages.status(e.kind())).render("watchlist", model);
        }
        model.put("confirmDelete", confirmDelete);
        request.param("loaded").ifPresent(x -> model.put("notice", "Watchlist " + name + " was loaded."));
        request.param("reloaded").ifPresent(x -> model.put("notice", "Watchlist " + name + " was reloaded."));
        request.param("error").ifPresent(e -> model.put("message", e));
        return ServerResponse.ok().render("watchlist", model);
    }

    ServerResponse reload(ServerRequest request) throws Exception {
        String name = request.pathVariable("name");
        try {
            String uploaded = upload(request);
            WatchlistAnswer reloaded = watchlists.reload(name, uploaded == null ? null : new WatchlistRequest(name, null, uploaded, null),
                    user(request));
            WatchlistAudit.audited(events, user(request), "watchlist.reload", reloaded);
        } catch (IllegalArgumentException e) {
            return back(name, e.getMessage());
        } catch (DomainException e) {
            return back(name, e.error() + ": " + e.detail());
        }
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, path(name, "reloaded", "1")).build();
    }

    ServerResponse delete(ServerRequest request) {
        String name = request.pathVariable("name");
        try {
            WatchlistAudit.audited(events, user(request), "watchlist.delete", watchlists.delete(name));
        } catch (DomainException e) {
            return back(name, e.error() + ": " + e.detail());
        }
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION,
                UriComponentsBuilder.fromPath("/watchlists").queryParam("deleted", "{name}").buildAndExpand(name).encode().toUriString())
                .build();
    }

    /** The uploaded file's text (UTF-8), or null if none was chosen; IllegalArgumentException saying what is wrong with it. */
    private static String upload(ServerRequest request) throws Exception {
        MultiValueMap<String, Part> parts;
        try {
            parts = request.multipartData();
        } catch (RuntimeException e) {
            return null; // not a multipart form: no upload
        }
        Part file = parts.getFirst("upload");
        if (file == null || file.getSubmittedFileName() == null || file.getSubmittedFileName().isEmpty()) {
            return null;
        }
        if (file.getSize() == 0) {
            throw new IllegalArgumentException(file.getSubmittedFileName() + " is empty.");
        }
        try (InputStream in = file.getInputStream()) {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(in.readAllBytes())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file.getSubmittedFileName() + " is not UTF-8 text.", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file.getSubmittedFileName() + " could not be read: " + e.getMessage(), e);
        }
    }

    private static String path(String name, String param, String value) {
        UriComponentsBuilder to = UriComponentsBuilder.fromPath("/watchlists/{name}");
        if (param != null) {
            to.queryParam(param, value);
        }
        return to.buildAndExpand(name).encode().toUriString();
    }

    /** Back to the detail page, saying {@code error} (a redirect: a reload of the page repeats nothing). */
    private static ServerResponse back(String name, String error) {
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, UriComponentsBuilder.fromPath("/watchlists/{name}")
                .queryParam("error", "{error}").buildAndExpand(name, error).encode().toUriString()).build();
    }

    private static String user(ServerRequest request) {
        return request.principal().map(Principal::getName).orElseThrow();
    }


    private Map<String, Object> model(ServerRequest request) {
        Map<String, Object> model = GuiPages.model(request);
        model.put("maxUploadBytes", maxUpload.toBytes());
        model.put("maxUpload", maxUpload.toBytes() >= 1 << 20 ? maxUpload.toMegabytes() + " MB" : maxUpload.toKilobytes() + " KB");
        return model;
    }

    /** The load form's fields as typed (so a refused one comes back filled in; a file input cannot be). */
    record Form(String name, List<String> probes, String file) {
        static Form empty() {
            return new Form("", List.of(), "");
        }

        static Form of(ServerRequest request) {
            return new Form(request.param("name").orElse(""), request.params().getOrDefault("probes", List.of()),
                    request.param("file").orElse(""));
        }
    }
}
