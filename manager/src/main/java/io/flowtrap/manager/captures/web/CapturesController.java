package io.flowtrap.manager.captures.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.CaptureRequest;
import io.flowtrap.api.manager.CapturesPage;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.captures.Captures;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.users.TokenStore;
import io.flowtrap.manager.web.JsonRequests;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
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
 * {@code /rest/captures/}: {@code POST} starts one (201; 409 when a capture runs on one of its
 * probes and it does not ask to queue), {@code GET} lists ({@code ?analyst=}, {@code ?state=}),
 * {@code GET <id>/} details, {@code POST <id>/stop/} stops and answers the result, {@code DELETE
 * <id>/} deletes (stop and delete: the capture's analyst, an admin or a key no user owns; others 403), {@code GET <id>/download/} ({@code ?probe=}) hands the pcap over. The analyst is
 * the key's user or the login; a key no user owns names one in the request.
 */
@RestController
class CapturesController {
    private static final MediaType PCAP = MediaType.parseMediaType("application/vnd.tcpdump.pcap");
    private static final int MAX_BODY = 64 * 1024;

    private final Captures captures;
    private final ObjectMapper json;
    private final ApplicationEventPublisher events;

    CapturesController(Captures captures, ObjectMapper json, ApplicationEventPublisher events) {
        this.captures = captures;
        this.json = json;
        this.events = events;
    }

    @PostMapping({"/rest/captures/", "/rest/captures"})
    ResponseEntity<CaptureAnswer> create(@RequestBody(required = false) byte[] body, Authentication caller) throws IOException {
        CaptureRequest request = JsonRequests.read(json, body, DocumentSchema.Document.CAPTURE_REQUEST, CaptureRequest.class,
                "capture request", MAX_BODY);
        CaptureAnswer created = captures.create(request, analyst(caller, request.analyst()));
        return ResponseEntity.status(HttpStatus.CREATED).body(created);
    }

    @GetMapping({"/rest/captures/", "/rest/captures"})
    CapturesPage list(@RequestParam(name = "analyst", required = false) String analyst,
            @RequestParam(name = "state", required = false) String state) throws IOException {
        return captures.list(analyst, state);
    }

    @GetMapping({"/rest/captures/{id}/", "/rest/captures/{id}"})
    CaptureAnswer detail(@PathVariable("id") String id) {
        return captures.get(id);
    }

    @PostMapping({"/rest/captures/{id}/stop/", "/rest/captures/{id}/stop"})
    CaptureAnswer stop(@PathVariable("id") String id, Authentication caller) {
        return captures.stop(id, captures(caller));
    }

    @DeleteMapping({"/rest/captures/{id}/", "/rest/captures/{id}"})
    CaptureAnswer delete(@PathVariable("id") String id, Authentication caller) throws IOException {
        return captures.delete(id, captures(caller));
    }

    @GetMapping({"/rest/captures/{id}/download/", "/rest/captures/{id}/download"})
    ResponseEntity<Resource> download(@PathVariable("id") String id,
            @RequestParam(name = "probe", required = false) String probe, Authentication caller) throws IOException {
        Captures.Download d = captures.download(id, probe);
        if (!Files.isRegularFile(d.file())) {
            throw new DomainException(Kind.GONE, "capture deleted", "the pcap of capture " + id + " is gone");
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("id", id);
        details.put("probe", probe); // null: the merged result
        details.put("file", d.fileName());
        details.put("sha256", d.sha256());
        events.publishEvent(new Audited(analyst(caller, null), "capture.download", details));
        return ResponseEntity.ok().contentType(PCAP).contentLength(Files.size(d.file()))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(d.fileName()).build().toString())
                .body(new FileSystemResource(d.file()));
    }

    /** Who asks to stop or delete: the analyst a capture of theirs would name; admins and keys no user owns may change any. */
    private static Captures.Caller captures(Authentication caller) {
        boolean admin = caller.getAuthorities().stream().anyMatch(a -> "ROLE_ADMIN".equals(a.getAuthority()));
        boolean sharedKey = caller.getPrincipal() instanceof TokenStore.Entry key && key.owner() == null;
        return new Captures.Caller(analyst(caller, null), admin || sharedKey);
    }

    /**
     * Who the capture is for: the user who owns the key, or who is logged in (naming another is
     * 403); a key no user owns (made by the token command) may name the analyst, else it is {@code key-<id>}.
     */
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
            throw new DomainException(Kind.FORBIDDEN, "forbidden", "you are " + user + ": a capture of yours is yours, not "
                    + asked + "'s");
        }
        return user;
    }
}
