package io.flowtrap.manager.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.web.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Carves on probes for the REST chain: a carve runs on a pool of its own and the caller waits for
 * it up to {@code flowtrap.extraction-wait}; a longer one goes on in the background (the chain
 * answers 202) and records its carve, or its failure, in the job when it ends. A job has at most
 * one carve in flight: asking again joins it.
 */
@Service
public class Extractions {
    private final ExtractionJobs jobs;
    private final Duration wait;
    private final ExecutorService carvers = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "carve");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentHashMap<String, CompletableFuture<Job.Carve>> inFlight = new ConcurrentHashMap<>();

    public Extractions(ExtractionJobs jobs, @Value("${flowtrap.extraction-wait:20s}") Duration wait) {
        this.jobs = jobs;
        this.wait = wait;
    }

    /** The carve, if it ended within the wait; empty if it goes on. Failures are thrown as the chain answers them. */
    public Optional<Job.Carve> extract(Job job, ProbeClient probe) {
        CompletableFuture<Job.Carve> started = new CompletableFuture<>();
        CompletableFuture<Job.Carve> running = inFlight.putIfAbsent(job.id(), started);
        CompletableFuture<Job.Carve> carve = running != null ? running : started;
        if (running == null) {
            carvers.execute(() -> carveAndComplete(job.id(), probe, started));
        }
        try {
            return Optional.of(carve.get(wait.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                throw api;
            }
            throw new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "extraction failed", String.valueOf(e.getCause()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "interrupted", "the manager is shutting down", e);
        }
    }

    /** Whether a carve of this job is still running. */
    public boolean carving(String id) {
        return inFlight.containsKey(id);
    }

    /**
     * Runs a carve and completes {@code future}; the job leaves the in-flight set before anyone
     * hears of the end, so a retrieve made right after a 200 never sees it still carving.
     */
    private void carveAndComplete(String id, ProbeClient probe, CompletableFuture<Job.Carve> future) {
        Job.Carve carve = null;
        Throwable failure = null;
        try {
            carve = carve(id, probe);
        } catch (Throwable t) {
            failure = t;
        }
        inFlight.remove(id, future);
        if (failure == null) {
            future.complete(carve);
        } else {
            future.completeExceptionally(failure);
        }
    }

    private Job.Carve carve(String id, ProbeClient probe) {
        try {
            try {
                JsonNode report = probe.carve(id, jobs.alert(id));
                Job.Carve carve = new Job.Carve(probe.name(), report.path("packets").asLong(), report.path("bytes").asLong(),
                        report.path("size").asLong(), report.path("sha256").asText(), report.path("first_ts").asText(),
                        report.path("last_ts").asText(), Instant.now());
                jobs.recordCarve(id, carve);
                return carve;
            } catch (ApiException e) {
                jobs.recordFailure(id, new Job.Failure(e.status().value(), e.getMessage(), e.body().detail(), Instant.now()));
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
