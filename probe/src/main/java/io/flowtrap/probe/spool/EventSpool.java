package io.flowtrap.probe.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe's durable outbox: every Suricata alert (its original EVE JSON line) and every flow record
 * is appended here before anything tries to deliver it, so a manager or Elasticsearch outage, or a
 * probe restart, loses nothing. A {@link SpoolShipper} reads the spool and delivers it.
 *
 * <p>Storage is a Chronicle Queue in {@link #directory()}, one file per day ({@link RollCycles#FAST_DAILY});
 * each excerpt holds two fields, {@code kind} and {@code json}. The JVM needs the flags listed under
 * "Chronicle Queue on Java 17" (the probe pom's {@code flowtrap.chronicle.jvm}).
 *
 * <p>A full disk: before each event the spool checks that its file system keeps at least
 * {@code minFree} bytes free beyond the event (the queue's files are memory-mapped, and a write into a
 * mapping with no space behind it would fault rather than fail). An event that does not fit is not
 * written and not retried: {@link #append} answers false at once, counts it in {@link #lost()} and logs
 * once per episode; the next event that fits is written again, so spooling resumes by itself when space
 * returns. Nothing waits on the disk for that.
 *
 * <p>Threads: {@link #append} is safe to call from any thread (it is {@code synchronized}: uncontended
 * in the expected use of one writer, and it keeps the non-thread-safe Chronicle appender to one thread
 * at a time). {@link #appended()} may be read from any thread. Close the shippers reading this spool
 * before closing the spool.
 */
public final class EventSpool implements AutoCloseable {

    /** Kind of a Suricata EVE alert. */
    public static final String ALERT = "alert";
    /** Kind of a flow record (what the store holds for a flow). */
    public static final String FLOW = "flow";
    /** Kind of a watchlist event (a flow a watchlist armed, and the entry it matched). */
    public static final String WATCHLIST = "watchlist";

    static final String KIND_FIELD = "kind";
    static final String JSON_FIELD = "json";

    static {
        // Chronicle otherwise tries to reach an analytics host; the launcher should pass it too.
        if (System.getProperty("chronicle.analytics.disable") == null) {
            System.setProperty("chronicle.analytics.disable", "true");
        }
    }

    /** Default free space the spool leaves on its file system. */
    public static final long DEFAULT_MIN_FREE = 16L << 20;
    /** Room an excerpt takes beyond its text: header, field names, lengths, index entries. */
    private static final int EXCERPT_OVERHEAD = 256;

    private static final Logger LOG = LoggerFactory.getLogger(EventSpool.class);

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final FileStore fileStore;
    private final long minFree;
    private volatile long appended;
    private volatile long lost;
    private long lostInEpisode;
    private boolean closed;

    /** Opens (or creates) the spool in {@code directory}, rolling daily. */
    public EventSpool(Path directory) {
        this(directory, RollCycles.FAST_DAILY);
    }

    /** Opens (or creates) the spool in {@code directory} with the given roll cycle. */
    public EventSpool(Path directory, RollCycle rollCycle) {
        this(directory, rollCycle, DEFAULT_MIN_FREE);
    }

    /**
     * Opens (or creates) the spool in {@code directory} with the given roll cycle, leaving at least
     * {@code minFree} bytes free on its file system.
     */
    public EventSpool(Path directory, RollCycle rollCycle, long minFree) {
        this.directory = Objects.requireNonNull(directory, "directory");
        if (minFree < 0) {
            throw new IllegalArgumentException("minFree must not be negative: " + minFree);
        }
        this.minFree = minFree;
        try {
            this.fileStore = Files.getFileStore(Files.createDirectories(directory));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the spool " + directory + " or find its file system", e);
        }
        this.queue = SingleChronicleQueueBuilder.binary(directory)
                .rollCycle(Objects.requireNonNull(rollCycle, "rollCycle"))
                .build();
        ExcerptAppender created = null;
        try {
            created = queue.createAppender();
            // this class serialises all use of the appender itself (append is synchronized)
            created.singleThreadedCheckDisabled(true);
        } catch (RuntimeException e) {
            queue.close();
            throw e;
        }
        this.appender = created;
    }

    /**
     * Appends one event durably (to the memory-mapped queue file; the OS writes it out), or answers
     * false when its file system has no room for it (the event is lost and counted in {@link #lost()}).
     *
     * @param kind {@link #ALERT}, {@link #FLOW} or {@link #WATCHLIST}
     * @param json one JSON document; a trailing line end is dropped and any other CR or LF becomes a
     *             space (outside JSON strings they are whitespace, inside they are not allowed raw), so
     *             the event stays one NDJSON line
     * @throws IllegalArgumentException on another kind or a blank document
     * @throws IllegalStateException    once closed
     */
    public synchronized boolean append(String kind, String json) {
        if (!ALERT.equals(kind) && !FLOW.equals(kind) && !WATCHLIST.equals(kind)) {
            throw new IllegalArgumentException("kind must be \"alert\", \"flow\" or \"watchlist\", not " + kind);
        }
        String line = oneLine(Objects.requireNonNull(json, "json"));
        if (line.isBlank()) {
            throw new IllegalArgumentException("blank event");
        }
        if (closed) {
            throw new IllegalStateException("spool " + directory + " is closed");
        }
        long needed = minFree + 3L * line.length() + EXCERPT_OVERHEAD; // UTF-8: at most 3 bytes a char
        long usable;
        try {
            usable = fileStore.getUsableSpace();
        } catch (IOException e) {
            usable = -1;
        }
        if (usable < needed) {
            lost++;
            if (lostInEpisode++ == 0) {
                LOG.error("spool {}: its file system has {} bytes free, below the {} it keeps free: events are not"
                        + " spooled (counted) until there is room again", directory, usable, minFree);
            }
            return false;
        }
        try (DocumentContext dc = appender.writingDocument()) {
            dc.wire().write(KIND_FIELD).text(kind);
            dc.wire().write(JSON_FIELD).text(line);
        }
        appended++;
        if (lostInEpisode > 0) {
            LOG.warn("spool {}: spooling again; {} events were not spooled for want of space", directory, lostInEpisode);
            lostInEpisode = 0;
        }
        return true;
    }

    /** Events appended through this instance (not counting those already in the directory). */
    public long appended() {
        return appended;
    }

    /** Events not spooled because the spool's file system had no room for them (lost). */
    public long lost() {
        return lost;
    }

    /** The queue directory. */
    public Path directory() {
        return directory;
    }

    /** For the shipper, which creates its own tailers on its own thread. */
    SingleChronicleQueue queue() {
        return queue;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            appender.close();
        } finally {
            queue.close();
        }
    }

    static String oneLine(String json) {
        int end = json.length();
        while (end > 0 && (json.charAt(end - 1) == '\n' || json.charAt(end - 1) == '\r')) {
            end--;
        }
        String s = end == json.length() ? json : json.substring(0, end);
        if (s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
