package io.flowtrap.manager.sharing.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.api.manager.ResultLabels;
import io.flowtrap.api.manager.ResultsPage;
import io.flowtrap.api.manager.ShareLinkAnswer;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.sharing.Results;
import io.flowtrap.manager.sharing.ShareLinks;
import io.flowtrap.manager.sharing.SharedResult;
import io.flowtrap.manager.sharing.SharingProperties;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * {@code /rest/results/}: {@code GET} lists ({@code ?kind=}, {@code ?tag=}), {@code PATCH
 * <kind>/<id>/} sets tags and comment, {@code GET <kind>/<id>/download/} hands the file over and
 * {@code POST <kind>/<id>/shares/} ({@code ?expires_in=} seconds) makes a share link; the last two
 * only for {@code flowtrap.sharing.download-roles}.
 */
@RestController
class ResultsController {
    private static final int MAX_BODY = 64 * 1024;

    private final Results results;
    private final ShareLinks shares;
    private final SharingProperties.Sharing settings;
    private final ObjectMapper json;

    ResultsController(Results results, ShareLinks shares, SharingProperties properties, ObjectMapper json) {
        this.results = results;
        this.shares = shares;
        this.settings = properties.sharing();
        this.json = json;
    }

    @GetMapping({"/rest/results/", "/rest/results"})
    ResultsPage list(@RequestParam(name = "kind", required = false) String kind,
            @RequestParam(name = "tag", required = false) String tag) {
        return results.list(kind, tag);
    }

    @PatchMapping({"/rest/results/{kind}/{id}/", "/rest/results/{kind}/{id}"})
    ResultAnswer label(@PathVariable("kind") String kind, @PathVariable("id") String id,
            @RequestBody(required = false) byte[] body, Authentication caller) throws IOException {
        if (body == null || body.length == 0) {
            throw new DomainException(Kind.INVALID, "no labels", "send {\"tags\": [...], \"comment\": \"...\"}");
        }
        if (body.length > MAX_BODY) {
            throw new DomainException(Kind.TOO_LARGE, "labels too large", "at most " + MAX_BODY + " bytes");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new DomainException(Kind.INVALID, "malformed JSON", e.getOriginalMessage(), e);
        }
        List<String> violations = node == null || node.isMissingNode() ? List.of("$: a JSON object expected")
                : DocumentSchema.of(DocumentSchema.Document.RESULT_LABELS).validate(node);
        if (!violations.isEmpty()) {
            throw new DomainException(Kind.INVALID, "not valid labels", String.join("; ", violations));
        }
        return results.label(kind, id, json.treeToValue(node, ResultLabels.class), Callers.user(caller));
    }

    @GetMapping({"/rest/results/{kind}/{id}/download/", "/rest/results/{kind}/{id}/download"})
    ResponseEntity<Resource> download(@PathVariable("kind") String kind, @PathVariable("id") String id,
            Authentication caller) throws IOException {
        if (!settings.mayDownload(Callers.roles(caller))) {
            throw new DomainException(Kind.FORBIDDEN, "downloads forbidden", "only " + settings.downloadRoles()
                    + " may download results (flowtrap.sharing.download-roles)");
        }
        SharedResult r = results.find(kind, id);
        if (!Files.isRegularFile(r.file())) {
            throw new DomainException(Kind.GONE, "result gone", "the file of " + kind + " " + id + " is gone");
        }
        return PcapResponses.download(r.file(), r.fileName());
    }

    @PostMapping({"/rest/results/{kind}/{id}/shares/", "/rest/results/{kind}/{id}/shares"})
    ResponseEntity<ShareLinkAnswer> share(@PathVariable("kind") String kind, @PathVariable("id") String id,
            @RequestParam(name = "expires_in", required = false) String expiresIn, Authentication caller) throws IOException {
        Duration expiry = null;
        if (expiresIn != null) {
            try {
                expiry = Duration.ofSeconds(Long.parseLong(expiresIn.strip()));
            } catch (NumberFormatException e) {
                throw new DomainException(Kind.INVALID, "invalid expiry", "expires_in is a number of seconds, not '"
                        + expiresIn + "'", e);
            }
        }
        String base = ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString();
        ShareLinkAnswer link = shares.create(kind, id, Callers.user(caller), Callers.roles(caller), expiry, base);
        return ResponseEntity.status(HttpStatus.CREATED).body(link);
    }
}
