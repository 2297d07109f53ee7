package io.flowtrap.manager.extraction;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Carves on probes for the REST chain: a carve runs on a pool of its own and the caller waits for
 * it up to {@code flowtrap.extraction-wait}; a longer one goes on in the background (the chain
 * answers 202) and records its carve, or its failure, in the job when it ends. A job has at most
 * one carve in flight: asking again joins it. At most {@code flowtrap.jobs.concurrent-extractions}
 * carves run and {@code queued-extractions} wait; one more is refused at once with 503 and
 * {@code Retry-After} (counted in {@link #refusedBusy()}), so a burst of extractions costs the probes
 * and the manager a bounded amount of work and memory.
 */
@Service
public class Extractions {
    private static final Logger log = LoggerFactory.getLogger(Extractions.class);

    private final ExtractionJobs jobs;
    private final Duration wait;
    private final ExtractionProperties.Jobs limits;
    private final ThreadPoolExecutor carvers;
    /** Carves running or waiting, at most concurrent-extractions + queued-extractions. */
    private final Semaphore slots;
    private final ConcurrentHashMap<String, CompletableFuture<Job.Carve>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong refusedBusy = new AtomicLong();

    public Extractions(ExtractionJobs jobs, ExtractionProperties properties, MeterRegistry meters) {
        this.jobs = jobs;
        this.wait = properties.extractionWait();
        this.limits = properties.jobs();
        int n = limits.concurrentExtractions();
        this.slots = new Semaphore(n + limits.queuedExtractions());
        // admission is by slots, so the queue never holds more than queued-extractions
        this.carvers = new ThreadPoolExecutor(n, n, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "carve");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        Gauge.builder("flowtrap.extractions.running", carvers, ThreadPoolExecutor::getActiveCount)
                .description("carves running on probes").register(meters);
        Gauge.builder("flowtrap.extractions.queued", carvers, c -> c.getQueue().size())
                .description("carves waiting for a carver").register(meters);
        FunctionCounter.builder("flowtrap.extractions.refused", refusedBusy, AtomicLong::get)
                .description("extractions refused (503 with Retry-After): every carver busy, the queue full").register(meters);
    }

    /** Extractions refused because every carver was busy and the queue full (answered 503). */
    public long refusedBusy() {
        return refusedBusy.get();
    }

    /** The carve, if it ended within the wait; empty if it goes on. Failures are thrown as the chain answers them. */
    public Optional<Job.Carve> extract(Job job, ProbeClient probe) {
        CompletableFuture<Job.Carve> started = new CompletableFuture<>();
        CompletableFuture<Job.Carve> running = inFlight.putIfAbsent(job.id(), started);
        CompletableFuture<Job.Carve> carve = running != null ? running : started;
        if (running == null) {
            try {
                if (!slots.tryAcquire()) {
                    throw new RejectedExecutionException("every slot taken");
                }
                try {
                    carvers.execute(() -> carveAndComplete(job.id(), probe, started));
                } catch (RejectedExecutionException shutDown) {
                    slots.release();
                    throw shutDown;
                }
            } catch (RejectedExecutionException e) {
                inFlight.remove(job.id(), started);
                started.cancel(false); // anyone who joined it meanwhile hears of the refusal too
                long refused = refusedBusy.incrementAndGet();
                log.warn("extraction of job {} refused: {} carves running and {} waiting (refused so far: {})", job.id(),
                        limits.concurrentExtractions(), limits.queuedExtractions(), refused);
                throw new DomainException(Kind.UNAVAILABLE, "too many extractions", limits.concurrentExtractions()
                        + " carves are running and " + limits.queuedExtractions() + " waiting"
                        + " (flowtrap.jobs.concurrent-extractions, queued-extractions); extract again later", e)
                        .retryAfter(Math.max(1, limits.retryAfter().toSeconds()));
            }
        }
        try {
            return Optional.of(carve.get(wait.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (CancellationException e) {
            throw new DomainException(Kind.UNAVAILABLE, "too many extractions", "extract again later", e)
                    .retryAfter(Math.max(1, limits.retryAfter().toSeconds()));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DomainException api) {
                throw api;
            }
            throw new DomainException(Kind.INTERNAL, "extraction failed", String.valueOf(e.getCause()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DomainException(Kind.UNAVAILABLE, "interrupted", "the manager is shutting down", e);
        }
    }

    /** Whether a carve of this job is still running. */
    public boolean carving(String id) {
        return inFlight.containsKey(id);
    }

    /**
     * Runs a carve and completes {@code future}; the job leaves the in-flight set and frees its slot
     * before anyone hears of the end, so a retrieve made right after a 200 never sees it still
     * carving, and an extraction made right after it is never refused for a carver not yet idle.
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
        slots.release(); // before anyone hears of the end: the next extraction finds the slot free
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
            } catch (DomainException e) {
                jobs.recordFailure(id, new Job.Failure(e.kind(), e.error(), e.detail(), Instant.now()));
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
