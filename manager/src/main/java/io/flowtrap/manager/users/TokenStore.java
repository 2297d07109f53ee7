package io.flowtrap.manager.users;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.ProbeName;
import io.flowtrap.api.auth.ApiToken;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
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
     */
    public record Entry(String id, String sha256, Role role, String probe, String label, Instant created, Instant revoked) {
        public boolean active() {
            return revoked == null;
        }
    }

    /** A key just made: the only moment its clear text exists. */
    public record Created(Entry entry, String key) {}

    private static final TypeReference<List<Entry>> ENTRIES = new TypeReference<>() {};
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final Path lockFile;
    private final ObjectMapper json;
    private volatile Snapshot snapshot = new Snapshot(null, -1, List.of());

    private record Snapshot(FileTime modified, long size, List<Entry> entries) {}

    public TokenStore(Path dataDir, ObjectMapper json) throws IOException {
        Files.createDirectories(dataDir);
        this.file = dataDir.resolve("tokens.json");
        this.lockFile = dataDir.resolve("tokens.lock");
        this.json = json.copy().findAndRegisterModules()
                .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
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
                label == null ? "" : label, Instant.now(), null);
        update(entries -> entries.add(entry));
        return new Created(entry, key);
    }

    /** Revokes the key with this id; false if there is none (or it was revoked already). */
    public boolean revoke(String id) throws IOException {
        boolean[] done = {false};
        update(entries -> {
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (e.id().equals(id) && e.active()) {
                    entries.set(i, new Entry(e.id(), e.sha256(), e.role(), e.probe(), e.label(), e.created(), Instant.now()));
                    done[0] = true;
                }
            }
        });
        return done[0];
    }

    private interface Change {
        void apply(List<Entry> entries);
    }

    private void update(Change change) throws IOException {
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.lock(); // released when the channel closes
            assert lock.isValid();
            List<Entry> entries = new ArrayList<>(read());
            change.apply(entries);
            Path temp = Files.createTempFile(file.getParent(), ".tokens", ".json",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), entries);
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** The entries, re-read only when the file's time or size changed. */
    private List<Entry> current() throws IOException {
        FileTime modified;
        long size;
        try {
            modified = Files.getLastModifiedTime(file);
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        Snapshot s = snapshot;
        if (modified.equals(s.modified()) && size == s.size()) {
            return s.entries();
        }
        List<Entry> entries = read();
        snapshot = new Snapshot(modified, size, entries);
        return entries;
    }

    private List<Entry> read() throws IOException {
        try {
            return List.copyOf(json.readValue(file.toFile(), ENTRIES));
        } catch (java.io.FileNotFoundException | NoSuchFileException e) {
            return List.of();
        }
    }
}
