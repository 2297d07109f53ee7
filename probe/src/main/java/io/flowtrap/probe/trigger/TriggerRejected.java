package io.flowtrap.probe.trigger;

/** A trigger request refused, with the HTTP status, error and detail the probe API answers. */
public final class TriggerRejected extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String error;

    public TriggerRejected(int status, String error, String detail) {
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
