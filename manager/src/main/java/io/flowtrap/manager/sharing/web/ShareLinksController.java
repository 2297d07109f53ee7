package io.flowtrap.manager.sharing.web;

import io.flowtrap.api.manager.ShareLinkAnswer;
import io.flowtrap.api.manager.ShareLinksPage;
import io.flowtrap.manager.sharing.ShareLinks;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /share/<token>}: the shared file, no login (404 unknown or revoked, 410 expired or
 * its result gone, 403 when its maker may no longer download); {@code GET /rest/shares/}: every
 * link and its opens; {@code DELETE /rest/shares/<id>/} revokes one.
 */
@RestController
class ShareLinksController {
    private final ShareLinks shares;

    ShareLinksController(ShareLinks shares) {
        this.shares = shares;
    }

    @GetMapping("/share/{token}")
    ResponseEntity<Resource> open(@PathVariable("token") String token, HttpServletRequest request) throws IOException {
        ShareLinks.Opened opened = shares.open(token, request.getRemoteAddr(), request.getHeader(HttpHeaders.USER_AGENT));
        return PcapResponses.download(opened.file(), opened.fileName());
    }

    @GetMapping({"/rest/shares/", "/rest/shares"})
    ShareLinksPage list() {
        return shares.list();
    }

    @DeleteMapping({"/rest/shares/{id}/", "/rest/shares/{id}"})
    ShareLinkAnswer revoke(@PathVariable("id") String id, Authentication caller) throws IOException {
        return shares.revoke(id, Callers.user(caller));
    }
}
