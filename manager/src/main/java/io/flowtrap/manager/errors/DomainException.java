package io.flowtrap.manager.errors;

import java.util.Objects;

/**
 * Why an operation of the manager's domain could not be done, in the domain's words: its {@link
 * Kind}, a short {@code error} (the REST API's {@code "error"} field) and a {@code detail} that says
 * why or what to do. Thrown by every feature; turned into an HTTP status and the JSON error shape
 * in one place only (the web part's exception handler), so no feature names a status code.
 */
public class DomainException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure it is; the web part maps each kind to one status. */
    public enum Kind {
        /** The request, the alert or a name in it is not what it must be. */
        INVALID,
        /** The caller may not do this. */
        FORBIDDEN,
        /** No such job or probe, or the probe holds no such flow. */
        NOT_FOUND,
        /** A step out of order, or one still running. */
        CONFLICT,
        /** It existed and is gone: the flow rotated out of the probe's store, a cached pcap expired. */
        GONE,
        /** More than the manager takes or stores. */
        TOO_LARGE,
        /** A probe cannot be reached, refuses the manager, or answered something that is not right. */
        PROBE_FAILED,
        /** A probe did not answer in time. */
        PROBE_TIMEOUT,
        /** Not now: Elasticsearch cannot be used, the manager is busy or shutting down; try again later. */
        UNAVAILABLE,
        /** A failure of the manager itself. */
        INTERNAL
    }

    private final Kind kind;
    private final String detail;
    private long retryAfterSeconds = -1;

    public DomainException(Kind kind, String error, String detail) {
        this(kind, error, detail, null);
    }

    public DomainException(Kind kind, String error, String detail, Throwable cause) {
        super(error, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.detail = detail;
    }

    /** Says when to try again ({@code Retry-After} on the wire), in seconds; returns this. */
    public DomainException retryAfter(long seconds) {
        this.retryAfterSeconds = Math.max(0, seconds);
        return this;
    }

    /** Seconds after which trying again may succeed, or -1 when that is not known. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public Kind kind() {
        return kind;
    }

    /** The short error word(s); the same as {@link #getMessage()}. */
    public String error() {
        return getMessage();
    }

    /** Why, or what to do; never null. */
    public String detail() {
        return detail == null || detail.isBlank() ? getMessage() : detail;
    }
}
