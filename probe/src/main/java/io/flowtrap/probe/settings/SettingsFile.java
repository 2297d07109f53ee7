package io.flowtrap.probe.settings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
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
import java.util.List;

/**
 * The file that keeps the settings a PUT applied last, so that the probe starts with them: one
 * probe-settings document (schema {@code probe-settings.schema.json}, its {@code version} that of
 * the settings); when it was written is the file's modification time. Written whole or not at all:
 * to a hidden temporary file in the same directory (mode 0640 from its creation), forced to disk,
 * renamed over the old one atomically, the directory forced; a leftover temporary file (a crash
 * mid-write) is ignored and replaced at the next write. Not thread-safe: one writer (the settings
 * service, which serialises PUTs).
 */
public final class SettingsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public SettingsFile(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    public Path path() {
        return file;
    }

    /**
     * The saved settings, or null if there is no file (the probe never had settings applied).
     *
     * @throws IOException if it cannot be read, or is not a valid probe-settings document (the
     *     message names the file and each violation)
     */
    public SavedSettings read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not JSON: " + e.getOriginalMessage(), e);
        }
        List<String> violations = doc == null || doc.isMissingNode() ? List.of("$: empty file")
                : DocumentSchema.of(Document.PROBE_SETTINGS).validate(doc);
        if (!violations.isEmpty()) {
            throw new IOException(file + " is not a probe-settings document: " + String.join("; ", violations));
        }
        try {
            return new SavedSettings(doc.get("version").asLong(), Files.getLastModifiedTime(file).toInstant(),
                    RuntimeSettings.fromDocument(doc));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Replaces the file with {@code saved} (its time is the file's), atomically; see the class comment. */
    public void write(SavedSettings saved) throws IOException {
        ObjectNode doc = JSON.createObjectNode().put("version", saved.version());
        doc.setAll(saved.settings().toJson(JSON));
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path temporary = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try (FileChannel out = FileChannel.open(temporary, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")))) {
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
