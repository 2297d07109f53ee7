package io.flowtrap.manager.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The results made of results (kinds {@code merge} and {@code filter}), kept on disk: each in
 * {@code <data-dir>/results/<id>/}, its pcap {@code result.pcap} beside how it was made ({@code
 * result.json}, a {@link Derivation} written through a temporary file and a rename; read back at
 * start, an unreadable one logged and skipped). The newest {@code max-kept} are kept. {@link
 * Results} makes them. Thread-safe.
 */
@Component
class DerivedResults implements ResultSource {
    private static final Logger log = LoggerFactory.getLogger(DerivedResults.class);
    static final Set<String> KINDS = Set.of("merge", "filter");

    private final Path dir;
    private final ObjectMapper json;
    private final int maxKept;
    private final Map<String, Derivation> results = new LinkedHashMap<>();

    DerivedResults(ResultsProperties properties, ObjectMapper json) throws IOException {
        this.dir = Files.createDirectories(properties.dataDir().resolve("results"));
        this.maxKept = properties.results().maxKept();
        this.json = json;
        List<Derivation> kept = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path d : dirs) {
                Path file = d.resolve("result.json");
                if (Files.isRegularFile(file)) {
                    try {
                        kept.add(json.readValue(file.toFile(), Derivation.class));
                    } catch (IOException e) {
                        log.warn("result {} is skipped: {} cannot be read: {}", d.getFileName(), file, e.getMessage());
                    }
                }
            }
        }
        kept.sort(Comparator.comparing(Derivation::created));
        for (Derivation r : kept) {
            results.put(r.id(), r);
        }
    }

    @Override
    public Set<String> kinds() {
        return KINDS;
    }

    @Override
    public synchronized List<Result> all() {
        return results.values().stream().map(this::result).toList();
    }

    @Override
    public synchronized Result find(String kind, String id) {
        Derivation r = id == null ? null : results.get(id);
        if (r == null || !r.kind().equals(kind)) {
            throw new DomainException(Kind.NOT_FOUND, "no such result", "no " + kind + " result " + id + " (deleted, or never made)");
        }
        return result(r);
    }

    /** A new result's id and the file its pcap goes to. */
    record Slot(String id, Path pcap) {}

    Slot newSlot() throws IOException {
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return new Slot(id, Files.createDirectories(dir.resolve(id)).resolve("result.pcap"));
    }

    /**
     * Keeps a made result (the oldest past {@code max-kept} deleted); its pcap is in its slot already,
     * when it has packets. Those deleted to make room.
     */
    synchronized List<Derivation> keep(Derivation r) throws IOException {
        Path d = Files.createDirectories(dir.resolve(r.id()));
        Path temp = d.resolve("result.json.tmp");
        json.writeValue(temp.toFile(), r);
        Files.move(temp, d.resolve("result.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        results.put(r.id(), r);
        List<Derivation> deleted = new ArrayList<>();
        while (results.size() > maxKept) {
            Derivation oldest = results.values().iterator().next();
            deleteFiles(oldest.id());
            results.remove(oldest.id());
            deleted.add(oldest);
            log.info("result {} deleted: more than flowtrap.results.max-kept ({})", oldest.id(), maxKept);
        }
        return deleted;
    }

    /** Deletes one and its pcap; what it was. */
    synchronized Result delete(String kind, String id) throws IOException {
        Result r = find(kind, id);
        deleteFiles(id);
        results.remove(id);
        return r;
    }

    /** Drops a slot whose result was not made (a filter libpcap refused). */
    void drop(Slot slot) throws IOException {
        deleteFiles(slot.id());
    }

    private Result result(Derivation r) {
        boolean empty = r.summary() == null;
        String name = r.kind().equals("merge") ? "merge of " + r.inputs().size() + (r.inputs().size() == 1 ? " result" : " results")
                + (Boolean.TRUE.equals(r.dedup()) ? ", deduplicated" : "")
                : "filter '" + r.filter() + "' of " + (r.inputs().isEmpty() ? "?" : r.inputs().get(0).kind() + " " + r.inputs().get(0).id());
        return new Result(r.kind(), r.id(), name, r.analyst(), r.created(), r.probes(),
                empty ? null : dir.resolve(r.id()).resolve("result.pcap"), empty ? null : "result-" + r.id() + ".pcap",
                empty ? 0 : r.summary().fileSize(), r.packetsOut(), empty ? 0 : r.summary().dataSize(),
                empty ? null : r.summary().sha256(), List.of(), r);
    }

    private void deleteFiles(String id) throws IOException {
        Path d = dir.resolve(id);
        if (!Files.isDirectory(d)) {
            return;
        }
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(d);
    }
}
