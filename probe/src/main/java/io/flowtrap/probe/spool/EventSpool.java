package io.flowtrap.probe.spool;

import java.nio.file.Path;
import java.util.Objects;

import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The probe's durable outbox: every Suricata alert (its original EVE JSON line) and every flow record
 * is appended here before anything tries to deliver it, so a manager or Elasticsearch outage, or a
 * probe restart, loses nothing. A {@link SpoolShipper} reads the spool and delivers it.
 *
 * <p>Storage is a Chronicle Queue in {@link #directory()}, one file per day ({@link RollCycles#FAST_DAILY});
 * each excerpt holds two fields, {@code kind} and {@code json}. The JVM needs the flags listed under
 * "Chronicle Queue on Java 17" (the probe pom's {@code flowtrap.chronicle.jvm}).
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

    static final String KIND_FIELD = "kind";
    static final String JSON_FIELD = "json";

    static {
        // Chronicle otherwise tries to reach an analytics host; the launcher should pass it too.
        if (System.getProperty("chronicle.analytics.disable") == null) {
            System.setProperty("chronicle.analytics.disable", "true");
        }
    }

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private volatile long appended;
    private boolean closed;

    /** Opens (or creates) the spool in {@code directory}, rolling daily. */
    public EventSpool(Path directory) {
        this(directory, RollCycles.FAST_DAILY);
    }

    /** Opens (or creates) the spool in {@code directory} with the given roll cycle. */
    public EventSpool(Path directory, RollCycle rollCycle) {
        this.directory = Objects.requireNonNull(directory, "directory");
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
     * Appends one event durably (to the memory-mapped queue file; the OS writes it out).
     *
     * @param kind {@link #ALERT} or {@link #FLOW}
     * @param json one JSON document; a trailing line end is dropped and any other CR or LF becomes a
     *             space (outside JSON strings they are whitespace, inside they are not allowed raw), so
     *             the event stays one NDJSON line
     * @throws IllegalArgumentException on another kind or a blank document
     * @throws IllegalStateException    once closed
     */
    public synchronized void append(String kind, String json) {
        if (!ALERT.equals(kind) && !FLOW.equals(kind)) {
            throw new IllegalArgumentException("kind must be \"alert\" or \"flow\", not " + kind);
        }
        String line = oneLine(Objects.requireNonNull(json, "json"));
        if (line.isBlank()) {
            throw new IllegalArgumentException("blank event");
        }
        if (closed) {
            throw new IllegalStateException("spool " + directory + " is closed");
        }
        try (DocumentContext dc = appender.writingDocument()) {
            dc.wire().write(KIND_FIELD).text(kind);
            dc.wire().write(JSON_FIELD).text(line);
        }
        appended++;
    }

    /** Events appended through this instance (not counting those already in the directory). */
    public long appended() {
        return appended;
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
