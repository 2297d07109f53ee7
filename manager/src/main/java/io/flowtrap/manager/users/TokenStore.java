package io.flowtrap.manager.users;

import io.flowtrap.api.ProbeName;
import io.flowtrap.api.auth.ApiToken;
import io.flowtrap.manager.elasticsearch.StateIndices;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * API keys, kept in Elasticsearch ({@code <state-index-prefix>keys}, schema api-key.schema.json) as
 * SHA-256 digests (never the keys), each with a role, for a probe key the one probe it speaks for,
 * for a user's own key its owner, and, once revoked, the time it was; shared by the running manager
 * and the {@code token} command.
 *
 * <p>{@link #authenticate} answers from a copy in memory, never from Elasticsearch, so a request
 * costs no round trip and keys already known keep working while Elasticsearch is down. The copy is
 * replaced by {@link #reload()} (the manager calls it every {@code flowtrap.keys.reload}: how soon
 * a key the command made or revoked is seen) and changed at once by every change made here (the GUI's
 * keys page, the manager's own calls). Thread-safe.
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

    private final StoredKeys stored;
    private final StateIndices indices;
    /** By id, in the order made: what {@link #authenticate} checks. */
    private volatile Map<String, Entry> known = Map.of();
    private volatile boolean loaded;

    TokenStore(StoredKeys stored, StateIndices indices) {
        this.stored = stored;
        this.indices = indices;
    }

    /** The active entry whose key this is, if any, from the keys in memory (no Elasticsearch call). */
    public Optional<Entry> authenticate(String key) {
        String digest = ApiToken.hash(key);
        for (Entry e : known.values()) {
            if (e.active() && ApiToken.sameHash(e.sha256(), digest)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * Reads every key from Elasticsearch into memory; how many.
     *
     * @throws io.flowtrap.manager.errors.DomainException UNAVAILABLE when it cannot be read (the copy in memory stays)
     */
    public synchronized int reload() {
        List<Entry> all = readAll();
        Map<String, Entry> byId = new LinkedHashMap<>();
        all.forEach(e -> byId.put(e.id(), e));
        known = Map.copyOf(byId);
        loaded = true;
        return byId.size();
    }

    /** Whether every key was read from Elasticsearch at least once ({@link #reload()}): until then an unknown key may be one not read yet. */
    public boolean loaded() {
        return loaded;
    }

    /** Every key as stored (read from Elasticsearch), oldest first. */
    public List<Entry> list() {
        return readAll();
    }

    /** A new key of {@code role}; a probe key is bound to {@code probe} (required for it, refused for others). */
    public Created create(Role role, String probe, String label) {
        return create(role, probe, label, null);
    }

    /** A new key of {@code owner}'s, with the owner's role (analyst or admin): made and revoked by that user in the GUI. */
    public Created createOwn(String owner, Role role, String label) {
        if (owner == null || role == Role.PROBE) {
            throw new IllegalArgumentException("a user's own key has the user's role, analyst or admin");
        }
        return create(role, null, label, owner);
    }

    /** The active and revoked keys {@code owner} made, as stored. */
    public List<Entry> ownedBy(String owner) {
        return readAll().stream().filter(e -> owner.equals(e.owner())).toList();
    }

    /** Revokes {@code owner}'s key {@code id}; false if {@code owner} has no such active key. */
    public boolean revokeOwn(String owner, String id) {
        return revoke(id, e -> owner.equals(e.owner()));
    }

    /** Refuses a key of {@code role} for {@code probe} that {@link #create} would refuse (the command checks before it reaches Elasticsearch). */
    static void requireValid(Role role, String probe) {
        if (role == Role.PROBE && (probe == null || !ProbeName.isValid(probe))) {
            throw new IllegalArgumentException("a probe key is made for one probe: give --probe NAME ("
                    + ProbeName.RULE + ")" + (probe == null ? "" : ", not '" + probe + "'"));
        }
        if (role != Role.PROBE && probe != null) {
            throw new IllegalArgumentException("--probe is only for keys of role probe");
        }
    }

    private Created create(Role role, String probe, String label, String owner) {
        requireValid(role, probe);
        String key = ApiToken.generate();
        byte[] idBytes = new byte[6];
        RANDOM.nextBytes(idBytes);
        Entry entry = new Entry("tk-" + HexFormat.of().formatHex(idBytes), ApiToken.hash(key), role, probe,
                label == null ? "" : label, Instant.now(), null, owner);
        save(entry, "store key " + entry.id());
        return new Created(entry, key);
    }

    /** Revokes the key with this id; false if there is none (or it was revoked already). */
    public boolean revoke(String id) {
        return revoke(id, e -> true);
    }

    private synchronized boolean revoke(String id, java.util.function.Predicate<Entry> may) {
        Optional<Entry> found = indices.call(Document.API_KEY, StoredKey.KIND, "read key " + id,
                () -> stored.findById(id).map(StoredKey::entry));
        if (found.isEmpty() || !found.get().active() || !may.test(found.get())) {
            return false;
        }
        save(found.get().revokedAt(Instant.now()), "revoke key " + id);
        return true;
    }

    /** Stores {@code entries} as they are (the one-time import of tokens.json): those whose id is stored already are left. */
    synchronized int importAll(List<Entry> entries) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        readAll().forEach(e -> ids.add(e.id()));
        int added = 0;
        for (Entry e : entries) {
            if (e.id() != null && e.sha256() != null && e.role() != null && e.created() != null && ids.add(e.id())) {
                save(e, "import key " + e.id());
                added++;
            }
        }
        return added;
    }

    private List<Entry> readAll() {
        return indices.readAll(Document.API_KEY, StoredKey.KIND, StoredKey.class, "read the API keys").stream().map(StoredKey::entry)
                .sorted(Comparator.comparing(Entry::created).thenComparing(Entry::id)).toList();
    }

    /** Writes {@code entry} to Elasticsearch, then to the keys in memory: a change made here is seen at once. */
    private synchronized void save(Entry entry, String what) {
        indices.run(Document.API_KEY, StoredKey.KIND, what, () -> stored.save(StoredKey.of(entry)));
        Map<String, Entry> next = new LinkedHashMap<>(known);
        next.put(entry.id(), entry);
        known = Map.copyOf(next);
    }
}
