package io.flowtrap.probe.api;

import io.flowtrap.api.JobName;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.alert.MalformedAlertException;
import io.flowtrap.probe.extraction.FlowQueries;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.FlowExtractor;
import io.flowtrap.store.FlowQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Carves the flow an alert names into {@code <dir>/<job>.pcap}, where the manager fetches it.
 * A job name is validated ({@link JobName}) before it touches the file system; a carve is written
 * to a temporary file and renamed into place, so a reader never sees half a pcap; carves older
 * than the retention are deleted as new ones are made. Thread-safe.
 */
public final class CarveJobs {
    /** Asks the writer to seal its active segment so that its packets can be carved too. */
    @FunctionalInterface
    public interface ActiveSegmentSealer {
        /** True once sealed, false if it did not happen in time. */
        boolean seal() throws InterruptedException;
    }

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

    /** What a carve found: the result, the file's size and SHA-256. */
    public record Carve(String job, ExtractionResult result, long size, String sha256, boolean activeSegmentSealed) {
        public String firstTimestamp() {
            return Instant.ofEpochSecond(0, result.firstTimestampNanos()).toString();
        }

        public String lastTimestamp() {
            return Instant.ofEpochSecond(0, result.lastTimestampNanos()).toString();
        }
    }

    private final Path dir;
    private final FlowExtractor extractor;
    private final ActiveSegmentSealer sealer;
    private final Duration retention;
    private final Duration longestFlowIdle;
    private final CarveTimes times;
    private final EveAlertParser parser = new EveAlertParser();

    /**
     * @param longestFlowIdle the probe's longest flow idle timeout, which bounds how far into the
     *     store a carve searches after the flow's last packet ({@link FlowQueries})
     */
    public CarveJobs(Path dir, FlowExtractor extractor, ActiveSegmentSealer sealer, Duration retention,
            Duration longestFlowIdle) throws IOException {
        this(dir, extractor, sealer, retention, longestFlowIdle, CarveTimes.NONE);
    }

    /** As above; {@code times} is told how long each carve took, by outcome. */
    public CarveJobs(Path dir, FlowExtractor extractor, ActiveSegmentSealer sealer, Duration retention,
            Duration longestFlowIdle, CarveTimes times) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.extractor = extractor;
        this.sealer = sealer;
        this.retention = retention;
        this.longestFlowIdle = longestFlowIdle;
        this.times = Objects.requireNonNull(times, "times");
    }

    /** Carves the flow of {@code alertJson} (one EVE alert) for job {@code job}. */
    public Carve carve(String job, String alertJson) throws BadRequest, IOException, InterruptedException {
        try {
            JobName.require(job);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage(), e);
        }
        FlowQuery query;
        try {
            EveAlert alert = parser.parse(alertJson.strip())
                    .orElseThrow(() -> new BadRequest("the document is an EVE event but not an alert", null));
            query = FlowQueries.forAlert(alert, longestFlowIdle);
        } catch (MalformedAlertException | IllegalArgumentException e) {
            throw new BadRequest(e.getMessage(), e);
        }
        long start = System.nanoTime();
        boolean sealed = sealer.seal();
        deleteExpired();
        Path target = file(job);
        FlowExtractor.CarvedFile carved = extractor.extractTo(query, target);
        if (carved.result().outcome() != ExtractionResult.Outcome.FOUND) {
            Files.deleteIfExists(target); // an older carve under this name must not pass for this one
        }
        times.carved(carved.result().outcome(), System.nanoTime() - start);
        return new Carve(job, carved.result(), carved.size(), carved.sha256(), sealed);
    }

    /** The carve file of a job, whether or not it exists; IllegalArgumentException for a bad name. */
    public Path file(String job) {
        return dir.resolve(JobName.require(job) + ".pcap");
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
