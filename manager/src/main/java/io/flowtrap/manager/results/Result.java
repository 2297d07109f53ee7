package io.flowtrap.manager.results;

import io.flowtrap.api.manager.ResultAnswer;
import java.nio.file.Path;
import java.util.List;

/**
 * One result a source holds: its {@code kind} and {@code id} (together unique), a name for people,
 * who made it and when, the probes its packets came from, its file (null: it holds no packet, or
 * the file is gone: {@code gone} says why) and the name to download it as, the file's size,
 * packets, captured bytes and SHA-256, the tags it was made with (the labels set later replace
 * them), for a merge or a filter how it was made, and for an extraction the alert whose flow it
 * holds and when its pcap expired.
 */
public record Result(String kind, String id, String name, String analyst, String created, List<String> probes, Path file,
        String fileName, long size, long packets, long bytes, String sha256, List<String> tags, Derivation derivation,
        ResultAnswer.Alert alert, String expired, String gone) {

    public Result {
        probes = probes == null ? List.of() : List.copyOf(probes);
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    /** A result whose file, if it has one, is there: no alert, never expired. */
    public Result(String kind, String id, String name, String analyst, String created, List<String> probes, Path file,
            String fileName, long size, long packets, long bytes, String sha256, List<String> tags, Derivation derivation) {
        this(kind, id, name, analyst, created, probes, file, fileName, size, packets, bytes, sha256, tags, derivation, null, null,
                null);
    }

    /** The key of its labels: {@code kind/id}. */
    public String key() {
        return kind + "/" + id;
    }
}
