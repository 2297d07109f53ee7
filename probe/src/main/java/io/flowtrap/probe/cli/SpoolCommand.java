package io.flowtrap.probe.cli;

import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.spool.DeadLetters;
import io.flowtrap.probe.spool.EventSpool;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spool dead-letters|resend-dead-letters}: the events the manager did not take, kept in the
 * spool's dead-letter file, listed with why and when, and put back into the spool (the running
 * daemon's shipper delivers them) once the cause is fixed.
 */
@Command(name = "spool", mixinStandardHelpOptions = true, description = "The spool's dead letters: list them, re-send them.",
        subcommands = {SpoolCommand.ListLetters.class, SpoolCommand.Resend.class})
final class SpoolCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "name a spool command: dead-letters or resend-dead-letters");
    }

    /** The {@code --spool} or {@code --config} option every spool command takes. */
    abstract static class OnSpool implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--spool", description = "The spool directory (manager.spool-dir).")
        Path spool;

        @Option(names = "--config", description = "The probe's settings, for its manager.spool-dir.")
        Path config;

        @Override
        public final Integer call() throws IOException {
            Path dir = spool;
            if (dir == null) {
                if (config == null) {
                    throw CliFailure.badInput("give --spool DIR or --config FILE");
                }
                try {
                    dir = ProbeSettings.read(config).manager().spoolDir();
                } catch (IOException | IllegalArgumentException e) {
                    throw CliFailure.badInput(config + ": " + e.getMessage(), e);
                }
            }
            if (!Files.isDirectory(dir)) {
                throw CliFailure.badInput("no spool at " + dir);
            }
            PrintWriter out = spec.commandLine().getOut();
            int exit = run(dir, new DeadLetters(dir, DeadLetters.DEFAULT_MAX_BYTES), out);
            out.flush();
            return exit;
        }

        abstract int run(Path dir, DeadLetters letters, PrintWriter out) throws IOException;
    }

    @Command(name = "dead-letters", mixinStandardHelpOptions = true,
            description = "List the events the manager did not take: kind, attempts, first and last attempt, reason, the event.")
    static final class ListLetters extends OnSpool {
        @Override
        int run(Path dir, DeadLetters letters, PrintWriter out) throws IOException {
            java.util.List<DeadLetters.Letter> all = letters.list();
            out.println(all.size() + " dead letter(s) in " + letters.file());
            int n = 0;
            for (DeadLetters.Letter l : all) {
                out.printf("%d. %s attempts=%d first_attempt=%s last_attempt=%s reason: %s%n   %s%n", ++n, l.kind(),
                        l.attempts(), l.firstAttempt(), l.lastAttempt(), l.reason(), l.event());
            }
            return 0;
        }
    }

    @Command(name = "resend-dead-letters", mixinStandardHelpOptions = true,
            description = "Put every dead letter back into the spool (the daemon's shipper sends it again) and empty the file.")
    static final class Resend extends OnSpool {
        @Override
        int run(Path dir, DeadLetters letters, PrintWriter out) throws IOException {
            int[] refused = {0};
            int taken;
            try (EventSpool queue = new EventSpool(dir)) {
                taken = letters.resend(l -> {
                    boolean ok = queue.append(l.kind(), l.event());
                    if (!ok) {
                        refused[0]++;
                    }
                    return ok;
                });
            }
            out.println(taken + " dead letter(s) put back into the spool " + dir
                    + (refused[0] > 0 ? "; " + refused[0] + " kept: the spool's file system has no room" : ""));
            return refused[0] > 0 ? 1 : 0;
        }
    }
}
