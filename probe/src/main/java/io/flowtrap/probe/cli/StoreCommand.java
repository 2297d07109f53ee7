package io.flowtrap.probe.cli;

import io.flowtrap.pcap.PcapFormat;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.RecoveryReport;
import io.flowtrap.store.StoreConfig;
import io.flowtrap.store.StoreVerifier;
import io.flowtrap.store.VerifyReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code store info|verify}: what the store holds, and whether every segment agrees with its index. */
@Command(name = "store", mixinStandardHelpOptions = true, description = "Inspect or verify a store.",
        subcommands = {StoreCommand.Info.class, StoreCommand.Verify.class, StoreCommand.Recover.class})
final class StoreCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a store command: info, verify or recover");
    }

    /** What every store command shares: the {@code --store} option, its check, and the output. */
    abstract static class OnStore implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--store", required = true, description = "The store directory.")
        Path store;

        @Override
        public final Integer call() throws IOException {
            if (!Files.isDirectory(store)) {
                throw CliFailure.badInput("no store at " + store);
            }
            PrintWriter out = spec.commandLine().getOut();
            int exit = run(out);
            out.flush();
            return exit;
        }

        abstract int run(PrintWriter out) throws IOException;
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Segments, sizes, time range, flows.")
    static final class Info extends OnStore {
        @Override
        int run(PrintWriter out) throws IOException {
            try (PcapStore opened = PcapStore.openReadOnly(store)) {
                out.println(opened.status().describe());
            }
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check every segment against its index; exit 1 on any damage.")
    static final class Verify extends OnStore {
        @Override
        int run(PrintWriter out) throws IOException {
            VerifyReport report = new StoreVerifier().verify(store);
            out.println(report.describe());
            return report.clean() ? 0 : 1;
        }
    }

    @Command(name = "recover", mixinStandardHelpOptions = true,
            description = "Repair a store after a crash (what opening it for writing does): cut torn tails, rebuild indexes.")
    static final class Recover extends OnStore {
        @Override
        int run(PrintWriter out) throws IOException {
            // Limits that make opening change nothing but what recovery repairs (no rotation).
            StoreConfig config = new StoreConfig(Long.MAX_VALUE, StoreConfig.MAX_SEGMENT_BYTES, Duration.ofDays(3650),
                    PcapFormat.MAX_SNAPLEN);
            try (PcapStore opened = PcapStore.open(store, config)) {
                RecoveryReport report = opened.recoveryReport();
                out.println(report.clean() ? "recovery: nothing to repair"
                        : "recovery:\n  " + String.join("\n  ", report.actions()));
            }
            return 0;
        }
    }
}
