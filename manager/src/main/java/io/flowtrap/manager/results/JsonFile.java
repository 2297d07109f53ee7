package io.flowtrap.manager.results;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * One JSON file of state (the results' labels, the share links), written whole through a temporary file, fsync and a rename
 * (a crash leaves the old or the new one), mode 0600 (it names who shared what). Not thread-safe:
 * its owner serialises the writes.
 */
public final class JsonFile<T> {
    private final Path file;
    private final ObjectMapper json;
    private final JavaType type;

    public JsonFile(Path file, ObjectMapper json, JavaType type) {
        this.file = file;
        this.json = json;
        this.type = type;
    }

    /** The file's content, or {@code empty} when there is none yet. */
    public T read(T empty) throws IOException {
        if (!Files.isRegularFile(file)) {
            return empty;
        }
        return json.readValue(file.toFile(), type);
    }

    public void write(T value) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (var out = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
            out.write(java.nio.ByteBuffer.wrap(json.writeValueAsBytes(value)));
            out.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
