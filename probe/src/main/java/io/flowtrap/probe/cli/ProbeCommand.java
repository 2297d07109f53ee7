package io.flowtrap.probe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code flowtrap-probe}: the probe's command line. Exit codes are part of the contract analysts
 * script against: 0 done, 2 bad input, 3 flow not in the store, 1 anything else; each failure
 * prints one line, {@code flowtrap-probe: <reason>}, on stderr.
 */
@Command(
        name = "flowtrap-probe",
        mixinStandardHelpOptions = true,
        version = "flowtrap-probe 0.1.0",
        description = "Conditional pcap store: capture, arm flows on IDS alerts, carve flows back out.",
        subcommands = {RunCommand.class, ReplayCommand.class, ExtractCommand.class, SearchCommand.class, StoreCommand.class, SpoolCommand.class})
public final class ProbeCommand implements Runnable {
    static final int EXIT_BAD_INPUT = 2;
    static final int EXIT_NOT_IN_STORE = 3;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command: run, replay, extract, store or spool");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this in-process). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new ProbeCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("flowtrap-probe: " + oneLine(e));
            if (e instanceof CliFailure failure) {
                return failure.exitCode();
            }
            if (Boolean.getBoolean("flowtrap.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        cli.setParameterExceptionHandler((e, args2) -> {
            e.getCommandLine().getErr().println("flowtrap-probe: " + e.getMessage());
            return EXIT_BAD_INPUT;
        });
        return cli.execute(args);
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ');
    }
}
