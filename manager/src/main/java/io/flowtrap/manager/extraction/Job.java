package io.flowtrap.manager.extraction;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flowtrap.manager.errors.DomainException;
import java.time.Instant;

/**
 * An extraction job as kept in {@code job.json}: the probe asked, what the probe carved (or why it
 * could not), what the manager retrieved and when that copy expired. Immutable; each step writes a
 * new one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Job(String id, String host, Instant uploaded, Carve carve, Failure failure, Retrieved retrieved,
        Instant expired) {

    /** What the probe reported for its carve. */
    public record Carve(String host, long packets, long bytes, long size, String sha256, String firstTs, String lastTs,
            Instant at) {}

    /**
     * Why the last carve failed, as the chain answers it again on retrieve. {@code kind} is null in a
     * job.json written before kinds were kept (it held an HTTP status): such a failure reads as the
     * probe's.
     */
    public record Failure(DomainException.Kind kind, String error, String detail, Instant at) {
        public Failure {
            kind = kind == null ? DomainException.Kind.PROBE_FAILED : kind;
        }
    }

    /** The manager's cached copy of the carve. */
    public record Retrieved(long size, String sha256, Instant at) {}

    /** The status call's word for where the job stands. */
    public String status() {
        if (expired != null) {
            return "expired";
        }
        if (retrieved != null) {
            return "available";
        }
        return failure != null && carve == null ? "failed" : "pending";
    }

    Job withCarve(Carve c) {
        return new Job(id, host, uploaded, c, null, null, null);
    }

    Job withFailure(Failure f) {
        return new Job(id, host, uploaded, null, f, null, null);
    }

    Job withRetrieved(Retrieved r) {
        return new Job(id, host, uploaded, carve, null, r, null);
    }

    Job expiredAt(Instant at) {
        return new Job(id, host, uploaded, carve, null, retrieved, at);
    }
}
