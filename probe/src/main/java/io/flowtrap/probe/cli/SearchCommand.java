package io.flowtrap.probe.cli;

import io.flowtrap.packet.BpfProgram;
import io.flowtrap.probe.capture.BpfCompiler;
import io.flowtrap.store.PacketSearch;
import io.flowtrap.store.PcapStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code search}: the packets of the store a tcpdump expression keeps inside a time window, merged
 * by time into one pcap (what {@code tcpdump -r} of each segment would keep, in time order). Exit 0
 * when some packet matched, 3 when none did (no file is written), 2 on bad input (a filter libpcap
 * refuses, a window that ends before it starts). Reports go to stderr.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Write the stored packets a BPF filter keeps inside a time window as one pcap, in time order.")
final class SearchCommand implements Callable<Integer> {
    private static final int DLT_EN10MB = 1;

    @Spec
    CommandSpec spec;

    @Option(names = "--store", required = true, description = "The store directory.")
    Path store;

    @Option(names = "--filter", required = true, description = "A tcpdump expression, e.g. 'host 192.0.2.7 and tcp port 445'.")
    String filter;

    @Option(names = "--from", converter = ExtractCommand.TimeConverter.class,
            description = "Packets at or after this time (ISO-8601, e.g. 2026-12-01T09:00:00Z, or ns since the epoch; default: the oldest).")
    Long from;

    @Option(names = "--to", converter = ExtractCommand.TimeConverter.class,
            description = "Packets at or before this time (ISO-8601 or ns since the epoch; default: the newest).")
    Long to;

    @Option(names = "--max-packets", defaultValue = "0", description = "Keep the earliest N matches only (default 0: all).")
    long maxPackets;

    @Option(names = "--link-type", defaultValue = "" + DLT_EN10MB,
            description = "The link type (DLT) the filter is compiled for: the store's segments' (default ${DEFAULT-VALUE}, Ethernet).")
    int linkType;

    @Option(names = "--out", defaultValue = "search.pcap", description = "Where to write the pcap (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(store)) {
            throw CliFailure.badInput("no store at " + store);
        }
        long fromNanos = from == null ? 0 : from;
        long toNanos = to == null ? Long.MAX_VALUE : to;
        if (fromNanos > toNanos) {
            throw CliFailure.badInput("--from is after --to");
        }
        if (maxPackets < 0) {
            throw CliFailure.badInput("--max-packets cannot be negative");
        }
        BpfProgram program;
        try {
            program = BpfCompiler.compile(filter, linkType, 262144);
        } catch (IOException e) {
            throw CliFailure.badInput(e.getMessage());
        }
        try (PcapStore opened = PcapStore.openReadOnly(store)) {
            PacketSearch.Result r = opened.search().searchTo(new PacketSearch.Query(program, fromNanos, toNanos, maxPackets),
                    out, (read, of, bytes, total, newest) -> { }, () -> false);
            if (r.empty()) {
                throw CliFailure.notInStore("no packets matched '" + filter + "' in " + r.segmentsRead() + " segments ("
                        + r.bytesRead() + " bytes read)");
            }
            err().printf("%d packets matched%s (%d bytes) from %s to %s, %d segments (%d bytes) read; %s, sha256 %s%n",
                    r.matched(), r.packets() < r.matched() ? ", the earliest " + r.packets() + " written" : "", r.bytes(),
                    Instant.ofEpochSecond(0, r.firstNanos()), Instant.ofEpochSecond(0, r.lastNanos()), r.segmentsRead(),
                    r.bytesRead(), out, r.sha256());
            return 0;
        }
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
