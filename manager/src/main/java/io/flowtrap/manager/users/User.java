package io.flowtrap.manager.users;

import java.time.Instant;

/**
 * A person who signs in to the GUI, as stored: name, role (analyst or admin, as for keys), the
 * password's bcrypt hash (never the password), failed sign-ins in a row, and until when sign-in is
 * locked after too many of them.
 */
public record User(String name, Role role, String passwordHash, Instant created, int failedLogins, Instant lockedUntil) {
    /** The rule a user name follows. */
    public static final String NAME_RULE = "1 to 64 characters of a-z A-Z 0-9 . _ @ -";

    public static boolean validName(String name) {
        return name != null && name.matches("[A-Za-z0-9._@-]{1,64}");
    }

    public boolean lockedAt(Instant now) {
        return lockedUntil != null && now.isBefore(lockedUntil);
    }

    User withFailure(int failures, Instant locked) {
        return new User(name, role, passwordHash, created, failures, locked);
    }

    User withPassword(String hash) {
        return new User(name, role, hash, created, 0, null);
    }
}
