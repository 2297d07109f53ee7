package io.flowtrap.manager.users.web;

import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.users.Role;
import io.flowtrap.manager.users.TokenStore;
import io.flowtrap.manager.users.UsersProperties;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.security.core.Authentication;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The users feature's pages. {@code GET /login}: the sign-in form (Spring Security checks what it
 * posts), with why the last try failed. {@code GET /keys}: the signed-in user, and their own API keys,
 * which they make ({@code POST /keys}: the key is shown once, on the page that answers) and revoke
 * ({@code POST /keys/<id>/revoke}). A key has its maker's role; only its maker revokes it here.
 * Both go into the audit trail ({@code key.create}, {@code key.revoke}).
 */
final class UserPages {
    private static final int MAX_LABEL = 100;

    private final TokenStore tokens;
    private final UsersProperties properties;
    private final ApplicationEventPublisher audit;

    UserPages(TokenStore tokens, UsersProperties properties, ApplicationEventPublisher audit) {
        this.tokens = tokens;
        this.properties = properties;
        this.audit = audit;
    }

    ServerResponse login(ServerRequest request) {
        Map<String, Object> model = new HashMap<>();
        if (request.param("error").isPresent()) {
            model.put("message", "Wrong name or password.");
        } else if (request.param("locked").isPresent()) {
            model.put("message", "Too many failed sign-ins: this user is locked for "
                    + properties.login().lockout().toMinutes() + " minutes.");
        } else if (request.param("unavailable").isPresent()) {
            model.put("message", "Signing in is not possible now: the manager cannot reach Elasticsearch, where the users are. Try again shortly.");
        } else if (request.param("logout").isPresent()) {
            model.put("notice", "Signed out.");
        }
        return ServerResponse.ok().render("login", model);
    }

    ServerResponse keys(ServerRequest request) {
        return page(user(request), new HashMap<>());
    }

    ServerResponse createKey(ServerRequest request) {
        Authentication user = user(request);
        String label = request.param("label").orElse("").strip();
        Map<String, Object> model = new HashMap<>();
        if (label.length() > MAX_LABEL) {
            model.put("message", "A label is at most " + MAX_LABEL + " characters.");
            return page(user, model);
        }
        TokenStore.Created created;
        try {
            created = tokens.createOwn(user.getName(), role(user), label);
        } catch (DomainException e) {
            model.put("message", "No key was made: " + e.detail());
            return page(user, model);
        }
        audit.publishEvent(new Audited(user.getName(), "key.create", Map.of("key", created.entry().id(), "label", label,
                "role", created.entry().role().name().toLowerCase(Locale.ROOT))));
        model.put("newKey", created.key());
        model.put("newKeyId", created.entry().id());
        return page(user, model);
    }

    ServerResponse revokeKey(ServerRequest request) {
        Authentication user = user(request);
        String id = request.pathVariable("id");
        Map<String, Object> model = new HashMap<>();
        try {
            if (tokens.revokeOwn(user.getName(), id)) {
                audit.publishEvent(new Audited(user.getName(), "key.revoke", Map.of("key", id)));
                model.put("notice", "Key " + id + " revoked.");
            } else {
                model.put("message", "You have no active key " + id + ".");
            }
        } catch (DomainException e) {
            model.put("message", "Key " + id + " was not revoked: " + e.detail());
        }
        return page(user, model);
    }

    private ServerResponse page(Authentication user, Map<String, Object> model) {
        model.put("user", user.getName());
        model.put("role", role(user).name().toLowerCase(Locale.ROOT));
        List<TokenStore.Entry> keys;
        try {
            keys = tokens.ownedBy(user.getName()).stream().sorted(Comparator.comparing(TokenStore.Entry::created).reversed()).toList();
        } catch (DomainException e) {
            model.putIfAbsent("message", "Your keys cannot be listed now: " + e.detail());
            keys = List.of();
        }
        model.put("keys", keys);
        return ServerResponse.ok().render("keys", model);
    }

    /** The signed-in caller (the security chain lets no one else reach these pages). */
    private static Authentication user(ServerRequest request) {
        return (Authentication) request.principal().orElseThrow(() -> new IllegalStateException("no signed-in user"));
    }

    private static Role role(Authentication user) {
        boolean admin = user.getAuthorities().stream().anyMatch(a -> a.getAuthority().equals(Role.ADMIN.authority()));
        return admin ? Role.ADMIN : Role.ANALYST;
    }
}
