package io.flowtrap.manager.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flowtrap.api.JobName;
import io.flowtrap.manager.ManagerProperties;
import io.flowtrap.manager.web.ApiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The job area, {@code <data-dir>/jobs/<id>/}: the uploaded alert ({@code alert.json}), the job's
 * state ({@code job.json}) and, once retrieved, the pcap ({@code flow.pcap}). A job id is checked
 * by {@link JobName} before any path is built from it, and the resolved directory must still lie
 * directly under the job area, so no request can reach a file outside it. Files are replaced by
 * atomic renames; steps on one job are serialised. Retrieved pcaps expire after the configured
 * retention (the job then answers "expired").
 */
@Component
public class ExtractionJobs {
    private static final Logger log = LoggerFactory.getLogger(ExtractionJobs.class);
    private static final String ALERT = "alert.json";
    private static final String STATE = "job.json";
    private static final String PCAP = "flow.pcap";

    private final Path root;
    private final Duration retention;
    private final ObjectMapper json;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    public ExtractionJobs(ManagerProperties properties, ObjectMapper json) throws IOException {
        this.root = Files.createDirectories(properties.dataDir().resolve("jobs")).toRealPath();
        this.retention = properties.downloadRetention();
        this.json = json.copy().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    /** Creates (or starts over) job {@code id} for the alert {@code alertJson}, to be carved on {@code host}. */
    public Job create(String id, String host, String alertJson) throws IOException {
        Path dir = dir(id);
        synchronized (lock(id)) {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(PCAP));
            write(dir.resolve(ALERT), alertJson.getBytes(StandardCharsets.UTF_8));
            Job job = new Job(id, host, Instant.now(), null, null, null, null);
            save(job);
            return job;
        }
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
        return find(id).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "unknown job",
                "no extraction job " + id + ": upload the alert first"));
    }

    public String alert(String id) throws IOException {
        return Files.readString(dir(id).resolve(ALERT), StandardCharsets.UTF_8);
    }

    public Job recordCarve(String id, Job.Carve carve) throws IOException {
        synchronized (lock(id)) {
            Files.deleteIfExists(dir(id).resolve(PCAP));
            Job job = require(id).withCarve(carve);
            save(job);
            return job;
        }
    }

    public Job recordFailure(String id, Job.Failure failure) throws IOException {
        synchronized (lock(id)) {
            Files.deleteIfExists(dir(id).resolve(PCAP));
            Job job = require(id).withFailure(failure);
            save(job);
            return job;
        }
    }

    /** Where a retrieval writes before {@link #recordRetrieved} moves it into place. */
    public Path temporaryPcap(String id) throws IOException {
        return Files.createTempFile(dir(id), ".flow", ".partial");
    }

    public Job recordRetrieved(String id, Path temporary, Job.Retrieved retrieved) throws IOException {
        synchronized (lock(id)) {
            Files.move(temporary, dir(id).resolve(PCAP), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Job job = require(id).withRetrieved(retrieved);
            save(job);
            return job;
        }
    }

    /** The cached pcap of a retrieved job. */
    public Path pcap(String id) {
        return dir(id).resolve(PCAP);
    }

    /** Deletes retrieved pcaps older than the retention; their jobs then say "expired". */
    @Scheduled(fixedDelayString = "${flowtrap.expiry-sweep-interval:60s}")
    public void expire() {
        Instant horizon = Instant.now().minus(retention);
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                String id = dir.getFileName().toString();
                if (!JobName.isValid(id)) {
                    continue;
                }
                synchronized (lock(id)) {
                    Optional<Job> job = find(id);
                    if (job.isPresent() && job.get().retrieved() != null && job.get().expired() == null
                            && job.get().retrieved().at().isBefore(horizon)) {
                        Files.deleteIfExists(dir.resolve(PCAP));
                        save(job.get().expiredAt(Instant.now()));
                        log.info("job {}: pcap expired after {}", id, retention);
                    }
                }
            }
        } catch (IOException e) {
            log.warn("job expiry sweep failed: {}", e.toString());
        }
    }

    private Path dir(String id) {
        String name;
        try {
            name = JobName.require(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid job name", e.getMessage(), e);
        }
        Path dir = root.resolve(name).normalize();
        if (!root.equals(dir.getParent())) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid job name", "the name leaves the job area");
        }
        return dir;
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    private void save(Job job) throws IOException {
        write(dir(job.id()).resolve(STATE), json.writeValueAsBytes(job));
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
