package io.flowtrap.probe.api;

import io.flowtrap.api.JobName;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.alert.MalformedAlertException;
import io.flowtrap.probe.extraction.FlowQueries;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.FlowExtractor;
import io.flowtrap.store.FlowQuery;
import io.flowtrap.store.PacketSearch;
import io.flowtrap.store.StoreFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Carves the flow an alert names into {@code <dir>/<job>.pcap}, and the packets a search selects
 * (filter and time window, {@link PacketSearch}) into {@code <dir>/search-<job>.pcap}, where the
 * manager fetches them; at most {@link #CONCURRENT_SEARCHES} searches run at once (each reads
 * every candidate segment), one more is refused ({@link Busy}) rather than queued on a connection.
 * A job name is validated ({@link JobName}) before it touches the file system; a carve is written
 * to a temporary file (mode 0600) and renamed into place, so a reader never sees half a pcap; the
 * directory is 0750. As each carve is made, carves older than the retention are deleted, and then,
 * while the directory's carves together exceed the quota, the oldest ones (by modification time;
 * never the one just made), counted ({@link #removedForQuota}, {@link #bytesRemovedForQuota}).
 * Thread-safe.
 */
public final class CarveJobs {
    /**
     * Makes every packet handed to the store so far carvable (the store's writer flushes and
     * indexes its active segment: {@link io.flowtrap.store.PcapStore#requestReadable}), without
     * sealing it, so back-to-back carves make no segments.
     */
    @FunctionalInterface
    public interface FreshPackets {
        /** True once done, false if it did not happen in time (the carve then reads what was readable). */
        boolean makeReadable() throws InterruptedException;
    }

    /** Searches that may read the store at once. */
    public static final int CONCURRENT_SEARCHES = 2;

    /** No quota: only the retention bounds the directory. */
    public static final long NO_QUOTA = Long.MAX_VALUE;

    /** Told how long each carve took (seal wait included), for the probe's metrics. */
    @FunctionalInterface
    public interface CarveTimes {
        CarveTimes NONE = (outcome, nanos) -> {};

        /** Called on the carving thread once the carve is written; must be quick. */
        void carved(ExtractionResult.Outcome outcome, long nanos);
    }

    /** Why a carve could not be made from what the caller sent. */
    public static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * What a carve found: the result, the file's size and SHA-256, and whether it read the segment
     * still being written up to every packet handed to the store before the carve
     * ({@code includesActiveSegment}; false when the writer did not make them readable in time).
     */
    public record Carve(String job, ExtractionResult result, long size, String sha256, boolean includesActiveSegment) {
        public String firstTimestamp() {
            return Instant.ofEpochSecond(0, result.firstTimestampNanos()).toString();
        }

        public String lastTimestamp() {
            return Instant.ofEpochSecond(0, result.lastTimestampNanos()).toString();
        }
    }

    /** {@link #CONCURRENT_SEARCHES} searches are running: try again shortly. */
    public static final class Busy extends Exception {
        private static final long serialVersionUID = 1L;

        Busy() {
            super(CONCURRENT_SEARCHES + " searches are running on this probe; try again shortly");
        }
    }

    /**
     * What a search found ({@link PacketSearch.Result}) and whether it read the segment still
     * being written up to every packet handed to the store before it.
     */
    public record Search(String job, PacketSearch.Result result, boolean includesActiveSegment) {}

    /**
     * How far a running search has come: segments and bytes read of those it will read, the newest
     * packet time met so far (0 before the first segment is read), and whether it was asked to stop.
     */
    public record Progress(String job, int segmentsRead, int segments, long bytesRead, long bytes, long packetTimeNanos,
            boolean cancelling) {}

    /** A search being made: its progress as the search reports it, and a stop asked by {@link #cancel}. */
    private static final class Running {
        volatile Progress progress;
        volatile boolean cancelled;

        Running(String job) {
            progress = new Progress(job, 0, 0, 0, 0, 0, false);
        }
    }

    private final ConcurrentHashMap<String, Running> running = new ConcurrentHashMap<>();

    private final Path dir;
    private final Semaphore searches = new Semaphore(CONCURRENT_SEARCHES);
    private final FlowExtractor extractor;
    private final FreshPackets fresh;
    private final Duration retention;
    private final long quotaBytes;
    private final AtomicLong removedForQuota = new AtomicLong();
    private final AtomicLong bytesRemovedForQuota = new AtomicLong();
    private final Duration longestFlowIdle;
    private final CarveTimes times;
    private final EveAlertParser parser = new EveAlertParser();

    /**
     * @param longestFlowIdle the probe's longest flow idle timeout, which bounds how far into the
     *     store a carve searches after the flow's last packet ({@link FlowQueries})
     */
    public CarveJobs(Path dir, FlowExtractor extractor, FreshPackets fresh, Duration retention,
            Duration longestFlowIdle) throws IOException {
        this(dir, extractor, fresh, retention, NO_QUOTA, longestFlowIdle, CarveTimes.NONE);
    }

    /** As above, without a quota; {@code times} is told how long each carve took, by outcome. */
    public CarveJobs(Path dir, FlowExtractor extractor, FreshPackets fresh, Duration retention,
            Duration longestFlowIdle, CarveTimes times) throws IOException {
        this(dir, extractor, fresh, retention, NO_QUOTA, longestFlowIdle, times);
    }

    /**
     * As above, with a quota on the bytes of the carves kept ({@link #NO_QUOTA}: none), and
     * {@code times} told how long each carve took, by outcome.
     */
    public CarveJobs(Path dir, FlowExtractor extractor, FreshPackets fresh, Duration retention, long quotaBytes,
            Duration longestFlowIdle, CarveTimes times) throws IOException {
        if (quotaBytes <= 0) {
            throw new IllegalArgumentException("the carve quota must be positive, not " + quotaBytes + " bytes");
        }
        this.dir = StoreFiles.createPrivateDirectories(dir);
        this.extractor = extractor;
        this.fresh = fresh;
        this.retention = retention;
        this.quotaBytes = quotaBytes;
        this.longestFlowIdle = longestFlowIdle;
        this.times = Objects.requireNonNull(times, "times");
    }

    /** Carves the flow of {@code alertJson} (one EVE alert, or a watchlist event) for job {@code job}. */
    public Carve carve(String job, String alertJson) throws BadRequest, IOException, InterruptedException {
        try {
            JobName.require(job);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage(), e);
        }
        FlowQuery query;
        try {
            EveAlert alert = parser.parseAlertOrWatchlistEvent(alertJson.strip())
                    .orElseThrow(() -> new BadRequest("the document is an EVE event but not an alert (nor a watchlist event)", null));
            query = FlowQueries.forAlert(alert, longestFlowIdle);
        } catch (MalformedAlertException | IllegalArgumentException e) {
            throw new BadRequest(e.getMessage(), e);
        }
        long start = System.nanoTime();
        boolean includesActiveSegment = fresh.makeReadable();
        deleteExpired();
        Path target = file(job);
        FlowExtractor.CarvedFile carved = extractor.extractTo(query, target);
        if (carved.result().outcome() != ExtractionResult.Outcome.FOUND) {
            Files.deleteIfExists(target); // an older carve under this name must not pass for this one
        } else {
            keepUnderQuota(target);
        }
        times.carved(carved.result().outcome(), System.nanoTime() - start);
        return new Carve(job, carved.result(), carved.size(), carved.sha256(), includesActiveSegment);
    }

    /**
     * Searches the store for {@code job} into {@link #searchFile}; {@code countOnly}: counts and
     * writes nothing (a caller watching a packet limit). No match: no file (an older one under the
     * name is deleted). A full search is tracked by its name while it runs: its {@link #progress},
     * and a stop ({@link #cancel}: {@link PacketSearch.Cancelled}); a second one of a name already
     * running is an IllegalStateException.
     */
    public Search search(String job, PacketSearch.Query query, boolean countOnly, PacketSearch searcher)
            throws Busy, IOException, InterruptedException {
        Path target = searchFile(job);
        if (!searches.tryAcquire()) {
            throw new Busy();
        }
        Running tracked = countOnly ? null : new Running(job);
        if (tracked != null && running.putIfAbsent(job, tracked) != null) {
            searches.release();
            throw new IllegalStateException("search " + job + " is already running");
        }
        try {
            boolean includesActiveSegment = fresh.makeReadable();
            PacketSearch.Result r;
            if (tracked == null) {
                r = searcher.count(query);
            } else {
                deleteExpired();
                Files.deleteIfExists(target);
                r = searcher.searchTo(query, target, (read, of, bytes, total, newest) -> tracked.progress =
                        new Progress(job, read, of, bytes, total, newest == Long.MIN_VALUE ? 0 : newest, tracked.cancelled),
                        () -> tracked.cancelled);
                if (!r.empty()) {
                    keepUnderQuota(target);
                }
            }
            return new Search(job, r, includesActiveSegment);
        } finally {
            if (tracked != null) {
                running.remove(job, tracked);
            }
            searches.release();
        }
    }

    /**
     * What a search of [from, to] would read ({@link PacketSearch#cover}), once the packets handed
     * to the store so far are readable (the segment being written counts only then).
     */
    public PacketSearch.Coverage coverage(long fromNanos, long toNanos, PacketSearch searcher) throws InterruptedException {
        fresh.makeReadable();
        return searcher.cover(fromNanos, toNanos);
    }

    /** The progress of search {@code job} while it runs; null when none of that name is running. */
    public Progress progress(String job) {
        Running r = running.get(JobName.require(job));
        if (r == null) {
            return null;
        }
        Progress p = r.progress;
        return new Progress(p.job(), p.segmentsRead(), p.segments(), p.bytesRead(), p.bytes(), p.packetTimeNanos(), r.cancelled);
    }

    /**
     * Asks running search {@code job} to stop (it stops between segments or within 65,536 packets,
     * and its request is answered {@link PacketSearch.Cancelled}); false when none of that name runs.
     */
    public boolean cancel(String job) {
        Running r = running.get(JobName.require(job));
        if (r == null) {
            return false;
        }
        r.cancelled = true;
        return true;
    }

    /** The search file of a job, whether or not it exists; IllegalArgumentException for a bad name. */
    public Path searchFile(String job) {
        return dir.resolve("search-" + JobName.require(job) + ".pcap");
    }

    /** The carve file of a job, whether or not it exists; IllegalArgumentException for a bad name. */
    public Path file(String job) {
        return dir.resolve(JobName.require(job) + ".pcap");
    }

    /** Carves removed, oldest first, to keep the directory under its quota. */
    public long removedForQuota() {
        return removedForQuota.get();
    }

    /** Their bytes. */
    public long bytesRemovedForQuota() {
        return bytesRemovedForQuota.get();
    }

    /** Deletes the oldest carves (never {@code keep}) while the carves exceed the quota. */
    private synchronized void keepUnderQuota(Path keep) throws IOException {
        if (quotaBytes == NO_QUOTA) {
            return;
        }
        record Kept(Path file, long size, long modified) {}
        List<Kept> carves = new ArrayList<>();
        long total = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".pcap")).toList()) {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    total += a.size();
                    if (!f.equals(keep)) {
                        carves.add(new Kept(f, a.size(), a.lastModifiedTime().toMillis()));
                    }
                } catch (NoSuchFileException e) {
                    // deleted meanwhile
                }
            }
        }
        carves.sort(Comparator.comparingLong(Kept::modified).thenComparing(k -> k.file().getFileName().toString()));
        for (Kept k : carves) {
            if (total <= quotaBytes) {
                break;
            }
            if (Files.deleteIfExists(k.file())) {
                removedForQuota.incrementAndGet();
                bytesRemovedForQuota.addAndGet(k.size());
            }
            total -= k.size();
        }
    }

    private void deleteExpired() throws IOException {
        Instant horizon = Instant.now().minus(retention);
        try (Stream<Path> files = Files.list(dir)) {
            // carves, and the temporary files of carves a crash interrupted
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".pcap")
                    || p.getFileName().toString().endsWith(".partial")).toList()) {
                try {
                    if (Files.getLastModifiedTime(f).toInstant().isBefore(horizon)) {
                        Files.deleteIfExists(f);
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // deleted by a concurrent sweep
                }
            }
        }
    }
}
