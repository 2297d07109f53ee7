package io.flowtrap.manager.sharing;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.ShareLinkAnswer;
import io.flowtrap.api.manager.ShareLinksPage;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.micrometer.core.instrument.Counter;
import io.flowtrap.manager.results.JsonFile;
import io.flowtrap.manager.results.Result;
import io.flowtrap.manager.results.ResultDeleted;
import io.flowtrap.manager.results.Results;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Share links: each hands one result over without a login, at {@code /share/<token>}, until it
 * expires (410) or is revoked (404, as an unknown token). The token is 256 random bits (base64url);
 * only its SHA-256 is kept ({@code <data-dir>/sharing/share-links.json}), so the file read by
 * someone else opens nothing. Every open is logged, counted ({@code flowtrap.sharing.opens} by
 * outcome), kept with its link (the latest {@code flowtrap.sharing.recent-opens}) and audited, as
 * are the links made and revoked (events published outside the lock). Only users
 * of {@code flowtrap.sharing.download-roles} make links, and a link made by a role since taken off
 * it no longer opens (403). The links of a result deleted ({@link ResultDeleted}) go with it: each
 * still active or expired is audited as revoked, and its token is unknown (404) from then on; so
 * do, at start, the links of results no source knows any more (the searches a restart forgot).
 * Thread-safe.
 */
@Component
public class ShareLinks {
    private static final Logger log = LoggerFactory.getLogger(ShareLinks.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String PATH = "/share/";

    /** A link as kept: the token only as its SHA-256. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Link(String id, String tokenSha256, String kind, String resultId, String fileName, String sha256,
            String createdBy, List<String> createdByRoles, String created, String expires, String revoked,
            String revokedBy, long opens, List<ShareLinkAnswer.Open> recentOpens) {

        Link {
            createdByRoles = List.copyOf(createdByRoles);
            recentOpens = recentOpens == null ? List.of() : List.copyOf(recentOpens);
        }

        String state(Instant now) {
            return revoked != null ? "revoked" : Instant.parse(expires).isAfter(now) ? "active" : "expired";
        }

        Link opened(ShareLinkAnswer.Open open, int keep) {
            List<ShareLinkAnswer.Open> recent = new ArrayList<>(recentOpens);
            recent.add(open);
            while (recent.size() > keep) {
                recent.remove(0);
            }
            return new Link(id, tokenSha256, kind, resultId, fileName, sha256, createdBy, createdByRoles, created, expires,
                    revoked, revokedBy, opens + 1, recent);
        }

        Link revokedBy(String user, Instant at) {
            return new Link(id, tokenSha256, kind, resultId, fileName, sha256, createdBy, createdByRoles, created, expires,
                    at.toString(), user, opens, recentOpens);
        }
    }

    /** What an open hands over. */
    public record Opened(Path file, String fileName, String linkId) {}

    private final Results results;
    private final SharingProperties.Sharing settings;
    private final JsonFile<List<Link>> file;
    /** By the token's SHA-256 (hex). */
    private final Map<String, Link> links = new LinkedHashMap<>();
    private final MeterRegistry meters;
    private final ApplicationEventPublisher events;

    public ShareLinks(Results results, SharingProperties properties, ObjectMapper json, MeterRegistry meters,
            ApplicationEventPublisher events) throws IOException {
        this.results = results;
        this.events = events;
        this.settings = properties.sharing();
        this.meters = meters;
        this.file = new JsonFile<>(properties.dataDir().resolve("sharing/share-links.json"), json,
                json.getTypeFactory().constructCollectionType(List.class, Link.class));
        for (Link l : file.read(List.of())) {
            links.put(l.tokenSha256(), l);
        }
    }

    /**
     * Makes a link to a result for {@code user} of {@code roles} (lower case), lasting {@code
     * expiresIn} (null: the default); {@code baseUrl} starts its URL when {@code
     * flowtrap.sharing.public-url} is not set. The answer is the only place the URL appears.
     */
    public ShareLinkAnswer create(String kind, String resultId, String user, Collection<String> roles, Duration expiresIn,
            String baseUrl) throws IOException {
        if (!settings.mayDownload(roles)) {
            throw new DomainException(Kind.FORBIDDEN, "downloads forbidden", "only " + settings.downloadRoles()
                    + " may hand results over (flowtrap.sharing.download-roles); you are " + roles);
        }
        Duration expiry = expiresIn != null ? expiresIn : settings.defaultExpiry();
        if (expiry.isNegative() || expiry.isZero() || expiry.compareTo(settings.maxExpiry()) > 0) {
            throw new DomainException(Kind.INVALID, "invalid expiry", "expires_in is 1 to " + settings.maxExpiry().toSeconds()
                    + " seconds (flowtrap.sharing.max-expiry)");
        }
        Result r = results.find(kind, resultId);
        if (r.gone() != null) {
            throw new DomainException(Kind.GONE, "result gone", kind + " " + resultId + ": " + r.gone() + "; nothing to share");
        }
        if (r.file() == null) {
            throw new DomainException(Kind.NOT_FOUND, "no packets", kind + " " + resultId + " holds no packet: nothing to share");
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant now = Instant.now();
        Link link = new Link(UUID.randomUUID().toString().replace("-", "").substring(0, 12), sha256(token), r.kind(), r.id(),
                r.fileName(), r.sha256(), user, List.copyOf(roles), now.toString(), now.plus(expiry).toString(), null, null, 0,
                List.of());
        synchronized (this) {
            links.put(link.tokenSha256(), link);
            save();
        }
        log.info("share link {} to {} {} ({}) made by {}, until {}", link.id(), r.kind(), r.id(), r.fileName(), user,
                link.expires());
        audit(user, "share.create", "link", link.id(), "kind", r.kind(), "id", r.id(), "file_name", r.fileName(),
                "sha256", r.sha256(), "expires", link.expires());
        String base = settings.publicUrl().isBlank() ? baseUrl : settings.publicUrl();
        return answer(link, now, base.replaceAll("/+$", "") + PATH + token);
    }

    /**
     * Opens the link of {@code token} for a caller at {@code address}: NOT_FOUND for an unknown or
     * revoked one, GONE for an expired one or a result since deleted, FORBIDDEN when its maker's
     * role may no longer download. Each open of a known link is kept with it.
     */
    public Opened open(String token, String address, String userAgent) throws IOException {
        String hash = sha256(token == null ? "" : token);
        Instant now = Instant.now();
        Link link;
        synchronized (this) {
            link = links.get(hash);
        }
        if (link == null) {
            count("unknown");
            log.info("share: unknown token opened from {}", address);
            audit(null, "share.open", "address", address, "user_agent", cut(userAgent), "status", 404, "outcome", "unknown");
            throw new DomainException(Kind.NOT_FOUND, "no such link", "this share link does not exist or was revoked");
        }
        int status;
        DomainException refusal = null;
        Opened opened = null;
        String state = link.state(now);
        if (state.equals("revoked")) {
            refusal = new DomainException(Kind.NOT_FOUND, "no such link", "this share link does not exist or was revoked");
        } else if (state.equals("expired")) {
            refusal = new DomainException(Kind.GONE, "link expired", "this share link expired at " + link.expires());
        } else if (!settings.mayDownload(link.createdByRoles())) {
            refusal = new DomainException(Kind.FORBIDDEN, "downloads forbidden", "the link's maker (" + link.createdBy()
                    + ") may no longer hand results over (flowtrap.sharing.download-roles)");
        } else {
            try {
                Result r = results.find(link.kind(), link.resultId());
                if (r.file() == null) {
                    throw new DomainException(Kind.GONE, "no packets", "it holds no packet");
                }
                opened = new Opened(r.file(), r.fileName(), link.id());
            } catch (DomainException e) {
                refusal = new DomainException(Kind.GONE, "result gone", "the " + link.kind() + " result " + link.resultId()
                        + " this link shares is gone: " + e.detail(), e);
            }
        }
        status = refusal == null ? 200 : switch (refusal.kind()) {
            case NOT_FOUND -> 404;
            case GONE -> 410;
            case FORBIDDEN -> 403;
            default -> 500;
        };
        String outcome = refusal == null ? "served" : state.equals("active") ? refusal.getMessage().replace(' ', '_') : state;
        synchronized (this) {
            Link current = links.get(hash);
            if (current != null) {
                links.put(hash, current.opened(new ShareLinkAnswer.Open(now.toString(), address, cut(userAgent), status),
                        settings.recentOpens()));
                save();
            }
        }
        count(outcome);
        log.info("share link {} ({} {}) opened from {}: {}", link.id(), link.kind(), link.resultId(), address, status);
        audit(null, state.equals("expired") ? "share.expired-open" : "share.open", "link", link.id(), "kind", link.kind(),
                "id", link.resultId(), "made_by", link.createdBy(), "address", address, "user_agent", cut(userAgent),
                "status", status, "outcome", outcome);
        if (refusal != null) {
            throw refusal;
        }
        return opened;
    }

    /** Revokes a link (its opens answer 404 from now on), as {@code user}. */
    public ShareLinkAnswer revoke(String id, String user) throws IOException {
        Link link;
        boolean revoked = false;
        synchronized (this) {
            link = byId(id);
            if (link.revoked() == null) {
                link = link.revokedBy(user, Instant.now());
                links.put(link.tokenSha256(), link);
                save();
                revoked = true;
                log.info("share link {} ({} {}) revoked by {}", link.id(), link.kind(), link.resultId(), user);
            }
        }
        if (revoked) {
            audit(user, "share.revoke", "link", link.id(), "kind", link.kind(), "id", link.resultId(), "made_by", link.createdBy(),
                    "opens", link.opens());
        }
        return answer(link, Instant.now(), null);
    }

    /** At start: the links of results {@link Results} knows no more go as their deletion would take them. */
    @EventListener(ApplicationReadyEvent.class)
    void forgetUnknown() {
        List<Link> all;
        synchronized (this) {
            all = List.copyOf(links.values());
        }
        for (Link l : all) {
            ResultDeleted unknown = results.unknownAtStart(l.kind(), l.resultId());
            if (unknown != null) {
                resultDeleted(unknown);
            }
        }
    }

    /** Deletes the links of a result deleted (and of its per-probe parts): gone from the list, 404 when opened. */
    @EventListener
    void resultDeleted(ResultDeleted gone) {
        List<Link> dropped;
        synchronized (this) {
            dropped = links.values().stream().filter(l -> gone.covers(l.kind(), l.resultId())).toList();
            if (dropped.isEmpty()) {
                return;
            }
            dropped.forEach(l -> links.remove(l.tokenSha256()));
            try {
                save();
            } catch (IOException e) {
                dropped.forEach(l -> links.put(l.tokenSha256(), l));
                log.error("the share links of deleted result {} {} are kept (they answer 410): the links file cannot be written: {}",
                        gone.kind(), gone.id(), e.getMessage());
                return;
            }
        }
        Instant now = Instant.now();
        for (Link l : dropped) {
            log.info("share link {} ({} {}) deleted with its result: {}", l.id(), l.kind(), l.resultId(), gone.reason());
            if (l.revoked() == null) {
                audit(gone.by(), "share.revoke", "link", l.id(), "kind", l.kind(), "id", l.resultId(), "made_by", l.createdBy(),
                        "opens", l.opens(), "state", l.state(now), "reason", "its result was deleted: " + gone.reason());
            }
        }
    }

    public synchronized ShareLinkAnswer get(String id) {
        return answer(byId(id), Instant.now(), null);
    }

    /** Every link kept, newest first, with its opens: the audit of what was handed over. */
    public synchronized ShareLinksPage list() {
        Instant now = Instant.now();
        List<ShareLinkAnswer> all = links.values().stream().sorted(Comparator.comparing(Link::created).reversed())
                .map(l -> answer(l, now, null)).toList();
        return new ShareLinksPage(all.size(), all);
    }

    private Link byId(String id) {
        return links.values().stream().filter(l -> l.id().equals(id)).findFirst()
                .orElseThrow(() -> new DomainException(Kind.NOT_FOUND, "no such link", "no share link " + id));
    }

    private void save() throws IOException {
        file.write(List.copyOf(links.values()));
    }

    private void count(String outcome) {
        Counter.builder("flowtrap.sharing.opens").description("share links opened, by outcome").tag("outcome", outcome)
                .register(meters).increment();
    }

    private void audit(String user, String action, Object... pairs) {
        Map<String, Object> details = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            details.put((String) pairs[i], pairs[i + 1]);
        }
        events.publishEvent(new Audited(user, action, details));
    }

    private static ShareLinkAnswer answer(Link l, Instant now, String url) {
        return new ShareLinkAnswer(l.id(), l.kind(), l.resultId(), l.fileName(), l.sha256(), l.createdBy(), l.created(),
                l.expires(), l.revoked(), l.revokedBy(), l.state(now), url, l.opens(), l.recentOpens());
    }

    private static String cut(String s) {
        return s == null ? null : s.length() > 200 ? s.substring(0, 200) : s;
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
