package io.flowtrap.manager.settings;

import java.util.Map;
import org.springframework.data.annotation.Id;
import org.springframework.data.elasticsearch.annotations.Document;
import org.springframework.data.elasticsearch.annotations.Field;
import org.springframework.data.elasticsearch.annotations.WriteTypeHint;

/**
 * One probe's part of an Apply changes, as kept in Elasticsearch: the settings it sends, its state
 * ({@code scheduled} → {@code running} → {@code finished}, or back to {@code scheduled} for a retry)
 * and result ({@code none} until finished, then {@code success}, {@code failed} or
 * {@code unreachable}; an unreachable try that will be retried reads {@code unreachable} while
 * scheduled). Illegal transitions throw.
 */
@Document(indexName = "#{@stateIndices.name('apply-tasks')}", createIndex = false, writeTypeHint = WriteTypeHint.FALSE)
public record ApplyTask(@Id String id, String probe, @Field(name = "requested_by") String requestedBy, Map<String, String> settings,
        String state, String result, int retries, String error, String note, @Field(name = "created_ms") long createdMs,
        @Field(name = "started_ms") long startedMs, @Field(name = "next_try_ms") long nextTryMs,
        @Field(name = "finished_ms") long finishedMs, long version) {
    static final String KIND = "apply-tasks";
    public static final String SCHEDULED = "scheduled";
    public static final String RUNNING = "running";
    public static final String FINISHED = "finished";
    public static final String NONE = "none";
    public static final String SUCCESS = "success";
    public static final String FAILED = "failed";
    public static final String UNREACHABLE = "unreachable";

    public ApplyTask {
        settings = Map.copyOf(settings);
        error = error == null ? "" : error;
        note = note == null ? "" : note;
    }

    static ApplyTask scheduled(String probe, String user, Map<String, String> settings) {
        long now = System.currentTimeMillis();
        return new ApplyTask("at-" + now + "-" + probe, probe, user, settings, SCHEDULED, NONE, 0, "", "", now, 0, now, 0, 0);
    }

    public boolean inFlight() {
        return !state.equals(FINISHED);
    }

    /** Milliseconds from the first try's start to the end (or to now while in flight); 0 before it started. */
    public long durationMs() {
        if (startedMs == 0) {
            return 0;
        }
        return (finishedMs == 0 ? System.currentTimeMillis() : finishedMs) - startedMs;
    }

    ApplyTask running() {
        if (!state.equals(SCHEDULED)) {
            throw new IllegalStateException("task " + id + " is " + state + ": only a scheduled task starts running");
        }
        return new ApplyTask(id, probe, requestedBy, settings, RUNNING, result, retries, error, note, createdMs,
                startedMs == 0 ? System.currentTimeMillis() : startedMs, 0, 0, version);
    }

    ApplyTask retryAt(long when, String why) {
        requireRunning();
        return new ApplyTask(id, probe, requestedBy, settings, SCHEDULED, UNREACHABLE, retries + 1, why, note, createdMs, startedMs,
                when, 0, version);
    }

    ApplyTask finished(String outcome, String why, String what, long newVersion) {
        requireRunning();
        return new ApplyTask(id, probe, requestedBy, settings, FINISHED, outcome, retries, why, what, createdMs, startedMs, 0,
                System.currentTimeMillis(), newVersion);
    }

    /** A task a previous run of the manager left in flight: finished as failed, saying so. */
    ApplyTask abandoned(String why) {
        if (state.equals(FINISHED)) {
            throw new IllegalStateException("task " + id + " is finished already");
        }
        return new ApplyTask(id, probe, requestedBy, settings, FINISHED, FAILED, retries, why, note, createdMs, startedMs, 0,
                System.currentTimeMillis(), version);
    }

    private void requireRunning() {
        if (!state.equals(RUNNING)) {
            throw new IllegalStateException("task " + id + " is " + state + ", not running");
        }
    }
}
