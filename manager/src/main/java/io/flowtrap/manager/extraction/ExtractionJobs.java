package io.flowtrap.manager.extraction;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flowtrap.api.JobName;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * The job area, {@code <data-dir>/jobs/<id>/}: the uploaded alert ({@code alert.json}), the job's
 * state ({@code job.json}) and, once retrieved, the pcap ({@code flow.pcap}). A job id is checked
 * by {@link JobName} before any path is built from it, and the resolved directory must still lie
 * directly under the job area, so no request can reach a file outside it. Files are replaced by
 * atomic renames; steps on one job are serialised. Retrieved pcaps expire after the configured
 * retention (the job then answers "expired").
 *
 * <p>Bounds ({@link ExtractionProperties.Jobs}): a job's whole directory is deleted {@code flowtrap.jobs.retention}
 * after its last step (the sweep that expires pcaps does it, every {@code flowtrap.expiry-sweep-interval}: {@link ExpirySweepSchedule});
 * a carve announced larger than {@code max-carve-size} or the cache quota is not retrieved (413); and the
 * retrieved pcaps together stay within {@code cache-quota}: storing one evicts the oldest others (their
 * jobs then answer "expired"). Each deletion and eviction is logged and counted.
 *
 * <p>Meters (README "Manager metrics"): jobs by status ({@code flowtrap.jobs}, kept as each job's
 * state is written, read back from the job area at start), job directories deleted, pcaps expired
 * and evicted, and the bytes evicted.
 *
 * <p>A job whose directory is deleted (by the retention, or by a user through the results) is
 * announced as a {@link JobDeleted} event, published outside any lock, so what refers to it (its
 * result's labels) goes with it; a job whose files change (uploaded again, carved, failed,
 * retrieved, its pcap expired or evicted) as a {@link JobChanged}, after the change, so what was
 * read of it is read again.
 */
@Component
public class ExtractionJobs {
    private static final Logger log = LoggerFactory.getLogger(ExtractionJobs.class);
    private static final String ALERT = "alert.json";
    private static final String STATE = "job.json";
    private static final String PCAP = "flow.pcap";

    private final Path root;
    private final Duration retention;
    private final ExtractionProperties.Jobs limits;
    private final ObjectMapper json;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
    private final AtomicLong deletedJobs = new AtomicLong();
    private final AtomicLong evictedPcaps = new AtomicLong();
    private final AtomicLong sweeps = new AtomicLong();
    private final AtomicLong expiredPcaps = new AtomicLong();
    private final AtomicLong evictedBytes = new AtomicLong();
    /** Each job's status as last written: what the {@code flowtrap.jobs} gauges count. */
    private final ConcurrentHashMap<String, String> statuses = new ConcurrentHashMap<>();
    /**
     * The pcaps retrieved and not expired, by job: what the cache quota counts, kept as each job's
     * state is written (read back from the job area at start), so that making room for a new pcap
     * reads no other job's files (it did, every job's, on each retrieval).
     */
    private final ConcurrentHashMap<String, CachedPcap> cachedPcaps = new ConcurrentHashMap<>();
    private final Object cache = new Object();
    private final ApplicationEventPublisher events;

    /** A job's directory was deleted: by whom ({@code system} for its retention) and why. */
    public record JobDeleted(String id, String by, String reason) {}

    /** Job {@code id}'s {@code job.json} or {@code alert.json} was written: what was read of them before is stale. */
    public record JobChanged(String id) {}

    /** A retrieved pcap in the download cache: when it was retrieved, and its size. */
    private record CachedPcap(Instant at, long size) {}

    public ExtractionJobs(ExtractionProperties properties, ObjectMapper json, MeterRegistry meters,
            ApplicationEventPublisher events) throws IOException {
        this.events = events;
        this.root = Files.createDirectories(properties.dataDir().resolve("jobs")).toRealPath();
        this.retention = properties.downloadRetention();
        this.limits = properties.jobs();
        this.json = json.copy().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                String id = dir.getFileName().toString();
                if (JobName.isValid(id)) {
                    try {
                        Optional<Job> job = find(id);
                        if (job.isPresent()) {
                            statuses.put(id, job.get().status());
                            if (Files.isRegularFile(dir.resolve(PCAP))) {
                                keepCacheEntry(job.get());
                            }
                        }
                    } catch (IOException e) { // one unreadable job.json is that job's failure, not the manager's
                        log.warn("job {}: state unreadable, not counted in flowtrap_jobs: {}", id, e.toString());
                    }
                }
            }
        }
        for (String status : List.of("pending", "available", "failed", "expired")) {
            Gauge.builder("flowtrap.jobs", statuses, s -> s.values().stream().filter(status::equals).count())
                    .tag("state", status).description("extraction jobs by status").register(meters);
        }
        FunctionCounter.builder("flowtrap.jobs.deleted", deletedJobs, AtomicLong::get)
                .description("job directories deleted after flowtrap.jobs.retention").register(meters);
        FunctionCounter.builder("flowtrap.download.cache.expired", expiredPcaps, AtomicLong::get)
                .description("retrieved pcaps deleted after flowtrap.download-retention").register(meters);
        FunctionCounter.builder("flowtrap.download.cache.evictions", evictedPcaps, AtomicLong::get)
                .description("retrieved pcaps evicted to keep the cache within flowtrap.jobs.cache-quota").register(meters);
        FunctionCounter.builder("flowtrap.download.cache.evicted.bytes", evictedBytes, AtomicLong::get)
                .description("bytes of the pcaps evicted for the cache quota").register(meters);
    }

    /** Job directories deleted after their retention. */
    public long deletedJobs() {
        return deletedJobs.get();
    }

    /** Retrieved pcaps evicted to keep the cache within its quota. */
    public long evictedPcaps() {
        return evictedPcaps.get();
    }

    /** Sweeps (pcap expiry and job retention) done. */
    public long sweeps() {
        return sweeps.get();
    }

    /** The largest carve that may be retrieved: the smaller of max-carve-size and the cache quota. */
    public long maxCarveBytes() {
        return Math.min(limits.maxCarveSize().toBytes(), limits.cacheQuota().toBytes());
    }

    /** 413 unless the carve {@code job}'s probe announced fits within {@link #maxCarveBytes()}; before anything is stored. */
    public void checkAnnouncedSize(Job job) {
        long size = job.carve().size();
        if (size > maxCarveBytes()) {
            log.warn("job {}: carve of {} bytes refused (more than {} bytes: flowtrap.jobs.max-carve-size, cache-quota)",
                    job.id(), size, maxCarveBytes());
            throw new DomainException(Kind.TOO_LARGE, "carve too large", "probe " + job.carve().host() + " carved "
                    + size + " bytes for " + job.id() + ", more than the " + maxCarveBytes() + " the manager stores"
                    + " (flowtrap.jobs.max-carve-size, flowtrap.jobs.cache-quota); nothing was stored");
        }
    }

    /** Creates (or starts over) job {@code id} for the alert {@code alertJson}, to be carved on {@code host}, as {@code askedBy} asks. */
    public Job create(String id, String host, String alertJson, String askedBy) throws IOException {
        Path dir = dir(id);
        Job job;
        synchronized (lock(id)) {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(PCAP));
            write(dir.resolve(ALERT), alertJson.getBytes(StandardCharsets.UTF_8));
            job = Job.uploaded(id, host, askedBy, Instant.now());
            save(job);
        }
        changed(id);
        return job;
    }

    /** The ids of the jobs in the job area now, sorted. */
    public List<String> ids() throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.map(d -> d.getFileName().toString()).filter(JobName::isValid).sorted().toList();
        }
    }

    /**
     * Deletes job {@code id}'s directory (its alert, state and pcap) at {@code user}'s request: the
     * chain then answers it as unknown (404), as after its retention. Whether there was one.
     */
    public boolean delete(String id, String user) throws IOException {
        Path dir = dir(id);
        synchronized (lock(id)) {
            if (!Files.isDirectory(dir)) {
                return false;
            }
            deleteTree(dir);
            forget(id);
        }
        log.info("job {}: directory deleted by {}", id, user);
        events.publishEvent(new JobDeleted(id, user, "deleted by " + user));
        return true;
    }

    public Optional<Job> find(String id) throws IOException {
        Path state = dir(id).resolve(STATE);
        try {
            return Optional.of(json.readValue(Files.readAllBytes(state), Job.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The job, or 404. */
    public Job require(String id) throws IOException {
        return find(id).orElseThrow(() -> new DomainException(Kind.NOT_FOUND, "unknown job",
                "no extraction job " + id + ": upload the alert first"));
    }

    public String alert(String id) throws IOException {
        return Files.readString(dir(id).resolve(ALERT), StandardCharsets.UTF_8);
    }

    public Job recordCarve(String id, Job.Carve carve) throws IOException {
        Job job;
        synchronized (lock(id)) {
            Files.deleteIfExists(dir(id).resolve(PCAP));
            job = require(id).withCarve(carve);
            save(job);
        }
        changed(id);
        return job;
    }

    public Job recordFailure(String id, Job.Failure failure) throws IOException {
        Job job;
        synchronized (lock(id)) {
            Files.deleteIfExists(dir(id).resolve(PCAP));
            job = require(id).withFailure(failure);
            save(job);
        }
        changed(id);
        return job;
    }

    /** Where a retrieval writes before {@link #recordRetrieved} moves it into place. */
    public Path temporaryPcap(String id) throws IOException {
        return Files.createTempFile(dir(id), ".flow", ".partial");
    }

    /** Moves the retrieved pcap into place, then evicts the oldest others until the cache is within its quota. */
    public Job recordRetrieved(String id, Path temporary, Job.Retrieved retrieved) throws IOException {
        Job job;
        synchronized (lock(id)) {
            Files.move(temporary, dir(id).resolve(PCAP), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            job = require(id).withRetrieved(retrieved);
            save(job);
        }
        changed(id);
        List<String> evicted = new ArrayList<>();
        try {
            makeRoom(id, evicted);
        } finally {
            evicted.forEach(this::changed);
        }
        return job;
    }

    /**
     * Evicts retrieved pcaps, oldest retrieval first, but never {@code keep}'s, until they fit in the
     * quota; adds each job evicted to {@code evicted}.
     */
    private void makeRoom(String keep, List<String> evicted) throws IOException {
        synchronized (cache) {
            long quota = limits.cacheQuota().toBytes();
            long total = cachedPcaps.values().stream().mapToLong(CachedPcap::size).sum();
            if (total <= quota) {
                return;
            }
            List<Map.Entry<String, CachedPcap>> oldestFirst = new ArrayList<>(cachedPcaps.entrySet());
            oldestFirst.sort(Comparator.comparing(e -> e.getValue().at()));
            for (Map.Entry<String, CachedPcap> c : oldestFirst) {
                if (total <= quota) {
                    break;
                }
                String id = c.getKey();
                long size = c.getValue().size();
                if (id.equals(keep)) {
                    continue;
                }
                synchronized (lock(id)) {
                    CachedPcap now = cachedPcaps.get(id);
                    if (!c.getValue().equals(now)) { // changed since the list was taken: recount, keep it
                        total += (now == null ? 0 : now.size()) - size; // gone (expired, deleted, carved again), or retrieved again
                        continue;
                    }
                    Optional<Job> job = find(id);
                    if (job.isPresent() && job.get().retrieved() != null && job.get().expired() == null) {
                        Files.deleteIfExists(dir(id).resolve(PCAP));
                        save(job.get().expiredAt(Instant.now()));
                        evicted.add(id);
                    }
                }
                total -= size;
                evictedBytes.addAndGet(size);
                long n = evictedPcaps.incrementAndGet();
                log.info("job {}: pcap of {} bytes evicted to keep the download cache within {} bytes"
                        + " (flowtrap.jobs.cache-quota; {} evicted so far)", id, size, quota, n);
            }
        }
    }

    /** The cached pcap of a retrieved job. */
    public Path pcap(String id) {
        return dir(id).resolve(PCAP);
    }

    /**
     * Deletes retrieved pcaps older than the download retention (their jobs then say "expired"), and
     * whole job directories whose last step is older than the job retention.
     */
    public void expire() {
        Instant horizon = Instant.now().minus(retention);
        Instant jobHorizon = Instant.now().minus(limits.retention());
        List<String> deleted = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                String id = dir.getFileName().toString();
                if (!JobName.isValid(id)) {
                    continue;
                }
                synchronized (lock(id)) {
                    if (lastStep(dir).isBefore(jobHorizon)) {
                        deleteTree(dir);
                        forget(id);
                        deleted.add(id);
                        long n = deletedJobs.incrementAndGet();
                        log.info("job {}: directory deleted, its last step older than {} (flowtrap.jobs.retention;"
                                + " {} deleted so far)", id, limits.retention(), n);
                        continue;
                    }
                    Optional<Job> job = find(id);
                    if (job.isPresent() && job.get().retrieved() != null && job.get().expired() == null
                            && job.get().retrieved().at().isBefore(horizon)) {
                        Files.deleteIfExists(dir.resolve(PCAP));
                        save(job.get().expiredAt(Instant.now()));
                        expired.add(id);
                        expiredPcaps.incrementAndGet();
                        log.info("job {}: pcap expired after {}", id, retention);
                    }
                }
            }
        } catch (IOException e) {
            log.warn("job expiry sweep failed: {}", e.toString());
        }
        expired.forEach(this::changed);
        deleted.forEach(id -> events.publishEvent(new JobDeleted(id, "system",
                "its last step older than flowtrap.jobs.retention (" + limits.retention() + ")")));
        sweeps.incrementAndGet();
    }

    /** When the job in {@code dir} last changed: its state file's time, or the directory's without one. */
    private static Instant lastStep(Path dir) throws IOException {
        Path state = dir.resolve(STATE);
        try {
            return Files.getLastModifiedTime(state).toInstant();
        } catch (NoSuchFileException e) {
            return Files.getLastModifiedTime(dir).toInstant();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private Path dir(String id) {
        String name;
        try {
            name = JobName.require(id);
        } catch (IllegalArgumentException e) {
            throw new DomainException(Kind.INVALID, "invalid job name", e.getMessage(), e);
        }
        Path dir = root.resolve(name).normalize();
        if (!root.equals(dir.getParent())) {
            throw new DomainException(Kind.INVALID, "invalid job name", "the name leaves the job area");
        }
        return dir;
    }

    private void changed(String id) {
        events.publishEvent(new JobChanged(id));
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    private void save(Job job) throws IOException {
        write(dir(job.id()).resolve(STATE), json.writeValueAsBytes(job));
        statuses.put(job.id(), job.status());
        keepCacheEntry(job);
    }

    /** Counts the job's pcap in the download cache if its state says it is retrieved and not expired, else not. */
    private void keepCacheEntry(Job job) {
        if (job.retrieved() != null && job.expired() == null) {
            cachedPcaps.put(job.id(), new CachedPcap(job.retrieved().at(), job.retrieved().size()));
        } else {
            cachedPcaps.remove(job.id());
        }
    }

    /** What is kept of a job whose directory was just deleted. */
    private void forget(String id) {
        statuses.remove(id);
        cachedPcaps.remove(id);
        locks.remove(id);
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".partial");
        try {
            Files.write(temp, bytes);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
