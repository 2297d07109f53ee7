package io.flowtrap.manager.sharing.web;

import io.flowtrap.api.manager.ShareLinkAnswer;
import io.flowtrap.api.manager.ShareLinksPage;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.security.Callers;
import io.flowtrap.manager.sharing.ShareLinks;
import io.flowtrap.manager.web.PcapResponses;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Duration;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * {@code POST /rest/results/<kind>/<id>/shares/} ({@code ?expires_in=} seconds) makes a share link
 * (only for {@code flowtrap.sharing.download-roles}); {@code GET /share/<token>}: the shared file, no
 * login (404 unknown or revoked, 410 expired or its result gone, 403 when its maker may no longer
 * download); {@code GET /rest/shares/}: every link and its opens; {@code DELETE /rest/shares/<id>/}
 * revokes one.
 */
@RestController
class ShareLinksController {
    private final ShareLinks shares;

    ShareLinksController(ShareLinks shares) {
        this.shares = shares;
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
