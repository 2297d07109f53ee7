package io.flowtrap.probe.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A small file of state the probe keeps across restarts (the settings a manager applied, the
 * triggers in force), written whole or not at all: to a hidden temporary file in the same
 * directory (mode 0640 from its creation), forced to disk, renamed over the old one atomically,
 * the directory forced. A leftover temporary file (a crash mid-write) is ignored and replaced at
 * the next write. Not thread-safe: one writer.
 */
public final class StateFile {
    private final Path file;

    public StateFile(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    public Path path() {
        return file;
    }

    /** The file's bytes, or null if there is none. */
    public byte[] read() throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Replaces the file's content with {@code bytes}, atomically (see the class comment). */
    public void write(byte[] bytes) throws IOException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path temporary = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try (FileChannel out = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")))) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temporary);
            throw new IOException("cannot replace " + file + " atomically: " + e.getMessage(), e);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
