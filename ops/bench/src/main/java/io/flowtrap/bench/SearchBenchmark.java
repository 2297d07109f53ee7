package io.flowtrap.bench;

import io.flowtrap.probe.capture.BpfCompiler;
import io.flowtrap.store.PacketSearch;
import io.flowtrap.store.PcapStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Search: the store's {@link PacketSearch} (every packet of every segment read, the filter run by
 * the probe's interpreter, matches sorted by time and written) against {@code tcpdump -V <the
 * segments> -w <file> '<filter>'} (as root throughout: the segments are 0640) over the same segments, for a few filters: seconds, GB/s read,
 * packets matched by each (they must agree), and the ratio. tcpdump writes in file order; the
 * search also sorts by time.
 *
 * <pre>usage: SearchBenchmark --store DIR [--filter EXPR]... [--rounds 3] [--work DIR]</pre>
 */
public final class SearchBenchmark {
    private SearchBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path storeDir = null;
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "flowtrap-bench-search");
        List<String> filters = new ArrayList<>();
        int rounds = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--store" -> storeDir = Path.of(args[++i]);
                case "--filter" -> filters.add(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (storeDir == null) {
            throw new IllegalArgumentException("usage: SearchBenchmark --store DIR [--filter EXPR]... [--rounds 3] [--work DIR]");
        }
        if (filters.isEmpty()) {
            filters = List.of("tcp port 80", "host 10.0.6.229", "udp", "tcp[tcpflags] & tcp-syn != 0");
        }
        Files.createDirectories(work);
        List<Path> segments;
        try (Stream<Path> files = Files.list(storeDir)) {
            segments = files.filter(p -> p.getFileName().toString().matches("segment-\\d{16}\\.pcap")).sorted().toList();
        }
        long bytes = 0;
        for (Path s : segments) {
            bytes += Files.size(s);
        }
        Path list = work.resolve("segments.txt");
        Files.write(list, segments.stream().map(Path::toString).toList());
        System.out.printf("store: %s, %d segments, %.2f GB%n", storeDir, segments.size(), bytes / 1e9);
        try (PcapStore store = PcapStore.openReadOnly(storeDir)) {
            for (String filter : filters) {
                PacketSearch.Query query = new PacketSearch.Query(BpfCompiler.compile(filter, 1, 262144), 0, Long.MAX_VALUE, 0);
                double ours = Double.MAX_VALUE;
                PacketSearch.Result result = null;
                for (int r = 0; r < rounds; r++) {
                    long start = System.nanoTime();
                    result = store.search().searchTo(query, work.resolve("search.pcap"), (a, b, c, d, e) -> { }, () -> false);
                    ours = Math.min(ours, (System.nanoTime() - start) / 1e9);
                }
                double theirs = Double.MAX_VALUE;
                long tcpdumpPackets = 0;
                for (int r = 0; r < rounds; r++) {
                    long start = System.nanoTime();
                    Path out = work.resolve("tcpdump.pcap");
                    Process p = new ProcessBuilder("tcpdump", "-Z", "root", "-V", list.toString(), "-w", out.toString(), filter)
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    if (p.waitFor() != 0) {
                        throw new IOException("tcpdump -V failed for '" + filter + "'");
                    }
                    theirs = Math.min(theirs, (System.nanoTime() - start) / 1e9);
                    tcpdumpPackets = (Files.size(out) - 24) > 0 ? countRecords(out) : 0;
                }
                System.out.printf("'%s': search %.3f s (%.2f GB/s), %d packets; tcpdump -V %.3f s, %d packets; ratio %.2fx%s%n",
                        filter, ours, bytes / ours / 1e9, result.packets(), theirs, tcpdumpPackets, theirs / ours,
                        result.packets() == tcpdumpPackets ? "" : "  MISMATCH");
            }
        }
    }

    private static long countRecords(Path pcap) throws IOException {
        try (io.flowtrap.pcap.PcapFileReader reader = io.flowtrap.pcap.PcapFileReader.open(pcap)) {
            io.flowtrap.packet.PacketRecord packet = new io.flowtrap.packet.PacketRecord();
            long n = 0;
            while (reader.next(packet)) {
                n++;
            }
            return n;
        }
    }
}
