package io.flowtrap.probe.cli;

import io.flowtrap.pcap.PcapFormat;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.RecoveryReport;
import io.flowtrap.store.StoreConfig;
import io.flowtrap.store.StoreVerifier;
import io.flowtrap.store.VerifyReport;
import java.io.IOException;
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

    private static void requireStore(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw CliFailure.badInput("no store at " + dir);
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Segments, sizes, time range, flows.")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--store", required = true)
        Path store;

        @Override
        public Integer call() throws IOException {
            requireStore(store);
            try (PcapStore opened = PcapStore.openReadOnly(store)) {
                spec.commandLine().getOut().println(opened.status().describe());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check every segment against its index; exit 1 on any damage.")
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--store", required = true)
        Path store;

        @Override
        public Integer call() throws IOException {
            requireStore(store);
            VerifyReport report = new StoreVerifier().verify(store);
            spec.commandLine().getOut().println(report.describe());
            spec.commandLine().getOut().flush();
            return report.clean() ? 0 : 1;
        }
    }

    @Command(name = "recover", mixinStandardHelpOptions = true,
            description = "Repair a store after a crash (what opening it for writing does): cut torn tails, rebuild indexes.")
    static final class Recover implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--store", required = true)
        Path store;

        @Override
        public Integer call() throws IOException {
            requireStore(store);
            StoreConfig config = new StoreConfig(Long.MAX_VALUE, StoreConfig.MAX_SEGMENT_BYTES, Duration.ofDays(3650),
                    PcapFormat.MAX_SNAPLEN);
            try (PcapStore opened = PcapStore.open(store, config)) {
                RecoveryReport report = opened.recoveryReport();
                spec.commandLine().getOut().println(report.clean() ? "recovery: nothing to repair"
                        : "recovery:\n  " + String.join("\n  ", report.actions()));
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }
}
