package io.flowtrap.manager.sharing;

import java.nio.file.Path;
import java.util.List;

/**
 * One result a source holds: its {@code kind} and {@code id} (together unique), a name for people,
 * its file and the name to download it as, its size and SHA-256, when it was made, and the tags it
 * was made with (the labels set later replace them).
 */
public record SharedResult(String kind, String id, String name, Path file, String fileName, long size, String sha256,
        String created, List<String> tags) {

    public SharedResult {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    String key() {
        return kind + "/" + id;
    }
}
