package io.flowtrap.manager.settings;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.elasticsearch.StateIndices;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.probes.ProbeRegistry;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.data.elasticsearch.core.query.Criteria;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Apply changes: one {@link ApplyTask} per probe with pending modifications, run on a pool of
 * {@code flowtrap.apply.workers} threads, so a probe that does not answer delays only its own task.
 * A try sends the effective settings with the version the probe last reported or accepted (read
 * first from the probe if it never did); on a 409 (the probe's settings changed since: another
 * manager, a restart with a new config file) it reads the probe's version and sends again once,
 * noting it in the task. A probe that cannot be reached is tried again after a backoff that doubles up to
 * {@code max-backoff}, {@code retries} times, then the task finishes {@code unreachable}; a probe
 * that refuses the settings finishes {@code failed} with its own error text (e.g. libpcap's words
 * on a bad filter). A probe with a task in flight gets no second one: {@link #apply} reports it.
 * Every state of a task is written to Elasticsearch; a task's own progress lives in this manager:
 * tasks in flight when it stops are not resumed, its next start finishes them as failed, saying so
 * (Apply again). Thread-safe.
 */
@Component
public class ApplyChanges implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApplyChanges.class);

    private final SettingsCatalog catalog;
    private final ProbeRegistry probes;
    private final ApplyTasks tasks;
    private final StateIndices indices;
    private final ApplicationEventPublisher audit;
    private final SettingsProperties properties;
    private final ScheduledExecutorService workers;
    /** The task in flight per probe. */
    private final Map<String, ApplyTask> inFlight = new ConcurrentHashMap<>();
    private volatile boolean abandonedClosed;

    ApplyChanges(SettingsCatalog catalog, ProbeRegistry probes, ApplyTasks tasks, StateIndices indices, ApplicationEventPublisher audit,
            SettingsProperties properties) {
        this.catalog = catalog;
        this.probes = probes;
        this.tasks = tasks;
        this.indices = indices;
        this.audit = audit;
        this.properties = properties;
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(properties.workers(), r -> {
            Thread t = new Thread(r, "apply-changes-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.setRemoveOnCancelPolicy(true);
        this.workers = pool;
    }

    /** What one Apply changes did: the tasks it scheduled, and the probes it left alone because a task of theirs is in flight. */
    public record Report(List<ApplyTask> scheduled, List<ApplyTask> alreadyInFlight) {}

    /** Schedules one task per probe with pending modifications (none in flight). UNAVAILABLE if Elasticsearch cannot be used. */
    public synchronized Report apply(String user) {
        List<ApplyTask> scheduled = new ArrayList<>();
        List<ApplyTask> busy = new ArrayList<>();
        for (SettingsCatalog.Pending p : catalog.pending()) {
            ApplyTask running = inFlight.get(p.probe());
            if (running != null) {
                busy.add(running);
                continue;
            }
            Map<String, String> values = new LinkedHashMap<>();
            catalog.effective(p.probe()).forEach(e -> values.put(e.setting().key(), e.value()));
            ApplyTask task = ApplyTask.scheduled(p.probe(), user, values);
            save(task);
            inFlight.put(p.probe(), task);
            scheduled.add(task);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("probe", p.probe());
            details.put("task", task.id());
            Map<String, String> diff = new LinkedHashMap<>();
            p.changes().forEach(c -> diff.put(c.setting().key(), (c.reported() == null ? "?" : c.reported()) + " -> " + c.value()));
            details.put("changes", diff);
            audit.publishEvent(new Audited(user, "apply.request", details));
            workers.execute(() -> attempt(task));
        }
        if (!busy.isEmpty()) {
            log.info("apply: {} asked again while tasks are in flight for {}: not merged", user,
                    busy.stream().map(ApplyTask::probe).toList());
        }
        return new Report(scheduled, busy);
    }

    /**
     * Finishes, as failed, the tasks a previous run of this manager left scheduled or running (their
     * tries lived in that run), once Elasticsearch answers: at start, then every 10 s until done.
     */
    @Scheduled(initialDelay = 0, fixedDelay = 10_000)
    void finishAbandoned() {
        if (abandonedClosed) {
            return;
        }
        try {
            List<ApplyTask> left = indices.readMatching(Document.APPLY_TASK, ApplyTask.KIND, ApplyTask.class,
                    Criteria.where("state").in(ApplyTask.SCHEDULED, ApplyTask.RUNNING), "read the apply tasks in flight");
            for (ApplyTask t : left) {
                if (t.inFlight() && !inFlight.containsKey(t.probe())) {
                    ApplyTask done = t.abandoned("the manager stopped before this task finished: Apply changes again");
                    indices.call(Document.APPLY_TASK, ApplyTask.KIND, "save apply task " + t.id(), () -> tasks.save(done));
                    log.info("apply: task {} of {} left in flight by the previous run: finished as failed", t.id(), t.probe());
                }
            }
            abandonedClosed = true;
        } catch (DomainException e) {
            log.debug("apply: tasks left by a previous run not checked yet: {}", e.detail());
        }
    }

    /** The most recent tasks, newest first. */
    public List<ApplyTask> recent(int max) {
        List<ApplyTask> list = new ArrayList<>(indices.call(Document.APPLY_TASK, ApplyTask.KIND, "read the apply tasks",
                () -> tasks.findAll(PageRequest.of(0, max, Sort.by(Sort.Direction.DESC, "createdMs"))).getContent()));
        // what this manager holds in memory is newer than what Elasticsearch was last told
        list.replaceAll(t -> inFlight.values().stream().filter(f -> f.id().equals(t.id())).findFirst().orElse(t));
        return list;
    }

    /** The task in flight for {@code probe}, if any. */
    public java.util.Optional<ApplyTask> inFlight(String probe) {
        return java.util.Optional.ofNullable(inFlight.get(probe));
    }

    private void attempt(ApplyTask scheduledTask) {
        ApplyTask task = scheduledTask.running();
        track(task);
        try {
            ProbeClient client = probes.require(task.probe());
            String note = "";
            JsonNode answer;
            // the version the probe last reported or accepted; a probe changed since (or never heard) answers 409: read it then
            ProbeAssignment known = catalog.assignment(task.probe());
            long version = known.reported().isEmpty() ? version(client) : known.reportedVersion();
            try {
                answer = client.putSettings(SettingsCatalog.document(task.settings(), version));
            } catch (DomainException e) {
                if (e.kind() != Kind.CONFLICT) {
                    throw e;
                }
                long again = version(client);
                note = "version " + version + " was stale (409: " + e.detail() + "); read again: version " + again + "; ";
                answer = client.putSettings(SettingsCatalog.document(task.settings(), again));
            }
            StringBuilder what = new StringBuilder(note);
            for (JsonNode c : answer.path("changes")) {
                what.append(c.path("setting").asText()).append(' ').append(c.path("from")).append(" -> ").append(c.path("to"))
                        .append(" (").append(c.path("applied").asText()).append(": ").append(c.path("detail").asText()).append("); ");
            }
            if (answer.path("changes").isEmpty()) {
                what.append("the probe had these settings already");
            }
            try {
                catalog.reported(task.probe(), answer);
            } catch (DomainException e) {
                what.append(" (what the probe accepted could not be noted: ").append(e.detail()).append(')');
            }
            finish(task.finished(ApplyTask.SUCCESS, "", what.toString().strip(), answer.path("version").asLong()));
        } catch (DomainException e) {
            if (ProbeClient.isUnreachable(e) && task.retries() < properties.retries()) {
                long wait = properties.backoffBefore(task.retries() + 1).toMillis();
                ApplyTask retry = task.retryAt(System.currentTimeMillis() + wait, e.detail());
                track(retry);
                log.info("apply: {} unreachable ({}); try {} of {} in {} ms", task.probe(), e.detail(), retry.retries() + 1,
                        properties.retries() + 1, wait);
                workers.schedule(() -> attempt(retry), wait, TimeUnit.MILLISECONDS);
            } else {
                finish(task.finished(ProbeClient.isUnreachable(e) ? ApplyTask.UNREACHABLE : ApplyTask.FAILED,
                        e.detail() == null ? e.getMessage() : e.detail(), "", 0));
            }
        } catch (RuntimeException e) {
            log.error("apply: task {} failed", task.id(), e);
            finish(task.finished(ApplyTask.FAILED, "the manager failed: " + e, "", 0));
        }
    }

    /** The probe's settings version now; a probe without run-time settings (404) cannot take any. */
    private long version(ProbeClient client) {
        return client.settings(properties.timeout()).orElseThrow(() -> new DomainException(Kind.NOT_FOUND,
                "no run-time settings", "probe " + client.name() + " has no GET/PUT /api/v1/settings (an older probe, or its"
                        + " API runs without settings): it cannot take Apply changes")).path("version").asLong();
    }

    private void track(ApplyTask task) {
        inFlight.put(task.probe(), task);
        save(task);
    }

    private void finish(ApplyTask task) {
        save(task);
        inFlight.remove(task.probe());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("probe", task.probe());
        details.put("task", task.id());
        details.put("result", task.result());
        details.put("retries", task.retries());
        details.put("duration_ms", task.durationMs());
        if (!task.error().isEmpty()) {
            details.put("error", task.error());
        }
        audit.publishEvent(new Audited(task.requestedBy(), "apply.result", details));
        log.info("apply: {} {} after {} retries in {} ms{}", task.probe(), task.result(), task.retries(), task.durationMs(),
                task.error().isEmpty() ? "" : ": " + task.error());
    }

    /** Writes a task's state; a failure to do so is logged, the task goes on (its state is in memory, its end in the audit). */
    private void save(ApplyTask task) {
        try {
            indices.call(Document.APPLY_TASK, ApplyTask.KIND, "save apply task " + task.id(), () -> tasks.save(task));
        } catch (DomainException e) {
            if (task.state().equals(ApplyTask.SCHEDULED) && task.startedMs() == 0) {
                throw e; // not scheduled yet: the caller says so
            }
            log.error("apply: state of task {} not written: {}", task.id(), e.detail());
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
