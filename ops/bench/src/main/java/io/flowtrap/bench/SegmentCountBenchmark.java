package io.flowtrap.bench;

import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.extraction.FlowQueries;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.FlowQuery;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.StoreConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Does a carve's cost depend on how many segments the store has? Builds the same traffic into two
 * stores, one of about {@code --few} segments and one of about {@code --many} (segment size = total
 * / count, so the count comes without the disk), then carves the same random flows from both as an
 * alert on each would ask (from the flow's start, seen at its middle packet, bounded by the default
 * longest idle timeout, {@link FlowQueries#forFlowSeen}), and prints p50/p99 of each, the segments
 * searched, and the ratio. Two passes over the same flows: the first maps the indexes it meets, the
 * second finds them mapped (as a long-running probe does).
 *
 * <p>The traffic: {@code --flows} TCP flows (Ethernet/IPv4, 5-35 packets of 60-1,400 bytes, gaps
 * up to 30 s) starting at random over {@code --span-days} of packet time. How much a carve walks
 * depends on how long a segment lasts against the flow's time plus the gap bound (twice the
 * longest idle timeout, 1,202 s with the defaults); the figures say both.
 *
 * <pre>usage: SegmentCountBenchmark --work DIR [--flows 50000] [--span-days 30] [--few 40] [--many 4000] [--carves 200]</pre>
 */
public final class SegmentCountBenchmark {
    private static final long S = 1_000_000_000L;
    private static final Duration LONGEST_IDLE = Duration.ofSeconds(600);

    private SegmentCountBenchmark() {}

    /** A flow to carve: its identity, its first packet's and its middle packet's time. */
    private record Flow(byte[] cid, byte[] key, long start, long middle) {}

    /** A flow being generated: its number, next packet time, packets left. */
    private static final class Open {
        final int id;
        final int packets;
        int sent;
        long next;
        long start;
        long middle;

        Open(int id, int packets, long next) {
            this.id = id;
            this.packets = packets;
            this.next = next;
        }
    }

    public static void main(String[] args) throws Exception {
        Path work = null;
        int flows = 50_000;
        double spanDays = 30;
        int few = 40;
        int many = 4000;
        int carves = 200;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--work" -> work = Path.of(args[++i]);
                case "--flows" -> flows = Integer.parseInt(args[++i]);
                case "--span-days" -> spanDays = Double.parseDouble(args[++i]);
                case "--few" -> few = Integer.parseInt(args[++i]);
                case "--many" -> many = Integer.parseInt(args[++i]);
                case "--carves" -> carves = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (work == null) {
            throw new IllegalArgumentException("usage: SegmentCountBenchmark --work DIR [--flows N] [--span-days D] "
                    + "[--few 40] [--many 4000] [--carves 200]");
        }
        long span = (long) (spanDays * 86_400 * S);
        long total = generate(flows, span, null, null, new ArrayList<>()); // a dry run sizes the segments
        Path fewDir = work.resolve("segments-" + few);
        Path manyDir = work.resolve("segments-" + many);
        IngestBenchmark.deleteTree(fewDir);
        IngestBenchmark.deleteTree(manyDir);
        List<Flow> all = new ArrayList<>();
        long started = System.nanoTime();
        try (PcapStore a = PcapStore.open(fewDir, config(total, few)); PcapStore b = PcapStore.open(manyDir, config(total, many))) {
            generate(flows, span, a, b, all);
        }
        System.out.printf("built two stores of the same %d flows (%.0f MB of pcap, %.1f days of packet time) in %.1f s%n",
                flows, total / 1e6, spanDays, (System.nanoTime() - started) / 1e9);
        Random random = new Random(3);
        List<Flow> chosen = new ArrayList<>();
        for (int i = 0; i < carves; i++) {
            chosen.add(all.get(random.nextInt(all.size())));
        }
        List<Flow> warmup = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            warmup.add(all.get(random.nextInt(all.size())));
        }
        try (PcapStore a = PcapStore.openReadOnly(fewDir); PcapStore b = PcapStore.openReadOnly(manyDir)) {
            int segmentsA = a.status().segments().size();
            int segmentsB = b.status().segments().size();
            System.out.printf("segments: %d (%.0f s of packet time each) and %d (%.0f s each); a carve's gap bound: %d s%n",
                    segmentsA, span / 1e9 / segmentsA, segmentsB, span / 1e9 / segmentsB, 2 * LONGEST_IDLE.toSeconds()
                            + FlowQueries.CLOCK_SLACK.toSeconds());
            carveAll(a, warmup, new long[warmup.size()], new int[warmup.size()]); // JIT
            carveAll(b, warmup, new long[warmup.size()], new int[warmup.size()]);
            for (String pass : new String[] {"first pass (maps the indexes it meets)", "second pass (indexes mapped)"}) {
                long[] timesA = new long[carves];
                long[] timesB = new long[carves];
                int[] searchedA = new int[carves];
                int[] searchedB = new int[carves];
                for (int i = 0; i < carves; i++) { // interleaved, so both stores see the same machine
                    timesA[i] = carve(a, chosen.get(i), searchedA, i);
                    timesB[i] = carve(b, chosen.get(i), searchedB, i);
                }
                System.out.println(pass + ":");
                double ratio = report(segmentsB, timesB, searchedB) / report(segmentsA, timesA, searchedA);
                System.out.printf("  ratio %d/%d segments at p50: %.2fx (target <= 1.5x)%n", segmentsB, segmentsA, ratio);
            }
        }
    }

    private static StoreConfig config(long totalBytes, int segments) {
        long segment = Math.max(64 * 1024, totalBytes / segments + 1);
        return new StoreConfig(1L << 40, segment, Duration.ofDays(3650), 65535);
    }

    private static void carveAll(PcapStore store, List<Flow> flows, long[] times, int[] searched) throws IOException {
        for (int i = 0; i < flows.size(); i++) {
            times[i] = carve(store, flows.get(i), searched, i);
        }
    }

    private static long carve(PcapStore store, Flow f, int[] searched, int i) throws IOException {
        FlowQuery q = FlowQueries.forFlowSeen(f.cid(), f.key(), f.start(), f.middle(), LONGEST_IDLE);
        long t = System.nanoTime();
        ExtractionResult r = store.extractor().extract(q, OutputStream.nullOutputStream());
        long elapsed = System.nanoTime() - t;
        if (r.outcome() != ExtractionResult.Outcome.FOUND) {
            throw new IllegalStateException("flow not found in " + store.dir());
        }
        searched[i] = r.segmentsSearched();
        return elapsed;
    }

    /** Prints a store's line; returns its p50 in ms. */
    private static double report(int segments, long[] times, int[] searched) {
        long[] t = times.clone();
        int[] s = searched.clone();
        Arrays.sort(t);
        Arrays.sort(s);
        int n = t.length;
        double p50 = t[n / 2] / 1e6;
        double p99 = t[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)] / 1e6;
        System.out.printf("  %5d segments: carve p50 %.3f ms, p99 %.3f ms; segments searched p50 %d, max %d%n", segments, p50,
                p99, s[n / 2], s[n - 1]);
        return p50;
    }

    /**
     * Generates the traffic in time order into both stores (none for a dry run), collecting the
     * flows; returns the pcap bytes it makes (records and headers).
     */
    private static long generate(int flows, long span, PcapStore a, PcapStore b, List<Flow> out) throws IOException {
        Random random = new Random(1);
        long t0 = 1_750_000_000L * S;
        long[] starts = new long[flows];
        for (int i = 0; i < flows; i++) {
            starts[i] = t0 + (long) (random.nextDouble() * span);
        }
        Arrays.sort(starts);
        PriorityQueue<Open> open = new PriorityQueue<>((x, y) -> Long.compare(x.next, y.next));
        FlowResolver resolver = new FlowResolver();
        PacketRecord packet = new PacketRecord();
        byte[] frame = new byte[1400];
        ByteBuffer frameBuffer = ByteBuffer.wrap(frame);
        byte[] key = new byte[FlowKey.SIZE];
        byte[] cid = new byte[20];
        Flow[] identities = new Flow[flows];
        long bytes = 0;
        int nextFlow = 0;
        while (nextFlow < flows || !open.isEmpty()) {
            if (nextFlow < flows && (open.isEmpty() || starts[nextFlow] <= open.peek().next)) {
                open.add(new Open(nextFlow, 5 + random.nextInt(31), starts[nextFlow]));
                nextFlow++;
                continue;
            }
            Open f = open.poll();
            int length = frame(f.id, random.nextBoolean(), 60 + random.nextInt(1341), random, frame);
            packet.set(frameBuffer, 0, length, length, f.next, 1);
            if (!resolver.resolve(packet, key, 0)) {
                throw new IllegalStateException("generated frame did not resolve");
            }
            resolver.communityId(cid, 0);
            if (a != null) {
                a.append(packet, cid, 0, key, 0);
                b.append(packet, cid, 0, key, 0);
            }
            bytes += 16 + length;
            if (f.sent == 0) {
                f.start = f.next;
            }
            if (f.sent == f.packets / 2) {
                f.middle = f.next;
            }
            f.sent++;
            if (f.sent < f.packets) {
                f.next += 1 + (long) (random.nextDouble() * random.nextDouble() * 30 * S);
                open.add(f);
            } else {
                identities[f.id] = new Flow(cid.clone(), null, f.start, f.middle);
            }
        }
        out.addAll(Arrays.asList(identities));
        return bytes;
    }

    /** An Ethernet/IPv4/TCP frame of flow {@code flow} (10.a.b.c:port <-> 192.0.2.x:80) of {@code size} bytes. */
    private static int frame(int flow, boolean fromClient, int size, Random random, byte[] into) {
        ByteBuffer b = ByteBuffer.wrap(into, 0, size);
        b.put(new byte[] {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10}).putShort((short) 0x0800);
        byte[] client = {10, (byte) (flow >>> 16), (byte) (flow >>> 8), (byte) flow};
        byte[] server = {(byte) 192, 0, 2, (byte) (1 + flow % 200)};
        b.put((byte) 0x45).put((byte) 0).putShort((short) (size - 14)).putShort((short) random.nextInt(65536))
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0);
        b.put(fromClient ? client : server).put(fromClient ? server : client);
        int clientPort = 1024 + flow % 60000;
        b.putShort((short) (fromClient ? clientPort : 80)).putShort((short) (fromClient ? 80 : clientPort));
        b.putInt(random.nextInt()).putInt(random.nextInt()).put((byte) 0x50).put((byte) 0x18).putShort((short) 1000)
                .putInt(0);
        while (b.hasRemaining()) {
            b.put((byte) 'x');
        }
        return size;
    }
}
