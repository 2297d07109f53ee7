package io.flowtrap.manager.searches.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.SearchAnswer;
import io.flowtrap.api.manager.SearchRequest;
import io.flowtrap.api.manager.SearchesPage;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.searches.Searches;
import io.flowtrap.manager.users.TokenStore;
import io.flowtrap.manager.web.JsonRequests;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.nio.file.Files;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /rest/searches/}: {@code POST} starts one (201; 413 past the up-front bound), {@code GET}
 * lists every analyst's, {@code GET <id>/} details (each probe's part, queue position, progress),
 * {@code POST <id>/cancel/} cancels, {@code DELETE <id>/} deletes an ended one, {@code GET
 * <id>/download/} ({@code ?probe=}) hands the pcap over. The analyst is the key's user or the login;
 * a key no user owns names one in the request.
 */
@RestController
class SearchesController {
    private static final MediaType PCAP = MediaType.parseMediaType("application/vnd.tcpdump.pcap");
    private static final int MAX_BODY = 64 * 1024;

    private final Searches searches;
    private final ObjectMapper json;

    SearchesController(Searches searches, ObjectMapper json) {
        this.searches = searches;
        this.json = json;
    }

    @PostMapping({"/rest/searches/", "/rest/searches"})
    ResponseEntity<SearchAnswer> create(@RequestBody(required = false) byte[] body, Authentication caller) throws IOException {
        SearchRequest request = JsonRequests.read(json, body, DocumentSchema.Document.SEARCH_REQUEST, SearchRequest.class,
                "search request", MAX_BODY);
        return ResponseEntity.status(HttpStatus.CREATED).body(searches.create(request, analyst(caller, request.analyst())));
    }

    @GetMapping({"/rest/searches/", "/rest/searches"})
    SearchesPage list() {
        return searches.list();
    }

    @GetMapping({"/rest/searches/{id}/", "/rest/searches/{id}"})
    SearchAnswer detail(@PathVariable("id") String id) {
        return searches.get(id);
    }

    @PostMapping({"/rest/searches/{id}/cancel/", "/rest/searches/{id}/cancel"})
    SearchAnswer cancel(@PathVariable("id") String id, Authentication caller) {
        return searches.cancel(id, analyst(caller, null));
    }

    @DeleteMapping({"/rest/searches/{id}/", "/rest/searches/{id}"})
    SearchAnswer delete(@PathVariable("id") String id, Authentication caller) throws IOException {
        return searches.delete(id, analyst(caller, null));
    }

    @GetMapping({"/rest/searches/{id}/download/", "/rest/searches/{id}/download"})
    ResponseEntity<Resource> download(@PathVariable("id") String id,
            @RequestParam(name = "probe", required = false) String probe) throws IOException {
        Searches.Download d = searches.download(id, probe);
        if (!Files.isRegularFile(d.file())) {
            throw new DomainException(Kind.GONE, "search deleted", "the pcap of search " + id + " is gone");
        }
        return ResponseEntity.ok().contentType(PCAP).contentLength(Files.size(d.file()))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(d.fileName()).build().toString())
                .body(new FileSystemResource(d.file()));
    }

    /** Who the search is for: the key's user or the login (naming another is 403); a key no user owns may name one. */
    private static String analyst(Authentication caller, String asked) {
        String user;
        if (caller.getPrincipal() instanceof TokenStore.Entry key) {
            if (key.owner() == null) {
                return asked != null ? asked : "key-" + key.id();
            }
            user = key.owner();
        } else {
            user = caller.getName();
        }
        if (asked != null && !asked.equals(user)) {
            throw new DomainException(Kind.FORBIDDEN, "forbidden", "you are " + user + ": a search of yours is yours, not "
                    + asked + "'s");
        }
        return user;
    }
}
