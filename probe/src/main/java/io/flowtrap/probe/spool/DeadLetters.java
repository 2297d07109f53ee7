package io.flowtrap.probe.spool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's dead-letter file: each event the manager would not take (it rejected the line, or
 * the line alone kept failing) is kept here, with why, so the shipper can pass over it without
 * losing it; {@code flowtrap-probe spool dead-letters} lists them and {@code spool resend-dead-letters}
 * puts them back into the spool once the cause is fixed.
 *
 * <p>The file is {@value #FILE_NAME} in the spool directory, NDJSON, mode 0640, one letter a line:
 * {@code {"kind", "event" (the spooled JSON, as a string), "reason", "attempts", "first_attempt",
 * "last_attempt"}}. It holds at most {@code maxBytes}; a letter that does not fit is counted in
 * {@link #overflowed()} and logged, never written half.
 *
 * <p>Threads and processes: every method is safe from any thread; the daemon's shipper and the
 * command line may use the file at once, each change holding an exclusive lock on it.
 */
public final class DeadLetters {
    /** The file's name in the spool directory. */
    public static final String FILE_NAME = "dead-letters.ndjson";
    /** Default bound of the file. */
    public static final long DEFAULT_MAX_BYTES = 64L << 20;

    /** One event the manager did not take. */
    public record Letter(String kind, String event, String reason, int attempts, Instant firstAttempt, Instant lastAttempt) {
        public Letter {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(firstAttempt, "firstAttempt");
            Objects.requireNonNull(lastAttempt, "lastAttempt");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** FileChannel locks are per process: threads of this JVM take turns here first. */
    private static final Object IN_PROCESS = new Object();

    private final Path file;
    private final long maxBytes;
    private volatile long added;
    private volatile long overflowed;

    /** The dead letters of the spool in {@code spoolDirectory}, bounded by {@code maxBytes}. */
    public DeadLetters(Path spoolDirectory, long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
        this.file = Objects.requireNonNull(spoolDirectory, "spoolDirectory").resolve(FILE_NAME);
        this.maxBytes = maxBytes;
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /** Letters written through this instance. */
    public long added() {
        return added;
    }

    /** Letters that did not fit under the bound (lost; each logged). */
    public long overflowed() {
        return overflowed;
    }

    /** Appends one letter; false (counted, logged) when the file would pass its bound or cannot be written. */
    public boolean add(Letter letter) {
        byte[] line = (line(letter) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (IN_PROCESS) {
            try {
                boolean fits = locked(ch -> {
                    if (ch.size() + line.length > maxBytes) {
                        LOG.error("dead-letter file {} is full ({} bytes, bound {}): an event the manager did not take is"
                                + " lost: {}", file, ch.size(), maxBytes, abbreviate(letter));
                        return false;
                    }
                    ch.position(ch.size());
                    ByteBuffer b = ByteBuffer.wrap(line);
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    ch.force(false);
                    return true;
                });
                if (!fits) {
                    overflowed++;
                    return false;
                }
            } catch (IOException e) {
                overflowed++;
                LOG.error("cannot write the dead-letter file {} ({}): an event the manager did not take is lost: {}",
                        file, e.toString(), abbreviate(letter));
                return false;
            }
        }
        added++;
        return true;
    }

    /** Every letter in the file, oldest first (none when there is no file). */
    public List<Letter> list() throws IOException {
        synchronized (IN_PROCESS) {
            if (!Files.exists(file)) {
                return List.of();
            }
            return locked(this::read);
        }
    }

    /**
     * Hands each letter, oldest first, to {@code resend} and keeps in the file only those it refused
     * (answered false for); returns how many it took. The file is locked the whole time.
     */
    public int resend(Predicate<Letter> resend) throws IOException {
        synchronized (IN_PROCESS) {
            if (!Files.exists(file)) {
                return 0;
            }
            return locked(ch -> {
                List<Letter> letters = read(ch);
                StringBuilder kept = new StringBuilder();
                int taken = 0;
                for (Letter l : letters) {
                    if (resend.test(l)) {
                        taken++;
                    } else {
                        kept.append(line(l)).append('\n');
                    }
                }
                byte[] rest = kept.toString().getBytes(StandardCharsets.UTF_8);
                ch.truncate(0);
                ch.position(0);
                ByteBuffer b = ByteBuffer.wrap(rest);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(false);
                return taken;
            });
        }
    }

    private interface OnFile<T> {
        T apply(FileChannel ch) throws IOException;
    }

    /** Runs {@code f} on the file, opened and exclusively locked (against other processes). */
    private <T> T locked(OnFile<T> f) throws IOException {
        try (FileChannel ch = open()) {
            FileLock lock = ch.lock();
            try {
                return f.apply(ch);
            } finally {
                lock.release();
            }
        }
    }

    private FileChannel open() throws IOException {
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // made by the other user of the file meanwhile
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            }
        }
        return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private List<Letter> read(FileChannel ch) throws IOException {
        ByteBuffer all = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, ch.size()));
        ch.position(0);
        while (all.hasRemaining() && ch.read(all) >= 0) {
            // read the whole file
        }
        List<Letter> letters = new ArrayList<>();
        for (String text : new String(all.array(), 0, all.position(), StandardCharsets.UTF_8).split("\n")) {
            if (text.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(text);
                letters.add(new Letter(n.path("kind").asText(), n.path("event").asText(), n.path("reason").asText(),
                        n.path("attempts").asInt(), Instant.parse(n.path("first_attempt").asText()),
                        Instant.parse(n.path("last_attempt").asText())));
            } catch (IOException | RuntimeException e) {
                throw new IOException("dead-letter file " + file + " has a line that is no letter: " + e.getMessage(), e);
            }
        }
        return letters;
    }

    private static String line(Letter l) {
        ObjectNode n = JSON.createObjectNode()
                .put("kind", l.kind())
                .put("event", l.event())
                .put("reason", EventSpool.oneLine(l.reason()))
                .put("attempts", l.attempts())
                .put("first_attempt", l.firstAttempt().toString())
                .put("last_attempt", l.lastAttempt().toString());
        try {
            return JSON.writeValueAsString(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String abbreviate(Letter l) {
        String e = l.event();
        return (e.length() <= 300 ? e : e.substring(0, 300) + "...") + " (" + l.reason() + ")";
    }
}
