package io.flowtrap.manager.security;

import io.flowtrap.manager.users.TokenStore;
import java.util.List;
import java.util.Locale;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/** Who calls: the key's owner, the login, or {@code key-<id>} for a key no user owns; and the caller's roles. */
public final class Callers {
    private Callers() {}

    public static String user(Authentication caller) {
        if (caller.getPrincipal() instanceof TokenStore.Entry key) {
            return key.owner() != null ? key.owner() : "key-" + key.id();
        }
        return caller.getName();
    }

    /** Whether the caller may change what anyone made: an admin, or a key no user owns (made by the token command). */
    public static boolean mayChangeAny(Authentication caller) {
        boolean admin = caller.getAuthorities().stream().anyMatch(a -> "ROLE_ADMIN".equals(a.getAuthority()));
        return admin || caller.getPrincipal() instanceof TokenStore.Entry key && key.owner() == null;
    }

    /** The caller's roles, lower case ({@code analyst}, {@code admin}). */
    public static List<String> roles(Authentication caller) {
        return caller.getAuthorities().stream().map(GrantedAuthority::getAuthority).filter(a -> a.startsWith("ROLE_"))
                .map(a -> a.substring(5).toLowerCase(Locale.ROOT)).toList();
    }
}
