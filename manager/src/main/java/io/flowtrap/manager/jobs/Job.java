package io.flowtrap.manager.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * An extraction job as kept in {@code job.json}: the probe asked, what the probe carved, what the
 * manager retrieved and when that copy expired. Immutable; each step writes a new one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Job(String id, String host, Instant uploaded, Carve carve, Retrieved retrieved, Instant expired) {

    /** What the probe reported for its carve. */
    public record Carve(String host, long packets, long bytes, long size, String sha256, String firstTs, String lastTs,
            Instant at) {}

    /** The manager's cached copy of the carve. */
    public record Retrieved(long size, String sha256, Instant at) {}

    /** The status call's word for where the job stands. */
    public String status() {
        if (expired != null) {
            return "expired";
        }
        return retrieved != null ? "available" : "pending";
    }

    Job withCarve(Carve c) {
        return new Job(id, host, uploaded, c, null, null);
    }

    Job withRetrieved(Retrieved r) {
        return new Job(id, host, uploaded, carve, r, null);
    }

    Job expiredAt(Instant at) {
        return new Job(id, host, uploaded, carve, retrieved, at);
    }
}
