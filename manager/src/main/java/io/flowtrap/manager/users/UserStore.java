package io.flowtrap.manager.users;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The GUI's users, in {@code <data-dir>/users.json} (shared with the {@code user} command like
 * {@link TokenStore}'s keys). Passwords are generated here, shown once, and kept as bcrypt hashes
 * (cost {@value #BCRYPT_COST}: about a quarter of a second per check on one core, so guessing is
 * slow). After {@code flowtrap.login.max-failures} wrong passwords in a row a user's sign-in is
 * locked for {@code flowtrap.login.lockout}, whatever the password; a right one resets the count.
 * Thread-safe.
 */
public final class UserStore {
    static final int BCRYPT_COST = 12;
    private static final String ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private static final int PASSWORD_LENGTH = 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a sign-in came to; {@code user} only when {@code SIGNED_IN}. */
    public record Login(Outcome outcome, User user) {}

    public enum Outcome {
        SIGNED_IN,
        /** unknown user or wrong password (not told apart) */
        REFUSED,
        /** too many wrong passwords: refused until the lockout ends */
        LOCKED
    }

    /** A user just made: the only moment the password exists in clear. */
    public record Created(User user, String password) {}

    private final JsonListFile<User> file;
    private final BCryptPasswordEncoder bcrypt;
    /** Compared against when the user is unknown, so that answering takes as long either way. */
    private final String unknownUserHash;

    public UserStore(Path dataDir, ObjectMapper json) throws IOException {
        this(dataDir, json, BCRYPT_COST);
    }

    /** With another bcrypt cost for new hashes (tests; existing hashes keep theirs). */
    UserStore(Path dataDir, ObjectMapper json, int bcryptCost) throws IOException {
        this.file = new JsonListFile<>(dataDir, "users", User.class, json);
        this.bcrypt = new BCryptPasswordEncoder(bcryptCost);
        this.unknownUserHash = bcrypt.encode("no such user");
    }

    /** A new user of {@code role} (analyst or admin) with a generated password. */
    public Created create(String name, Role role) throws IOException {
        if (!User.validName(name)) {
            throw new IllegalArgumentException("a user name is " + User.NAME_RULE + (name == null ? "" : ", not '" + name + "'"));
        }
        if (role == Role.PROBE) {
            throw new IllegalArgumentException("a user is an analyst or an admin; probes have keys");
        }
        String password = generatePassword();
        User user = new User(name, role, bcrypt.encode(password), Instant.now(), 0, null);
        file.update(users -> {
            if (users.stream().anyMatch(u -> u.name().equals(name))) {
                throw new IllegalArgumentException("user " + name + " exists already");
            }
            return users.add(user);
        });
        return new Created(user, password);
    }

    public List<User> list() throws IOException {
        return file.current();
    }

    public Optional<User> find(String name) throws IOException {
        return file.current().stream().filter(u -> u.name().equals(name)).findFirst();
    }

    /** Checks a sign-in at {@code now}, counting a failure (and locking as {@code policy} says) or clearing the count. */
    public Login login(String name, String password, Instant now, UsersProperties.Login policy) throws IOException {
        Optional<User> found = find(name);
        if (found.isEmpty()) {
            bcrypt.matches(password == null ? "" : password, unknownUserHash);
            return new Login(Outcome.REFUSED, null);
        }
        User user = found.get();
        if (user.lockedAt(now)) {
            return new Login(Outcome.LOCKED, null);
        }
        if (password != null && bcrypt.matches(password, user.passwordHash())) {
            if (user.failedLogins() > 0 || user.lockedUntil() != null) {
                replace(name, u -> u.withFailure(0, null));
            }
            return new Login(Outcome.SIGNED_IN, user);
        }
        User after = replace(name, u -> {
            int failures = u.failedLogins() + 1;
            return failures >= policy.maxFailures() ? u.withFailure(0, now.plus(policy.lockout())) : u.withFailure(failures, null);
        });
        return new Login(after != null && after.lockedAt(now) ? Outcome.LOCKED : Outcome.REFUSED, null);
    }

    /** Gives {@code name} a new generated password (and lifts a lockout); the password. */
    public String resetPassword(String name) throws IOException {
        String password = generatePassword();
        String hash = bcrypt.encode(password);
        if (replace(name, u -> u.withPassword(hash)) == null) {
            throw new IllegalArgumentException("no user " + name);
        }
        return password;
    }

    private interface Change {
        User apply(User user);
    }

    /** Replaces user {@code name} by {@code change} of it, as it is on disk; the new one, null if there is none. */
    private User replace(String name, Change change) throws IOException {
        return file.update(users -> {
            for (int i = 0; i < users.size(); i++) {
                if (users.get(i).name().equals(name)) {
                    User changed = change.apply(users.get(i));
                    users.set(i, changed);
                    return changed;
                }
            }
            return null;
        });
    }

    private static String generatePassword() {
        StringBuilder sb = new StringBuilder(PASSWORD_LENGTH);
        for (int i = 0; i < PASSWORD_LENGTH; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
