package io.flowtrap.manager.results.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.FilterRequest;
import io.flowtrap.api.manager.MergeRequest;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.api.manager.ResultLabels;
import io.flowtrap.api.manager.ResultsPage;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.results.Result;
import io.flowtrap.manager.results.Results;
import io.flowtrap.manager.security.Callers;
import io.flowtrap.manager.sharing.SharingProperties;
import io.flowtrap.manager.web.JsonRequests;
import io.flowtrap.manager.web.PcapResponses;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The results of every kind: {@code GET /rest/results/} lists them ({@code ?kind=}, {@code ?tag=}),
 * {@code GET <kind>/<id>/} details one, {@code PATCH <kind>/<id>/} sets its tags and comment, {@code
 * GET <kind>/<id>/download/} hands its pcap over (only for {@code flowtrap.sharing.download-roles}),
 * {@code DELETE <kind>/<id>/} deletes a merge, a filter or an extraction (an extraction: who asked
 * for it or an admin); {@code POST /rest/merges/} merges results
 * by time (with {@code dedup}) and {@code POST /rest/filters/} filters one by a tcpdump expression
 * (both 201, made at once).
 */
@RestController
class ResultsController {
    private static final int MAX_BODY = 64 * 1024;

    private final Results results;
    private final SharingProperties.Sharing sharing;
    private final ObjectMapper json;

    ResultsController(Results results, SharingProperties sharing, ObjectMapper json) {
        this.results = results;
        this.sharing = sharing.sharing();
        this.json = json;
    }

    @PostMapping({"/rest/merges/", "/rest/merges"})
    ResponseEntity<ResultAnswer> merge(@RequestBody(required = false) byte[] body, Authentication caller) throws IOException {
        MergeRequest request = JsonRequests.read(json, body, DocumentSchema.Document.MERGE_REQUEST, MergeRequest.class, "merge request",
                MAX_BODY);
        return ResponseEntity.status(HttpStatus.CREATED).body(results.merge(request, Callers.user(caller)));
    }

    @PostMapping({"/rest/filters/", "/rest/filters"})
    ResponseEntity<ResultAnswer> filter(@RequestBody(required = false) byte[] body, Authentication caller) throws IOException {
        FilterRequest request = JsonRequests.read(json, body, DocumentSchema.Document.FILTER_REQUEST, FilterRequest.class, "filter request",
                MAX_BODY);
        return ResponseEntity.status(HttpStatus.CREATED).body(results.filter(request, Callers.user(caller)));
    }

    @GetMapping({"/rest/results/", "/rest/results"})
    ResultsPage list(@RequestParam(name = "kind", required = false) String kind,
            @RequestParam(name = "tag", required = false) String tag) {
        return results.list(kind, tag);
    }

    @GetMapping({"/rest/results/{kind}/{id}/", "/rest/results/{kind}/{id}"})
    ResultAnswer detail(@PathVariable("kind") String kind, @PathVariable("id") String id) {
        return results.get(kind, id);
    }

    @PatchMapping({"/rest/results/{kind}/{id}/", "/rest/results/{kind}/{id}"})
    ResultAnswer label(@PathVariable("kind") String kind, @PathVariable("id") String id,
            @RequestBody(required = false) byte[] body, Authentication caller) throws IOException {
        JsonNode labels = JsonRequests.tree(json, body, DocumentSchema.Document.RESULT_LABELS, "label change", MAX_BODY);
        return results.label(kind, id, json.treeToValue(labels, ResultLabels.class), Callers.user(caller));
    }

    @DeleteMapping({"/rest/results/{kind}/{id}/", "/rest/results/{kind}/{id}"})
    ResultAnswer delete(@PathVariable("kind") String kind, @PathVariable("id") String id, Authentication caller)
            throws IOException {
        return results.delete(kind, id, Callers.user(caller), Callers.mayChangeAny(caller));
    }

    @GetMapping({"/rest/results/{kind}/{id}/download/", "/rest/results/{kind}/{id}/download"})
    ResponseEntity<Resource> download(@PathVariable("kind") String kind, @PathVariable("id") String id,
            Authentication caller) throws IOException {
        if (!sharing.mayDownload(Callers.roles(caller))) {
            throw new DomainException(Kind.FORBIDDEN, "downloads forbidden", "only " + sharing.downloadRoles()
                    + " may download results (flowtrap.sharing.download-roles)");
        }
        Result r = results.download(kind, id, Callers.user(caller));
        return PcapResponses.download(r.file(), r.fileName());
    }

}
