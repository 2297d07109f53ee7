package io.flowtrap.manager.results.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.FilterRequest;
import io.flowtrap.api.manager.MergeRequest;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.api.manager.ResultsPage;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.results.Results;
import io.flowtrap.manager.users.TokenStore;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
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
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /rest/merges/} merges results by time (with {@code dedup}), {@code POST
 * /rest/filters/} filters one by a tcpdump expression (both 201, made at once); {@code GET
 * /rest/results/} lists them, {@code GET <id>/} details, {@code DELETE <id>/} deletes, {@code GET
 * <id>/download/} hands the pcap over.
 */
@RestController
class ResultsController {
    private static final MediaType PCAP = MediaType.parseMediaType("application/vnd.tcpdump.pcap");
    private static final int MAX_BODY = 64 * 1024;

    private final Results results;
    private final ObjectMapper json;

    ResultsController(Results results, ObjectMapper json) {
        this.results = results;
        this.json = json;
    }

    @PostMapping({"/rest/merges/", "/rest/merges"})
    ResponseEntity<ResultAnswer> merge(@RequestBody(required = false) byte[] body, Authentication caller) throws IOException {
        MergeRequest request = json.treeToValue(valid(body, DocumentSchema.Document.MERGE_REQUEST, "merge"), MergeRequest.class);
        return ResponseEntity.status(HttpStatus.CREATED).body(results.merge(request, user(caller)));
    }

    @PostMapping({"/rest/filters/", "/rest/filters"})
    ResponseEntity<ResultAnswer> filter(@RequestBody(required = false) byte[] body, Authentication caller) throws IOException {
        FilterRequest request = json.treeToValue(valid(body, DocumentSchema.Document.FILTER_REQUEST, "filter"), FilterRequest.class);
        return ResponseEntity.status(HttpStatus.CREATED).body(results.filter(request, user(caller)));
    }

    @GetMapping({"/rest/results/", "/rest/results"})
    ResultsPage list() {
        return results.list();
    }

    @GetMapping({"/rest/results/{id}/", "/rest/results/{id}"})
    ResultAnswer detail(@PathVariable("id") String id) {
        return results.get(id);
    }

    @DeleteMapping({"/rest/results/{id}/", "/rest/results/{id}"})
    ResultAnswer delete(@PathVariable("id") String id, Authentication caller) throws IOException {
        return results.delete(id, user(caller));
    }

    @GetMapping({"/rest/results/{id}/download/", "/rest/results/{id}/download"})
    ResponseEntity<Resource> download(@PathVariable("id") String id) throws IOException {
        Results.Download d = results.download(id);
        if (!Files.isRegularFile(d.file())) {
            throw new DomainException(Kind.GONE, "result deleted", "the pcap of result " + id + " is gone");
        }
        return ResponseEntity.ok().contentType(PCAP).contentLength(Files.size(d.file()))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(d.fileName()).build().toString())
                .body(new FileSystemResource(d.file()));
    }

    private JsonNode valid(byte[] body, DocumentSchema.Document schema, String what) {
        if (body == null || body.length == 0) {
            throw new DomainException(Kind.INVALID, "no " + what, "send a " + what + " request as JSON");
        }
        if (body.length > MAX_BODY) {
            throw new DomainException(Kind.TOO_LARGE, what + " request too large", "at most " + MAX_BODY + " bytes");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (IOException e) {
            throw new DomainException(Kind.INVALID, "malformed JSON", e instanceof JsonProcessingException j
                    ? j.getOriginalMessage() : e.getMessage(), e);
        }
        List<String> violations = node == null ? List.of("$: a JSON object expected") : DocumentSchema.of(schema).validate(node);
        if (!violations.isEmpty()) {
            throw new DomainException(Kind.INVALID, "not a valid " + what + " request", String.join("; ", violations));
        }
        return node;
    }

    /** Who made it: the key's user, the login, or {@code key-<id>} for a key no user owns. */
    private static String user(Authentication caller) {
        if (caller.getPrincipal() instanceof TokenStore.Entry key) {
            return key.owner() != null ? key.owner() : "key-" + key.id();
        }
        return caller.getName();
    }
}
