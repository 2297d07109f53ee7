package io.flowtrap.manager.web;

import org.springframework.http.HttpStatus;

/** A request that fails with a status and an {@link ApiError}; thrown by the REST layer's helpers. */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final HttpStatus status;
    private final String detail;
    private long retryAfterSeconds = -1;

    public ApiException(HttpStatus status, String error, String detail) {
        super(error);
        this.status = status;
        this.detail = detail;
    }

    public ApiException(HttpStatus status, String error, String detail, Throwable cause) {
        super(error, cause);
        this.status = status;
        this.detail = detail;
    }

    /** Asks the client to try again after {@code seconds} (a {@code Retry-After} header); returns this. */
    public ApiException retryAfter(long seconds) {
        this.retryAfterSeconds = Math.max(0, seconds);
        return this;
    }

    /** The {@code Retry-After} seconds, or -1 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public HttpStatus status() {
        return status;
    }

    public ApiError body() {
        return new ApiError(getMessage(), detail);
    }
}
