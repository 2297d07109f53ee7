package io.flowtrap.manager.captures;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.CaptureSummary;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import java.time.Instant;
import java.util.List;

/**
 * One capture as kept in its {@code capture.json}: what was asked, by whom, and where it stands.
 * Immutable; each step makes a new one ({@code with...}), and a step out of order throws.
 * Times are Instant strings; the window in ns since the epoch (the probes' packet times).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record Capture(String id, String name, String description, String analyst, String filter, List<String> probes,
        long durationSeconds, long maxPackets, List<String> tags, State state, String created, String started,
        String ended, String endReason, Long windowFromNanos, Long windowToNanos, String fileName, Long packetsSeen,
        String message, List<CaptureAnswer.ProbeResult> probeResults, CaptureSummary summary, String deletedAt,
        String deletedReason) {

    /** Where a capture stands. */
    enum State {
        QUEUED, RUNNING, CARVING, DONE, FAILED, DELETED;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        boolean active() {
            return this == QUEUED || this == RUNNING || this == CARVING;
        }

        boolean finished() {
            return this == DONE || this == FAILED;
        }
    }

    Capture {
        probes = List.copyOf(probes);
        tags = List.copyOf(tags);
        probeResults = probeResults == null ? List.of() : List.copyOf(probeResults);
    }

    Instant createdAt() {
        return Instant.parse(created);
    }

    /** When it finished (or was made, if it never started): what retention ages by. */
    Instant finishedAt() {
        return Instant.parse(ended != null ? ended : created);
    }

    Capture running(Instant at, long windowFrom) {
        require(state == State.QUEUED, "start");
        return new Capture(id, name, description, analyst, filter, probes, durationSeconds, maxPackets, tags, State.RUNNING,
                created, at.toString(), null, null, windowFrom, null, fileName, 0L, null, List.of(), null,
                null, null);
    }

    Capture seen(long packets) {
        return new Capture(id, name, description, analyst, filter, probes, durationSeconds, maxPackets, tags, state, created,
                started, ended, endReason, windowFromNanos, windowToNanos, fileName, packets, message, probeResults, summary,
                deletedAt, deletedReason);
    }

    Capture carving(Instant at, long windowTo, String reason) {
        require(state == State.RUNNING, "end");
        return new Capture(id, name, description, analyst, filter, probes, durationSeconds, maxPackets, tags, State.CARVING,
                created, started, at.toString(), reason, windowFromNanos, windowTo, fileName, packetsSeen, null, List.of(), null,
                null, null);
    }

    Capture finished(State outcome, String message, List<CaptureAnswer.ProbeResult> results, CaptureSummary summary) {
        require(state == State.CARVING || state == State.QUEUED && outcome == State.FAILED, "finish");
        return new Capture(id, name, description, analyst, filter, probes, durationSeconds, maxPackets, tags, outcome, created,
                started, ended != null ? ended : Instant.now().toString(), endReason != null ? endReason : "failed",
                windowFromNanos, windowToNanos, fileName, packetsSeen, message, results, summary, null, null);
    }

    Capture deleted(Instant at, String reason) {
        require(state.finished(), "delete");
        return new Capture(id, name, description, analyst, filter, probes, durationSeconds, maxPackets, tags, State.DELETED,
                created, started, ended, endReason, windowFromNanos, windowToNanos, fileName, packetsSeen, message, probeResults,
                summary, at.toString(), reason);
    }

    private void require(boolean legal, String step) {
        if (!legal) {
            throw new DomainException(Kind.CONFLICT, "capture " + state.wire(), "capture " + id + " is " + state.wire()
                    + ": it cannot " + step + " now");
        }
    }
}
