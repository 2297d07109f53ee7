package io.flowtrap.manager.results.web;

import io.flowtrap.api.manager.FilterRequest;
import io.flowtrap.api.manager.MergeRequest;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.api.manager.ResultLabels;
import io.flowtrap.api.manager.ResultRef;
import io.flowtrap.api.manager.ShareLinkAnswer;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.results.Result;
import io.flowtrap.manager.results.Results;
import io.flowtrap.manager.security.Callers;
import io.flowtrap.manager.sharing.ShareLinks;
import io.flowtrap.manager.sharing.SharingProperties;
import io.flowtrap.manager.web.GuiPages;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
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
 * The Results pages, calling {@link Results} and {@link ShareLinks} directly (what the REST API
 * does, as the signed-in user). {@code GET /results?tag=&kind=}: every result, newest first, with
 * a checkbox each to merge the chosen ones ({@code POST /results/merge}, dedup on request). {@code
 * GET /results/<kind>/<id>}: its facts, Download, its tags and comment ({@code POST .../labels}),
 * a filter into a new result ({@code POST .../filter}), its share links with Revoke ({@code POST
 * /results/shares/<link>/revoke}) and a form to make one ({@code POST .../shares}: the page that
 * answers shows the link's URL, the only time it is shown). Download and share only for {@code
 * flowtrap.sharing.download-roles}. Delete, in the list and on a result's page, only to whom {@link
 * Results#mayDelete} lets: {@code GET .../delete} asks to confirm (a form, no script), {@code POST}
 * deletes and goes back to the list; a refusal (a POST forged by someone else) is said on the
 * result's page. Every change is a POST with the CSRF token; after one, a redirect (a reload repeats
 * nothing), except the new link's page.
 */
final class ResultPages {
    private static final MediaType PCAP = MediaType.parseMediaType("application/vnd.tcpdump.pcap");

    private final Results results;
    private final ShareLinks shares;
    private final SharingProperties.Sharing sharing;

    ResultPages(Results results, ShareLinks shares, SharingProperties.Sharing sharing) {
        this.results = results;
        this.shares = shares;
        this.sharing = sharing;
    }

    ServerResponse list(ServerRequest request) {
        Map<String, Object> model = GuiPages.model(request);
        String tag = request.param("tag").orElse("").strip();
        String kind = request.param("kind").orElse("").strip();
        model.put("tag", tag);
        model.put("kind", kind);
        model.put("kinds", results.kinds());
        request.param("error").ifPresent(e -> model.put("message", e));
        request.param("deleted").ifPresent(id -> model.put("notice", "Result " + id + " was deleted."));
        try {
            List<ResultAnswer> rows = results.list(kind.isEmpty() ? null : kind, tag.isEmpty() ? null : tag).results();
            model.put("rows", rows);
            model.put("deletable", rows.stream().filter(r -> mayDelete(request, r)).map(r -> r.kind() + "/" + r.id())
                    .collect(Collectors.toSet()));
        } catch (DomainException e) {
            model.put("message", e.detail());
            model.put("rows", List.of());
            return ServerResponse.status(GuiPages.status(e.kind())).render("results", model);
        }
        return ServerResponse.ok().render("results", model);
    }

    ServerResponse detail(ServerRequest request) {
        return detail(request, null, HttpStatus.OK, false);
    }

    ServerResponse confirmDelete(ServerRequest request) {
        return detail(request, null, HttpStatus.OK, true);
    }

    private ServerResponse detail(ServerRequest request, ShareLinkAnswer newLink, HttpStatus status, boolean confirmDelete) {
        Map<String, Object> model = GuiPages.model(request);
        String kind = request.pathVariable("kind");
        String id = request.pathVariable("id");
        ResultAnswer r;
        try {
            r = results.get(kind, id);
        } catch (DomainException e) {
            model.put("message", e.detail());
            return ServerResponse.status(GuiPages.status(e.kind())).render("result", model);
        }
        model.put("r", r);
        model.put("tagsText", String.join(", ", r.tags()));
        model.put("mayDownload", mayDownload(request));
        model.put("mayDelete", mayDelete(request, r));
        model.put("confirmDelete", confirmDelete && mayDelete(request, r));
        model.put("links", shares.list().results().stream().filter(l -> l.kind().equals(kind) && l.resultId().equals(id)).toList());
        model.put("newLink", newLink);
        model.put("defaultHours", sharing.defaultExpiry().toHours());
        request.param("error").ifPresent(e -> model.put("message", e));
        request.param("notice").ifPresent(n -> model.put("notice", n));
        return ServerResponse.status(status).render("result", model);
    }

    ServerResponse labels(ServerRequest request) throws IOException {
        String kind = request.pathVariable("kind");
        String id = request.pathVariable("id");
        List<String> tags = new ArrayList<>();
        Arrays.stream(request.param("tags").orElse("").split("[,\\s]+")).map(String::strip).filter(t -> !t.isEmpty())
                .forEach(tags::add);
        try {
            results.label(kind, id, new ResultLabels(tags, request.param("comment").orElse("")), user(request));
        } catch (DomainException e) {
            return back(kind, id, "error", e.error() + ": " + e.detail());
        }
        return back(kind, id, "notice", "Tags and comment saved.");
    }

    ServerResponse share(ServerRequest request) throws IOException {
        String kind = request.pathVariable("kind");
        String id = request.pathVariable("id");
        Duration expiry;
        try {
            double hours = Double.parseDouble(request.param("expires_hours").orElse("").strip());
            expiry = Duration.ofSeconds(Math.round(hours * 3600));
        } catch (NumberFormatException e) {
            return back(kind, id, "error", "The link's expiry is a number of hours, such as 24 or 0.5.");
        }
        ShareLinkAnswer link;
        try {
            String base = UriComponentsBuilder.fromUri(request.uri()).replacePath(null).replaceQuery(null).build().toUriString();
            link = shares.create(kind, id, user(request), roles(request), expiry, base);
        } catch (DomainException e) {
            return back(kind, id, "error", e.error() + ": " + e.detail());
        }
        return detail(request, link, HttpStatus.CREATED, false);
    }

    ServerResponse revoke(ServerRequest request) throws IOException {
        String kind = request.param("kind").orElse("");
        String id = request.param("id").orElse("");
        try {
            shares.revoke(request.pathVariable("link"), user(request));
        } catch (DomainException e) {
            return back(kind, id, "error", e.detail());
        }
        return back(kind, id, "notice", "Share link " + request.pathVariable("link") + " revoked: it opens nothing now.");
    }

    ServerResponse delete(ServerRequest request) throws IOException {
        String kind = request.pathVariable("kind");
        String id = request.pathVariable("id");
        try {
            results.delete(kind, id, user(request), mayDeleteAny(request));
        } catch (DomainException e) {
            return back(kind, id, "error", e.error() + ": " + e.detail());
        }
        String to = UriComponentsBuilder.fromPath("/results").queryParam("deleted", "{id}").buildAndExpand(kind + " " + id).encode()
                .toUriString();
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, to).build();
    }

    ServerResponse download(ServerRequest request) throws IOException {
        String kind = request.pathVariable("kind");
        String id = request.pathVariable("id");
        if (!mayDownload(request)) {
            return back(kind, id, "error", "Only " + sharing.downloadRoles() + " may download results.");
        }
        Result r;
        try {
            r = results.download(kind, id, user(request));
        } catch (DomainException e) {
            return back(kind, id, "error", e.detail());
        }
        return ServerResponse.ok().contentType(PCAP).contentLength(Files.size(r.file()))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(r.fileName()).build().toString())
                .body(new FileSystemResource(r.file()));
    }

    ServerResponse merge(ServerRequest request) throws IOException {
        List<ResultRef> inputs = new ArrayList<>();
        for (String chosen : request.params().getOrDefault("inputs", List.of())) {
            int slash = chosen.indexOf('/');
            if (slash > 0) {
                inputs.add(new ResultRef(chosen.substring(0, slash), chosen.substring(slash + 1), null));
            }
        }
        if (inputs.isEmpty()) {
            return toList("Choose the results to merge first.");
        }
        boolean dedup = request.param("dedup").map("true"::equals).orElse(false);
        ResultAnswer merged;
        try {
            merged = results.merge(new MergeRequest(inputs, dedup, null), user(request));
        } catch (DomainException e) {
            return toList(e.error() + ": " + e.detail());
        }
        return back(merged.kind(), merged.id(), "notice", "Merged " + inputs.size() + " results: " + merged.packetsIn() + " packets in, "
                + merged.packets() + " out" + (dedup ? ", " + merged.duplicates() + " duplicates dropped" : "") + ".");
    }

    ServerResponse filter(ServerRequest request) throws IOException {
        String kind = request.pathVariable("kind");
        String id = request.pathVariable("id");
        String expression = request.param("filter").orElse("").strip();
        if (expression.isEmpty()) {
            return back(kind, id, "error", "Type a filter (tcpdump's syntax), such as tcp port 80.");
        }
        ResultAnswer filtered;
        try {
            filtered = results.filter(new FilterRequest(new ResultRef(kind, id, null), expression), user(request));
        } catch (DomainException e) {
            return back(kind, id, "error", e.error() + ": " + e.detail());
        }
        return back(filtered.kind(), filtered.id(), "notice", "Filtered: " + filtered.packets() + " of " + filtered.packetsIn()
                + " packets kept.");
    }

    /** Back to a result's page saying {@code text} as an error or a notice (a redirect: a reload repeats nothing). */
    private static ServerResponse back(String kind, String id, String what, String text) {
        String to = UriComponentsBuilder.fromPath("/results/{kind}/{id}").queryParam(what, "{text}")
                .buildAndExpand(kind, id, text).encode().toUriString();
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, to).build();
    }

    private static ServerResponse toList(String error) {
        String to = UriComponentsBuilder.fromPath("/results").queryParam("error", "{e}").buildAndExpand(error).encode().toUriString();
        return ServerResponse.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, to).build();
    }

    private boolean mayDownload(ServerRequest request) {
        return sharing.mayDownload(roles(request));
    }

    private boolean mayDelete(ServerRequest request, ResultAnswer r) {
        return results.mayDelete(r, user(request), mayDeleteAny(request));
    }

    /** An admin's (or an unowned key's) right to delete what anyone made ({@link Callers#mayChangeAny}). */
    private static boolean mayDeleteAny(ServerRequest request) {
        return request.principal().filter(p -> p instanceof Authentication).map(p -> Callers.mayChangeAny((Authentication) p))
                .orElse(false);
    }

    private static List<String> roles(ServerRequest request) {
        return request.principal().filter(p -> p instanceof Authentication).map(p -> Callers.roles((Authentication) p))
                .orElse(List.of());
    }

    private static String user(ServerRequest request) {
        return request.principal().map(p -> p.getName()).orElseThrow();
    }


}
