package io.flowtrap.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's manifest, {@code MANIFEST}: what rotation has deleted (not derivable from the files
 * left) and the sealed segments with their time ranges (derivable from the index headers, and
 * re-derived at every open; kept for people and scripts reading the directory). Text, version 1:
 * <pre>
 * flowtrap-store 1
 * rotated-horizon &lt;latest timestamp ns ever deleted by rotation, 0 if none&gt;
 * rotated-segments &lt;count&gt;
 * rotated-bytes &lt;bytes&gt;
 * segment &lt;sequence&gt; &lt;min ts ns&gt; &lt;max ts ns&gt; &lt;pcap bytes&gt; &lt;index bytes&gt; &lt;packets&gt; &lt;flows&gt;
 * </pre>
 * Written to a temporary file (mode 0640), forced, renamed over the old one, and the directory
 * forced. Immutable; {@link Segments} holds the current one.
 */
public record StoreManifest(long rotatedHorizon, long rotatedSegments, long rotatedBytes, List<Segment> segments) {
    static final String FILE = "MANIFEST";
    private static final String HEADER = "flowtrap-store 1";

    public StoreManifest {
        segments = List.copyOf(segments);
    }

    static StoreManifest empty() {
        return new StoreManifest(0, 0, 0, List.of());
    }

    /** Reads the rotation record; segment lines are not trusted (callers derive segments from indexes). */
    static StoreManifest read(Path dir) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IOException(dir.resolve(FILE) + ": not a flowtrap store manifest (version 1)");
        }
        long horizon = 0;
        long segments = 0;
        long bytes = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ");
            try {
                switch (f[0]) {
                    case "rotated-horizon" -> horizon = Long.parseLong(f[1]);
                    case "rotated-segments" -> segments = Long.parseLong(f[1]);
                    case "rotated-bytes" -> bytes = Long.parseLong(f[1]);
                    default -> { }
                }
            } catch (RuntimeException e) {
                throw new IOException(dir.resolve(FILE) + ": bad line '" + line + "'", e);
            }
        }
        return new StoreManifest(horizon, segments, bytes, List.of());
    }

    void write(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        sb.append("rotated-horizon ").append(rotatedHorizon).append('\n');
        sb.append("rotated-segments ").append(rotatedSegments).append('\n');
        sb.append("rotated-bytes ").append(rotatedBytes).append('\n');
        for (Segment s : segments) {
            sb.append("segment ").append(s.sequence()).append(' ').append(s.minTimestamp()).append(' ')
                    .append(s.maxTimestamp()).append(' ').append(s.pcapBytes()).append(' ').append(s.indexBytes())
                    .append(' ').append(s.packets()).append(' ').append(s.flows()).append('\n');
        }
        Path temp = dir.resolve(FILE + ".tmp");
        try {
            StoreFiles.writeForced(temp, java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
            Files.move(temp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp); // a full disk wants its blocks back; the old manifest stays as it was
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        StoreFiles.syncDirectory(dir);
    }

    StoreManifest withSegments(List<Segment> sealed) {
        return new StoreManifest(rotatedHorizon, rotatedSegments, rotatedBytes, new ArrayList<>(sealed));
    }
}
