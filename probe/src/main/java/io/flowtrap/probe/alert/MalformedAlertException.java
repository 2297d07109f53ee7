package io.flowtrap.probe.alert;

/**
 * An EVE line that cannot be turned into an alert. The message is one line, names the field at fault
 * first ({@code "src_ip: '10.0.0' is not an IP address"}), and never contains the whole input line.
 */
public final class MalformedAlertException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;

    public MalformedAlertException(String field, String reason) {
        super(field + ": " + reason, null, false, false);
        this.field = field;
    }

    /** The EVE field at fault ({@code "src_ip"}, {@code "alert.signature_id"}), or "json" / "line". */
    public String field() {
        return field;
    }
}
