package io.flowtrap.manager.captures.web;

import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.CaptureRequest;
import io.flowtrap.api.manager.CapturesPage;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.captures.Captures;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.web.GuiPages;
import java.io.IOException;
import java.nio.file.Files;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The Captures pages, calling {@link Captures} directly (what the REST API does, with the signed-in
 * user as the analyst). {@code GET /captures?analyst=&state=}: every capture, newest first.
 * {@code GET /captures/new}, {@code POST /captures}: the start form; a probe busy with another
 * capture (409) shows which and offers to queue, a filter a probe refuses shows the probe's words.
 * {@code GET /captures/<id>}: the summary, per-probe results, Download (whole, per probe), Stop
 * while it runs (Stop and Delete shown to the capture's analyst and admins only; to others the
 * refusal reads on the page); {@code GET /captures/<id>/state} is its state for assets/capture-state.js, which
 * reloads the page when it changes. {@code POST /captures/<id>/stop}; {@code GET /captures/<id>/delete}
 * asks to confirm, {@code POST} deletes;
 * {@code GET /captures/<id>/download?probe=} hands the pcap over.
 */
final class CapturePages {
    private static final MediaType PCAP = MediaType.parseMediaType("application/vnd.tcpdump.pcap");
    private static final List<String> STATES = List.of("queued", "running", "carving", "done", "failed", "deleted");
    private static final long DEFAULT_DURATION = 300;
    private static final long DEFAULT_MAX_PACKETS = 100;

    private final Captures captures;
    private final ApplicationEventPublisher events;

    CapturePages(Captures captures, ApplicationEventPublisher events) {
        this.captures = captures;
        this.events = events;
    }

    ServerResponse list(ServerRequest request) throws IOException {
        Map<String, Object> model = GuiPages.model(request);
        String analyst = request.param("analyst").orElse("").strip();
        String state = request.param("state").orElse("").strip();
        model.put("analyst", analyst);
        model.put("state", state);
        model.put("states", STATES);
        request.param("deleted").ifPresent(id -> model.put("notice", "Capture " + id + " was deleted."));
        CapturesPage page;
        try {
            page = captures.list(analyst, state);
        } catch (DomainException e) {
            model.put("message", e.detail());
            model.put("rows", List.of());
            return ServerResponse.status(HttpStatus.BAD_REQUEST).render("captures", model);
        }
        model.put("rows", page.results());
        model.put("retention", page.retention());
        return ServerResponse.ok().render("captures", model);
    }

    ServerResponse form(ServerRequest request) {
        Map<String, Object> model = GuiPages.model(request);
        model.put("form", Form.empty());
        return form(model, HttpStatus.OK);
    }

    private ServerResponse form(Map<String, Object> model, HttpStatus status) {
        model.put("probes", captures.probeNames());
        return ServerResponse.status(status).render("capture-new", model);
    }

    ServerResponse create(ServerRequest request) throws IOException {
        Map<String, Object> model = GuiPages.model(request);
        Form form = Form.of(request);
        model.put("form", form);
        if (form.name().isBlank() || form.filter().isBlank()) {
            model.put("message", "A capture needs a name and a filter.");
            return form(model, HttpStatus.BAD_REQUEST);
        }
        if (form.probes().isEmpty()) {
            model.put("message", "Choose at least one probe to capture on.");
            return form(model, HttpStatus.BAD_REQUEST);
        }
        Long duration;
        Long maxPackets;
        try {
            duration = number(form.duration(), "Duration");
            maxPackets = number(form.maxPackets(), "Max packets");
        } catch (IllegalArgumentException e) {
            model.put("message", e.getMessage());
            return form(model, HttpStatus.BAD_REQUEST);
        }
        CaptureRequest asked = new CaptureRequest(form.name().strip(), form.description().isBlank() ? null : form.description().strip(),
                form.filter().strip(), form.probes(), duration, maxPackets, form.tagList(), form.queue(), null);
        CaptureAnswer created;
        try {
            created = captures.create(asked, user(request));
        } catch (DomainException e) {
            model.put("message", e.error() + ": " + e.detail());
            if (e.kind() == Kind.CONFLICT) {
                model.put("busy", true);
            }
            return form(model, GuiPages.status(e.kind()));
        }
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, "/captures/" + created.id()).build();
    }

    ServerResponse detail(ServerRequest request) {
        return detail(request, false);
    }

    ServerResponse confirmDelete(ServerRequest request) {
        return detail(request, true);
    }

    private ServerResponse detail(ServerRequest request, boolean confirmDelete) {
        Map<String, Object> model = GuiPages.model(request);
        CaptureAnswer c;
        try {
            c = captures.get(request.pathVariable("id"));
        } catch (DomainException e) {
            model.put("message", e.detail());
            return ServerResponse.status(GuiPages.status(e.kind())).render("capture", model);
        }
        model.put("c", c);
        model.put("active", List.of("queued", "running", "carving").contains(c.state()));
        model.put("mayChange", mayChange(request, c));
        model.put("confirmDelete", confirmDelete && mayChange(request, c));
        request.param("error").ifPresent(e -> model.put("message", e));
        return ServerResponse.ok().render("capture", model);
    }

    ServerResponse state(ServerRequest request) {
        CaptureAnswer c;
        try {
            c = captures.get(request.pathVariable("id"));
        } catch (DomainException e) {
            return ServerResponse.status(GuiPages.status(e.kind())).contentType(MediaType.APPLICATION_JSON)
                    .body(Map.of("error", e.error(), "detail", e.detail()));
        }
        Map<String, Object> state = new HashMap<>();
        state.put("state", c.state());
        state.put("packets_seen", c.packetsSeen());
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).body(state);
    }

    ServerResponse stop(ServerRequest request) {
        String id = request.pathVariable("id");
        try {
            captures.stop(id, caller(request));
        } catch (DomainException e) {
            return back(id, e.detail());
        }
        return back(id, null);
    }

    ServerResponse delete(ServerRequest request) throws IOException {
        String id = request.pathVariable("id");
        try {
            captures.delete(id, caller(request));
        } catch (DomainException e) {
            return back(id, e.detail());
        }
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, "/captures?deleted=" + id).build();
    }

    ServerResponse download(ServerRequest request) throws IOException {
        String id = request.pathVariable("id");
        Captures.Download d;
        try {
            d = captures.download(id, request.param("probe").orElse(null));
        } catch (DomainException e) {
            return back(id, e.detail());
        }
        if (!Files.isRegularFile(d.file())) {
            return back(id, "The pcap of capture " + id + " is gone.");
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("id", id);
        details.put("probe", request.param("probe").orElse(null)); // null: the merged result
        details.put("file", d.fileName());
        details.put("sha256", d.sha256());
        events.publishEvent(new Audited(user(request), "capture.download", details));
        return ServerResponse.ok().contentType(PCAP).contentLength(Files.size(d.file()))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(d.fileName()).build().toString())
                .body(new FileSystemResource(d.file()));
    }

    /** Back to the detail page, saying {@code error} if not null (a redirect: a reload repeats nothing). */
    private static ServerResponse back(String id, String error) {
        UriComponentsBuilder to = UriComponentsBuilder.fromPath("/captures/{id}");
        if (error != null) {
            to.queryParam("error", "{error}");
        }
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION,
                error == null ? to.buildAndExpand(id).encode().toUriString() : to.buildAndExpand(id, error).encode().toUriString()).build();
    }

    /** Whether the signed-in user may stop or delete {@code c} (its analyst or an admin): the buttons are shown to them only. */
    private static boolean mayChange(ServerRequest request, CaptureAnswer c) {
        return request.principal().isPresent() && caller(request).mayChange(c.analyst());
    }

    private static Captures.Caller caller(ServerRequest request) {
        Principal p = request.principal().orElseThrow();
        boolean admin = p instanceof Authentication a && a.getAuthorities().stream().anyMatch(g -> "ROLE_ADMIN".equals(g.getAuthority()));
        return new Captures.Caller(p.getName(), admin);
    }

    private static String user(ServerRequest request) {
        return request.principal().map(Principal::getName).orElseThrow();
    }

    private static Long number(String value, String what) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            long n = Long.parseLong(value.strip());
            if (n < 0) {
                throw new IllegalArgumentException(what + " is a whole number, 0 or more: " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is a whole number, 0 or more: " + value, e);
        }
    }



    /** The start form's fields as typed (so a refused one comes back filled in). */
    record Form(String name, String description, String filter, List<String> probes, String duration, String maxPackets,
            String tags, boolean queue) {
        /** Nothing typed, no probe chosen, the default duration and packet limit. */
        static Form empty() {
            return new Form("", "", "", List.of(), Long.toString(DEFAULT_DURATION), Long.toString(DEFAULT_MAX_PACKETS), "", false);
        }

        static Form of(ServerRequest request) {
            return new Form(request.param("name").orElse(""), request.param("description").orElse(""),
                    request.param("filter").orElse(""), request.params().getOrDefault("probes", List.of()),
                    request.param("duration").orElse(""), request.param("max_packets").orElse(""),
                    request.param("tags").orElse(""), request.param("queue").map("true"::equals).orElse(false));
        }

        List<String> tagList() {
            List<String> list = new ArrayList<>();
            Arrays.stream(tags.split(",")).map(String::strip).filter(t -> !t.isEmpty()).forEach(list::add);
            return list;
        }
    }
}
