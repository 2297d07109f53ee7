package io.flowtrap.probe.cli;

/** A failure the command line reports with its own exit code and a one-line reason. */
final class CliFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    private CliFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static CliFailure badInput(String message) {
        return new CliFailure(ProbeCommand.EXIT_BAD_INPUT, message, null);
    }

    static CliFailure badInput(String message, Throwable cause) {
        return new CliFailure(ProbeCommand.EXIT_BAD_INPUT, message, cause);
    }

    static CliFailure notInStore(String message) {
        return new CliFailure(ProbeCommand.EXIT_NOT_IN_STORE, message, null);
    }

    int exitCode() {
        return exitCode;
    }
}
