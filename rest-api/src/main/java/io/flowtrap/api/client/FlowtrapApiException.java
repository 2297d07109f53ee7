package io.flowtrap.api.client;

import java.io.IOException;

/**
 * A manager answer that is not the call's success: its HTTP status and the {@code error} and
 * {@code detail} of its JSON body ({@code {"error", "detail"}}, error.schema.json). A body that is
 * not such JSON (a proxy's page, say) gives {@code error} {@code "HTTP <status>"} and the start of
 * the body as {@code detail}.
 */
public final class FlowtrapApiException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;
    private final String detail;
    private final String wwwAuthenticate;

    public FlowtrapApiException(int status, String error, String detail) {
        this(status, error, detail, null);
    }

    public FlowtrapApiException(int status, String error, String detail, String wwwAuthenticate) {
        super(status + " " + error + ": " + detail);
        this.status = status;
        this.error = error;
        this.detail = detail;
        this.wwwAuthenticate = wwwAuthenticate;
    }

    /** The HTTP status, e.g. 404. */
    public int status() {
        return status;
    }

    /** What went wrong, e.g. {@code "unknown job"}. */
    public String error() {
        return error;
    }

    /** Why, or what to do. */
    public String detail() {
        return detail;
    }

    /** The {@code WWW-Authenticate} header of a 401 ({@code Token}), else null. */
    public String wwwAuthenticate() {
        return wwwAuthenticate;
    }
}
