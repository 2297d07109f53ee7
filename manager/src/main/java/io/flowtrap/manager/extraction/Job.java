package io.flowtrap.manager.extraction;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flowtrap.manager.errors.DomainException;
import java.time.Instant;
import java.util.Objects;

/**
 * An extraction job as kept in {@code job.json}: the probe asked, what the probe carved (or why it
 * could not), what the manager retrieved and when that copy expired, and who uploaded the alert
 * ({@code askedBy}: null in a job.json written before it was kept; every step keeps it). Immutable;
 * each step writes a new one, and a step the job's state does not allow throws {@link
 * IllegalStateException}: only a carved job is retrieved (and only as carved), only a retrieved
 * pcap expires, and only once.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Job(String id, String host, Instant uploaded, Carve carve, Failure failure, Retrieved retrieved,
        Instant expired, String askedBy) {

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

    /** A job just uploaded: nothing carved yet. */
    static Job uploaded(String id, String host, String askedBy, Instant at) {
        return new Job(id, host, at, null, null, null, null, askedBy);
    }

    /** The probe carved the flow: whatever was carved, failed or retrieved before is replaced. Always allowed. */
    Job withCarve(Carve c) {
        return new Job(id, host, uploaded, Objects.requireNonNull(c, "carve"), null, null, null, askedBy);
    }

    /** The last carve failed: what was carved or retrieved before is gone. Always allowed. */
    Job withFailure(Failure f) {
        return new Job(id, host, uploaded, null, Objects.requireNonNull(f, "failure"), null, null, askedBy);
    }

    /**
     * The manager holds the carve: allowed only once something is carved, and only for that carve
     * (its size and SHA-256). An expired pcap may be retrieved again.
     */
    Job withRetrieved(Retrieved r) {
        if (carve == null) {
            throw new IllegalStateException("job " + id + ": nothing carved, nothing to retrieve");
        }
        if (r.size() != carve.size() || !r.sha256().equals(carve.sha256())) {
            throw new IllegalStateException("job " + id + ": retrieved " + r.size() + " bytes with SHA-256 " + r.sha256()
                    + ", not the carve of " + carve.size() + " bytes with " + carve.sha256());
        }
        return new Job(id, host, uploaded, carve, null, r, null, askedBy);
    }

    /** The cached pcap was deleted: allowed only for a retrieved pcap not expired already. */
    Job expiredAt(Instant at) {
        if (retrieved == null) {
            throw new IllegalStateException("job " + id + ": nothing retrieved, nothing to expire");
        }
        if (expired != null) {
            throw new IllegalStateException("job " + id + ": expired already, at " + expired);
        }
        return new Job(id, host, uploaded, carve, null, retrieved, Objects.requireNonNull(at, "at"), askedBy);
    }
}
