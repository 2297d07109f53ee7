package io.flowtrap.manager.users;

import io.flowtrap.manager.elasticsearch.StateIndices;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The GUI's users, in Elasticsearch ({@code <state-index-prefix>users}, schema stored-user.schema.json),
 * shared with the {@code user} command like {@link TokenStore}'s keys. Every call reads or writes
 * Elasticsearch (sign-ins are rare; the lockout's count so holds across restarts); when it cannot be
 * used, a call throws the {@code UNAVAILABLE} {@link io.flowtrap.manager.errors.DomainException}
 * and nothing is changed. Passwords are generated here, shown once, and kept as bcrypt hashes
 * (cost {@value #BCRYPT_COST}: about a quarter of a second per check on one core, so guessing is
 * slow). After {@code flowtrap.login.max-failures} wrong passwords in a row a user's sign-in is
 * locked for {@code flowtrap.login.lockout}, whatever the password; a right one resets the count.
 * Thread-safe; a user's read-count-write of a sign-in runs under a lock within this manager (one
 * manager per Elasticsearch is what the lockout's count assumes).
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

    private final StoredUsers stored;
    private final StateIndices indices;
    private final BCryptPasswordEncoder bcrypt;
    /** Compared against when the user is unknown, so that answering takes as long either way. */
    private final String unknownUserHash;

    UserStore(StoredUsers stored, StateIndices indices) {
        this(stored, indices, BCRYPT_COST);
    }

    /** With another bcrypt cost for new hashes (tests; existing hashes keep theirs). */
    UserStore(StoredUsers stored, StateIndices indices, int bcryptCost) {
        this.stored = stored;
        this.indices = indices;
        this.bcrypt = new BCryptPasswordEncoder(bcryptCost);
        this.unknownUserHash = bcrypt.encode("no such user");
    }

    /** A new user of {@code role} (analyst or admin) with a generated password. */
    public Created create(String name, Role role) {
        requireValid(name, role);
        String password = generatePassword();
        User user = new User(name, role, bcrypt.encode(password), Instant.now(), 0, null);
        synchronized (this) {
            if (find(name).isPresent()) {
                throw new IllegalArgumentException("user " + name + " exists already");
            }
            save(user, "create user " + name);
        }
        return new Created(user, password);
    }

    /** Refuses a user {@link #create} would refuse (the command checks before it reaches Elasticsearch). */
    static void requireValid(String name, Role role) {
        if (!User.validName(name)) {
            throw new IllegalArgumentException("a user name is " + User.NAME_RULE + (name == null ? "" : ", not '" + name + "'"));
        }
        if (role == Role.PROBE) {
            throw new IllegalArgumentException("a user is an analyst or an admin; probes have keys");
        }
    }

    /** Every user, by name. */
    public List<User> list() {
        return indices.readAll(Document.STORED_USER, StoredUser.KIND, StoredUser.class, "read the users").stream().map(StoredUser::user)
                .sorted(java.util.Comparator.comparing(User::name)).toList();
    }

    public Optional<User> find(String name) {
        return indices.call(Document.STORED_USER, StoredUser.KIND, "read user " + name,
                () -> stored.findById(name).map(StoredUser::user));
    }

    /** Removes user {@code name} (their own API keys stay until revoked); false if there is none. */
    public synchronized boolean delete(String name) {
        if (find(name).isEmpty()) {
            return false;
        }
        indices.run(Document.STORED_USER, StoredUser.KIND, "delete user " + name, () -> stored.deleteById(name));
        return true;
    }

    /** Stores {@code users} as they are (the one-time import of users.json): those whose name is stored already are left. */
    synchronized int importAll(List<User> users) {
        int added = 0;
        for (User u : users) {
            if (User.validName(u.name()) && find(u.name()).isEmpty()) {
                save(u, "import user " + u.name());
                added++;
            }
        }
        return added;
    }

    /** Checks a sign-in at {@code now}, counting a failure (and locking as {@code policy} says) or clearing the count. */
    public Login login(String name, String password, Instant now, UsersProperties.Login policy) {
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
    public String resetPassword(String name) {
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

    /** Replaces user {@code name} by {@code change} of it, as it is stored; the new one, null if there is none. */
    private synchronized User replace(String name, Change change) {
        Optional<User> found = find(name);
        if (found.isEmpty()) {
            return null;
        }
        User changed = change.apply(found.get());
        save(changed, "update user " + name);
        return changed;
    }

    private void save(User user, String what) {
        indices.run(Document.STORED_USER, StoredUser.KIND, what, () -> stored.save(StoredUser.of(user)));
    }

    private static String generatePassword() {
        StringBuilder sb = new StringBuilder(PASSWORD_LENGTH);
        for (int i = 0; i < PASSWORD_LENGTH; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
