package io.flowtrap.probe.settings;

/**
 * A PUT of settings refused, with nothing changed: the HTTP status to answer (400 invalid, 409 a
 * stale version, 500 or 503 the probe could not apply or save it), and the error's two parts.
 */
public final class SettingsRejected extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;

    SettingsRejected(int status, String error, String detail) {
        super(detail);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String detail() {
        return getMessage();
    }
}
