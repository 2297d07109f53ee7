package io.flowtrap.probe.cli;

import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertFile;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.alert.MalformedAlertException;
import io.flowtrap.probe.extraction.FlowQueries;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.FlowExtractor;
import io.flowtrap.store.FlowQuery;
import io.flowtrap.store.PcapStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code extract}: carves one flow (or one per alert) out of the store as a pcap. Exit 0 when every
 * flow asked for was found, 3 when one is not in the store (saying whether it was never stored or
 * has been rotated out), 2 on bad input. Reports go to stderr, so {@code --out -} can stream the
 * pcap to stdout.
 */
@Command(name = "extract", mixinStandardHelpOptions = true, description = "Carve a flow out of the store as a pcap.")
final class ExtractCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--store", required = true, description = "The store directory.")
    Path store;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--alert", description = "A file holding one EVE alert (JSON) naming the flow.")
        Path alert;

        @Option(names = "--community-id", description = "The flow's Community ID, e.g. 1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
        String communityId;

        @Option(names = "--alerts", description = "An eve.json: one pcap per alert line, <n>.pcap (0-based, alert lines only).")
        Path alerts;
    }

    @Option(names = "--out", description = "Where to write the pcap ('-' for stdout; default flow.pcap).")
    Path out;

    @Option(names = "--out-dir", description = "With --alerts: the directory for <n>.pcap files.")
    Path outDir;

    @Option(names = "--from", converter = TimeConverter.class,
            description = "Search only segments holding packets at or after this time (ISO-8601, e.g. 2026-12-01T09:00:00Z, or ns since the epoch).")
    Long from;

    @Option(names = "--to", converter = TimeConverter.class,
            description = "Search only segments holding packets at or before this time (ISO-8601 or ns since the epoch).")
    Long to;

    @Option(names = "--max-flow-idle", defaultValue = "600s", converter = CaptureOptions.DurationConverter.class,
            description = "The longest flow idle timeout of the probe that wrote the store (its flows.* settings; "
                    + "default: ${DEFAULT-VALUE}, Suricata's tcp-established). An alert's search stops twice this, plus 2 s, "
                    + "after the last packet of the flow found.")
    Duration maxFlowIdle;

    /** ISO-8601 instants or nanoseconds since the epoch, into nanoseconds since the epoch. */
    static final class TimeConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                try {
                    return Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new picocli.CommandLine.TypeConversionException("'" + value + "' is out of range for nanoseconds since the epoch");
                }
            }
            Instant t;
            try {
                t = Instant.parse(value);
            } catch (java.time.format.DateTimeParseException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' is neither an ISO-8601 instant (2026-12-01T09:00:00Z) nor nanoseconds since the epoch");
            }
            if (t.getEpochSecond() < 0 || t.getEpochSecond() > Long.MAX_VALUE / 1_000_000_000L - 1) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is out of range");
            }
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        }
    }

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(store)) {
            throw CliFailure.badInput("no store at " + store);
        }
        try (PcapStore opened = PcapStore.openReadOnly(store)) {
            FlowExtractor extractor = opened.extractor();
            if (from != null && to != null && from > to) {
                throw CliFailure.badInput("--from is after --to");
            }
            if (target.alerts != null) {
                return extractEach(extractor);
            }
            if (outDir != null) {
                throw CliFailure.badInput("--out-dir goes with --alerts; use --out for one flow");
            }
            FlowQuery query = target.alert != null ? queryFromAlertFile(target.alert) : queryFromCommunityId();
            Path destination = out == null ? Path.of("flow.pcap") : out;
            ExtractionResult result = extractTo(extractor, query, destination);
            if (result.outcome() != ExtractionResult.Outcome.FOUND) {
                throw CliFailure.notInStore(describe(result, opened));
            }
            err().printf("extracted %d packets (%d bytes) from %s to %s into %s%n", result.packets(), result.bytes(),
                    Instant.ofEpochSecond(0, result.firstTimestampNanos()),
                    Instant.ofEpochSecond(0, result.lastTimestampNanos()),
                    "-".equals(destination.toString()) ? "stdout" : destination);
            return 0;
        }
    }

    private int extractEach(FlowExtractor extractor) throws IOException {
        if (outDir == null) {
            throw CliFailure.badInput("--alerts needs --out-dir");
        }
        if (!Files.isRegularFile(target.alerts)) {
            throw CliFailure.badInput("no eve.json at " + target.alerts);
        }
        Files.createDirectories(outDir);
        int[] counts = new int[4]; // alerts, extracted, not in the store, malformed
        EveAlertFile.read(target.alerts, new EveAlertParser(), new EveAlertFile.Visitor() {
            @Override
            public void alert(EveAlert alert) throws IOException {
                int index = counts[0]++;
                FlowQuery query;
                try {
                    query = within(FlowQueries.forAlert(alert, maxFlowIdle));
                } catch (IllegalArgumentException e) {
                    counts[3]++;
                    err().printf("%d: %s%n", index, e.getMessage());
                    return;
                }
                ExtractionResult result = extractTo(extractor, query, outDir.resolve(index + ".pcap"));
                if (result.outcome() == ExtractionResult.Outcome.FOUND) {
                    counts[1]++;
                    err().printf("%d: sid %d %s: %d packets%n", index, alert.signatureId(), alert.communityId(),
                            result.packets());
                } else {
                    counts[2]++;
                    err().printf("%d: sid %d %s: not in the store: %s%n", index, alert.signatureId(),
                            alert.communityId(), reason(result.outcome()));
                }
            }

            @Override
            public void malformed(int lineNumber, MalformedAlertException reason) {
                counts[3]++;
                err().printf("line %d: %s%n", lineNumber, reason.getMessage());
            }
        });
        int n = counts[0];
        int extracted = counts[1];
        int missing = counts[2];
        int malformed = counts[3];
        err().printf("%d alerts: %d extracted, %d not in the store, %d malformed%n", n, extracted, missing, malformed);
        if (malformed > 0) {
            return ProbeCommand.EXIT_BAD_INPUT;
        }
        return missing > 0 ? ProbeCommand.EXIT_NOT_IN_STORE : 0;
    }

    /** Extracts to stdout ({@code -}), or into a file only when the flow was found. */
    private ExtractionResult extractTo(FlowExtractor extractor, FlowQuery query, Path destination) throws IOException {
        if ("-".equals(destination.toString())) {
            OutputStream stdout = new BufferedOutputStream(System.out, 1 << 16);
            ExtractionResult result = extractor.extract(query, stdout);
            stdout.flush();
            return result;
        }
        return extractor.extractTo(query, destination).result();
    }

    private FlowQuery queryFromAlertFile(Path file) throws IOException {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw CliFailure.badInput("no alert file at " + file);
        }
        try {
            EveAlert alert = new EveAlertParser().parse(json)
                    .orElseThrow(() -> CliFailure.badInput(file + " holds an EVE event that is not an alert"));
            return within(FlowQueries.forAlert(alert, maxFlowIdle));
        } catch (MalformedAlertException e) {
            throw CliFailure.badInput(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw CliFailure.badInput(file + ": " + e.getMessage(), e);
        }
    }

    private FlowQuery queryFromCommunityId() {
        try {
            return FlowQueries.forCommunityId(target.communityId, from == null ? 0 : from, to == null ? Long.MAX_VALUE : to);
        } catch (IllegalArgumentException e) {
            throw CliFailure.badInput(e.getMessage(), e);
        }
    }

    /** The query narrowed to --from/--to; IllegalArgumentException if nothing is left of its window. */
    private FlowQuery within(FlowQuery q) {
        long f = from == null ? q.fromNanos() : Math.max(from, q.fromNanos());
        long t = to == null ? q.toNanos() : Math.min(to, q.toNanos());
        if (f > t) {
            throw new IllegalArgumentException("--from/--to leave nothing of the alert's flow time (from "
                    + Instant.ofEpochSecond(0, q.fromNanos()) + ")");
        }
        return new FlowQuery(q.flowHash(), q.flowKey(), q.communityId(), f, t, q.seenAtNanos(), q.maxGapNanos());
    }

    private static String describe(ExtractionResult result, PcapStore store) {
        return "flow not in the store: " + reason(result.outcome()) + " (" + store.status().summary() + ")";
    }

    private static String reason(ExtractionResult.Outcome outcome) {
        return switch (outcome) {
            case ROTATED_OUT -> "rotated out (its packets were older than what the size limit keeps)";
            case NEVER_STORED -> "never stored (no alert armed it while the probe saw it)";
            case NOT_FOUND -> "never stored, or rotated out (rotation has deleted older packets; no time was given to tell which)";
            case FOUND -> "found";
        };
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
