package io.flowtrap.manager.users;

import java.util.Locale;

/** What a key may do: analysts search alerts and pull pcaps; probes deliver alerts; admins do all. */
public enum Role {
    ANALYST,
    PROBE,
    ADMIN;

    public String authority() {
        return "ROLE_" + name();
    }

    public static Role parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown role " + s + ": analyst, probe or admin");
        }
    }
}
