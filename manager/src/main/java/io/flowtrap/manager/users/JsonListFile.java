package io.flowtrap.manager.users;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.FileNotFoundException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A list of records in one JSON file of the data directory ({@code <name>.json}), shared by the
 * running manager, which re-reads it when its time or size changed, and the commands: every change
 * rewrites it whole, under {@code <name>.lock}, through a 0600 temporary file renamed into place.
 * Thread-safe.
 */
final class JsonListFile<T> {
    private record Snapshot<T>(FileTime modified, long size, List<T> entries) {}

    private final Path file;
    private final Path lockFile;
    private final ObjectMapper json;
    private final JavaType type;
    private volatile Snapshot<T> snapshot = new Snapshot<>(null, -1, List.of());

    JsonListFile(Path dataDir, String name, Class<T> element, ObjectMapper json) throws IOException {
        Files.createDirectories(dataDir);
        this.file = dataDir.resolve(name + ".json");
        this.lockFile = dataDir.resolve(name + ".lock");
        this.json = json.copy().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        this.type = this.json.getTypeFactory().constructCollectionType(List.class, element);
    }

    /** The entries, re-read only when the file's time or size changed. */
    List<T> current() throws IOException {
        FileTime modified;
        long size;
        try {
            modified = Files.getLastModifiedTime(file);
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        Snapshot<T> s = snapshot;
        if (modified.equals(s.modified()) && size == s.size()) {
            return s.entries();
        }
        List<T> entries = read();
        snapshot = new Snapshot<>(modified, size, entries);
        return entries;
    }

    /** Applies {@code change} to the entries as they are on disk, under the lock, and writes them back; its result. */
    <R> R update(Function<List<T>, R> change) throws IOException {
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.lock(); // released when the channel closes
            assert lock.isValid();
            List<T> entries = new ArrayList<>(read());
            R result = change.apply(entries);
            Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".partial",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), entries);
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
            return result;
        }
    }

    private List<T> read() throws IOException {
        try {
            List<T> entries = json.readValue(file.toFile(), type);
            return List.copyOf(entries);
        } catch (FileNotFoundException | NoSuchFileException e) {
            return List.of();
        }
    }
}
