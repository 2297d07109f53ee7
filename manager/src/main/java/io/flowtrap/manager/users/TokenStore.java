package io.flowtrap.manager.users;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.ProbeName;
import io.flowtrap.api.auth.ApiToken;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API keys, kept in {@code <data-dir>/tokens.json} as SHA-256 digests (never the keys), each with
 * a role, for a probe key the one probe it speaks for, and, once revoked, the time it was. The file is shared by the running manager, which
 * re-reads it when it changes, and the {@code token} command, which rewrites it atomically under a
 * lock. Thread-safe.
 */
public final class TokenStore {
    /**
     * One key as stored. {@code probe}: the probe a key of role probe delivers events for (null for
     * other roles, and for probe keys made before keys were bound, which may deliver nothing).
     * {@code owner}: the user who made it in the GUI (null for keys made by the {@code token} command),
     * the only one who may revoke it there.
     */
    public record Entry(String id, String sha256, Role role, String probe, String label, Instant created, Instant revoked,
            String owner) {
        public boolean active() {
            return revoked == null;
        }

        Entry revokedAt(Instant at) {
            return new Entry(id, sha256, role, probe, label, created, at, owner);
        }

        /** Who calls with this key, as logs and the audit trail name the caller (never the key's hash). */
        @Override
        public String toString() {
            return owner != null ? owner + " (key " + id + ")" : "key " + id;
        }
    }

    /** A key just made: the only moment its clear text exists. */
    public record Created(Entry entry, String key) {}

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JsonListFile<Entry> file;

    public TokenStore(Path dataDir, ObjectMapper json) throws IOException {
        this.file = new JsonListFile<>(dataDir, "tokens", Entry.class, json);
    }

    /** The active entry whose key this is, if any. */
    public Optional<Entry> authenticate(String key) throws IOException {
        String digest = ApiToken.hash(key);
        for (Entry e : current()) {
            if (e.active() && ApiToken.sameHash(e.sha256(), digest)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    public List<Entry> list() throws IOException {
        return current();
    }

    /** A new key of {@code role}; a probe key is bound to {@code probe} (required for it, refused for others). */
    public Created create(Role role, String probe, String label) throws IOException {
        return create(role, probe, label, null);
    }

    /** A new key of {@code owner}'s, with the owner's role (analyst or admin): made and revoked by that user in the GUI. */
    public Created createOwn(String owner, Role role, String label) throws IOException {
        if (owner == null || role == Role.PROBE) {
            throw new IllegalArgumentException("a user's own key has the user's role, analyst or admin");
        }
        return create(role, null, label, owner);
    }

    /** The active and revoked keys {@code owner} made. */
    public List<Entry> ownedBy(String owner) throws IOException {
        return current().stream().filter(e -> owner.equals(e.owner())).toList();
    }

    /** Revokes {@code owner}'s key {@code id}; false if {@code owner} has no such active key. */
    public boolean revokeOwn(String owner, String id) throws IOException {
        return file.update(entries -> {
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (e.id().equals(id) && e.active() && owner.equals(e.owner())) {
                    entries.set(i, e.revokedAt(Instant.now()));
                    return true;
                }
            }
            return false;
        });
    }

    private Created create(Role role, String probe, String label, String owner) throws IOException {
        if (role == Role.PROBE && (probe == null || !ProbeName.isValid(probe))) {
            throw new IllegalArgumentException("a probe key is made for one probe: give --probe NAME ("
                    + ProbeName.RULE + ")" + (probe == null ? "" : ", not '" + probe + "'"));
        }
        if (role != Role.PROBE && probe != null) {
            throw new IllegalArgumentException("--probe is only for keys of role probe");
        }
        String key = ApiToken.generate();
        byte[] idBytes = new byte[6];
        RANDOM.nextBytes(idBytes);
        Entry entry = new Entry("tk-" + HexFormat.of().formatHex(idBytes), ApiToken.hash(key), role, probe,
                label == null ? "" : label, Instant.now(), null, owner);
        file.update(entries -> entries.add(entry));
        return new Created(entry, key);
    }

    /** Revokes the key with this id; false if there is none (or it was revoked already). */
    public boolean revoke(String id) throws IOException {
        return file.update(entries -> {
            boolean done = false;
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (e.id().equals(id) && e.active()) {
                    entries.set(i, e.revokedAt(Instant.now()));
                    done = true;
                }
            }
            return done;
        });
    }

    private List<Entry> current() throws IOException {
        return file.current();
    }
}
