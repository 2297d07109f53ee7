package io.flowtrap.manager.captures;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The captures on disk: {@code <data-dir>/captures/<id>/} holds {@code capture.json} (written
 * whole through a temporary file and a rename, so a crash leaves the old or the new one), the
 * merged result {@code capture.pcap} and each probe's {@code probe-<n>.pcap}. An unreadable
 * capture.json is logged and skipped, never a reason not to start.
 */
final class CaptureStore {
    private static final Logger log = LoggerFactory.getLogger(CaptureStore.class);
    static final String RESULT = "capture.pcap";

    private final Path dir;
    private final ObjectMapper json;

    CaptureStore(Path dir, ObjectMapper json) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.json = json;
    }

    List<Capture> load() throws IOException {
        List<Capture> all = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path d : dirs) {
                Path file = d.resolve("capture.json");
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                try {
                    all.add(json.readValue(file.toFile(), Capture.class));
                } catch (IOException e) {
                    log.warn("capture {} is skipped: {} cannot be read: {}", d.getFileName(), file, e.getMessage());
                }
            }
        }
        all.sort(Comparator.comparing(Capture::created));
        return all;
    }

    void save(Capture c) throws IOException {
        Path d = Files.createDirectories(dir(c.id()));
        Path temp = d.resolve("capture.json.tmp");
        json.writeValue(temp.toFile(), c);
        try {
            Files.move(temp, d.resolve("capture.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, d.resolve("capture.json"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    Path dir(String id) {
        return dir.resolve(id);
    }

    Path result(String id) {
        return dir(id).resolve(RESULT);
    }

    /** Probe {@code index}'s (of the capture's list) pcap. */
    Path probeResult(String id, int index) {
        return dir(id).resolve("probe-" + index + ".pcap");
    }

    /** The bytes of a capture's pcaps. */
    long bytes(String id) throws IOException {
        if (!Files.isDirectory(dir(id))) {
            return 0;
        }
        long total = 0;
        try (Stream<Path> files = Files.list(dir(id))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".pcap")).toList()) {
                total += Files.size(f);
            }
        }
        return total;
    }

    /** Deletes a capture's pcaps (its capture.json stays: it says when and why). */
    void deletePcaps(String id) throws IOException {
        if (!Files.isDirectory(dir(id))) {
            return;
        }
        try (Stream<Path> files = Files.list(dir(id))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".pcap")).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Deletes a capture altogether. */
    void delete(String id) throws IOException {
        deletePcaps(id);
        Files.deleteIfExists(dir(id).resolve("capture.json"));
        Files.deleteIfExists(dir(id).resolve("capture.json.tmp"));
        Files.deleteIfExists(dir(id));
    }
}
