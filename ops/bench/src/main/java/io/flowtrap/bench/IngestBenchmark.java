package io.flowtrap.bench;

import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.AlertSchedule;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.pipeline.Replay;
import io.flowtrap.probe.trigger.Trigger;
import io.flowtrap.probe.trigger.TriggerSet;
import io.flowtrap.probe.trigger.Watchlist;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Ingest: the probe's replay path (read, decode, flow table, look-back ring, arming, store writes)
 * over one capture, against {@code tcpdump -r F -w /dev/null} on the same file in the same run.
 * JVM start is excluded (the file is replayed {@code --rounds} times in one JVM, best round kept);
 * so is tcpdump's process start, which is a few ms. Also reports bytes allocated per packet by the
 * capture thread over the best round.
 *
 * <pre>usage: IngestBenchmark --pcap F [--eve EVE.json] [--rounds 3] [--work DIR] [--resolver-thread on|off]
 *     [--write-buffer 64MB] [--lookback 256MB] [--watchlist N]</pre>
 *
 * {@code --watchlist N} puts a watchlist of N random IPv4 /32s (seeded, so every run tests the
 * same list) in force: every new flow is then looked up in it, both addresses, and the replay's
 * time against one without says what a watchlist costs.
 */
public final class IngestBenchmark {
    private IngestBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path pcap = null;
        Path eve = null;
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "flowtrap-bench-ingest");
        int rounds = 3;
        boolean resolvingAhead = Replay.resolvingAheadHelps(); // what flowtrap-probe replay does
        DataSize writeBuffer = null; // store.write-buffer's default
        DataSize lookback = DataSize.parse("256MB"); // lookback.size's default
        int watchlistEntries = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pcap" -> pcap = Path.of(args[++i]);
                case "--eve" -> eve = Path.of(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--write-buffer" -> writeBuffer = DataSize.parse(args[++i]);
                case "--lookback" -> lookback = DataSize.parse(args[++i]);
                case "--watchlist" -> watchlistEntries = Integer.parseInt(args[++i]);
                case "--resolver-thread" -> resolvingAhead = switch (args[++i]) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw new IllegalArgumentException("--resolver-thread on|off, not " + args[i]);
                };
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (pcap == null) {
            throw new IllegalArgumentException("usage: IngestBenchmark --pcap F [--eve EVE.json] [--rounds 3] [--work DIR]"
                    + " [--resolver-thread on|off] [--write-buffer 64MB] [--lookback 256MB] [--watchlist N]");
        }
        long size = Files.size(pcap);
        TriggerSet triggers = watchlistEntries > 0 ? randomWatchlist(watchlistEntries) : TriggerSet.EMPTY;
        double tcpdumpSeconds = Double.MAX_VALUE;
        for (int r = 0; r < 2; r++) {
            tcpdumpSeconds = Math.min(tcpdumpSeconds, timeTcpdump(pcap));
        }
        Result best = null;
        for (int r = 0; r < rounds; r++) {
            Result result = replayOnce(pcap, eve, work.resolve("store"), resolvingAhead, writeBuffer, lookback, triggers);
            System.out.printf("round %d: %d packets in %.3f s (%.0f packets/s; on a core: capture thread %.3f s,"
                    + " store writer %.3f s, whole process %.3f s), %.1f bytes allocated/packet, %d stored%n", r + 1,
                    result.packets, result.seconds, result.packets / result.seconds, result.cpuSeconds,
                    result.writerCpuSeconds, result.processCpuSeconds, result.allocatedBytes / (double) result.packets,
                    result.storedPackets);
            if (best == null || result.seconds < best.seconds) {
                best = result;
            }
        }
        double ours = best.packets / best.seconds;
        double theirs = best.packets / tcpdumpSeconds;
        System.out.printf("input: %s, %d bytes, %d packets; resolver thread %s%n", pcap, size, best.packets,
                resolvingAhead ? "on" : "off");
        if (watchlistEntries > 0) {
            Watchlist list = triggers.byName().get("bench-watchlist").watchlist();
            System.out.printf("watchlist: %d entries (%.1f MB), both addresses of each of %d new flows looked up;"
                    + " %d flows armed by it%n", list.entries().size(), list.memoryBytes() / 1e6, best.flowsCreated,
                    best.triggerArmedFlows);
        }
        System.out.printf("tcpdump -r F -w /dev/null: %.3f s, %.0f packets/s%n", tcpdumpSeconds, theirs);
        System.out.printf("flowtrap replay (best of %d): %.3f s, %.0f packets/s, %.2f GB/s%n", rounds, best.seconds, ours,
                size / best.seconds / 1e9);
        System.out.printf("ratio flowtrap/tcpdump: %.2fx (target >= 0.5x)%n", ours / theirs);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("the best round's process used %.3f s of CPU (every thread: capture, store writer, resolver,"
                + " JIT, GC); on %d cores no split of that work between threads takes less than %.3f s: %.2fx%n",
                best.processCpuSeconds, cores, best.processCpuSeconds / cores,
                best.packets / (best.processCpuSeconds / cores) / theirs);
        System.out.printf("allocated per packet on the capture thread: %.2f bytes%n",
                best.allocatedBytes / (double) best.packets);
    }

    /**
     * {@code cpuSeconds}: the capture thread's CPU time, which a busy machine inflates less than the wall
     * clock; {@code writerCpuSeconds}: the store writer thread's; {@code processCpuSeconds}: every thread's.
     */
    private record Result(long packets, double seconds, double cpuSeconds, double writerCpuSeconds,
            double processCpuSeconds, long allocatedBytes,
            long storedPackets, long flowsCreated, long triggerArmedFlows) {}

    /** {@code n} random IPv4 hosts, from a fixed seed. */
    private static TriggerSet randomWatchlist(int n) throws IOException {
        StringBuilder text = new StringBuilder("# random hosts for the ingest benchmark\n");
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < n; i++) {
            int a = random.nextInt();
            text.append(a >>> 24).append('.').append(a >>> 16 & 0xFF).append('.').append(a >>> 8 & 0xFF).append('.')
                    .append(a & 0xFF).append('\n');
        }
        Watchlist list = Watchlist.read("bench-watchlist", new java.io.StringReader(text.toString()));
        return TriggerSet.EMPTY.with(Trigger.ofWatchlist("bench-watchlist", list));
    }

    private static Result replayOnce(Path pcap, Path eve, Path store, boolean resolvingAhead, DataSize writeBuffer,
            DataSize lookbackSize, TriggerSet triggers) throws IOException {
        deleteTree(store);
        AlertIntakeCounters counters = new AlertIntakeCounters();
        AlertSchedule schedule = eve == null
                ? AlertSchedule.none()
                : AlertSchedule.read(eve, Duration.ZERO, new EveAlertParser(), counters);
        ProbeSettings.Store storeSettings =
                new ProbeSettings.Store(store, DataSize.parse("64GB"), DataSize.parse("256MB"), Duration.ofMinutes(10), writeBuffer);
        ProbeSettings.Flows flows = new ProbeSettings.Flows(1_000_000, null, null, null, null, null, null);
        ProbeSettings.Lookback lookback = new ProbeSettings.Lookback(lookbackSize);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        com.sun.management.OperatingSystemMXBean process =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (CapturePipeline pipeline = CapturePipeline.open(storeSettings, flows, lookback, counters);
                OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(pcap);
                OfflinePcapSource twin = resolvingAhead ? OfflinePcapSource.asFastAsPossible(pcap) : null) {
            pipeline.engine().useTriggers(triggers);
            long writer = threadNamed(threads, STORE_WRITER);
            long writerCpuBefore = threads.getThreadCpuTime(writer);
            long processCpuBefore = process.getProcessCpuTime();
            long allocatedBefore = threads.getThreadAllocatedBytes(thread);
            long cpuBefore = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            long packets = resolvingAhead
                    ? Replay.runResolvingAhead(source, twin, schedule, pipeline, 0)
                    : Replay.run(source, schedule, pipeline);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuBefore) / 1e9;
            long allocated = threads.getThreadAllocatedBytes(thread) - allocatedBefore;
            double writerCpuSeconds = (threads.getThreadCpuTime(writer) - writerCpuBefore) / 1e9; // it has written all: finish()
            double processCpuSeconds = (process.getProcessCpuTime() - processCpuBefore) / 1e9;
            return new Result(packets, seconds, cpuSeconds, writerCpuSeconds, processCpuSeconds, allocated,
                    pipeline.engine().counters().snapshot().storedPackets(), pipeline.flows().created(),
                    pipeline.engine().counters().snapshot().triggerArmedFlows());
        }
    }

    /** The store's writer thread, as {@code StoreWriter} names it. */
    private static final String STORE_WRITER = "flowtrap-store-writer";

    /** The id of the one live thread named {@code name}. */
    private static long threadNamed(java.lang.management.ThreadMXBean threads, String name) {
        long found = -1;
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().equals(name)) {
                if (found >= 0) {
                    throw new IllegalStateException("two threads named " + name);
                }
                found = info.getThreadId();
            }
        }
        if (found < 0) {
            throw new IllegalStateException("no thread named " + name + " (the store's writer)");
        }
        return found;
    }

    private static double timeTcpdump(Path pcap) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder("tcpdump", "-r", pcap.toString(), "-w", "/dev/null")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (p.waitFor() != 0) {
            throw new IOException("tcpdump -r " + pcap + " failed with exit code " + p.exitValue());
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
