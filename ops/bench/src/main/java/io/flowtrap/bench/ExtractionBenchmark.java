package io.flowtrap.bench;

import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.DecodedPacket;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.FlowQuery;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.Segment;
import io.flowtrap.store.StoreConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Extraction: builds a store of {@code --passes} copies of a capture (each copy's client addresses
 * shifted, so every copy is a distinct set of flows: about 10 GB from a 1 GB capture), then carves
 * {@code --flows} random untagged TCP flows with the store's extractor and, on a sample, with
 * {@code tcpdump -V <all segments> -w - '<flow BPF>'} over the same segments, reporting p50/p99 and
 * the ratio. Every packet of the capture is stored, as if every flow had been alerted.
 *
 * <pre>usage: ExtractionBenchmark --pcap F --store DIR [--passes 10] [--flows 100] [--tcpdump-samples 5] [--reuse]</pre>
 */
public final class ExtractionBenchmark {
    private ExtractionBenchmark() {}

    private record Flow(byte[] cid, byte[] key, String bpf) {}

    public static void main(String[] args) throws Exception {
        Path pcap = null;
        Path storeDir = null;
        int passes = 10;
        int flows = 100;
        int tcpdumpSamples = 5;
        boolean reuse = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pcap" -> pcap = Path.of(args[++i]);
                case "--store" -> storeDir = Path.of(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                case "--flows" -> flows = Integer.parseInt(args[++i]);
                case "--tcpdump-samples" -> tcpdumpSamples = Integer.parseInt(args[++i]);
                case "--reuse" -> reuse = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (pcap == null || storeDir == null) {
            throw new IllegalArgumentException("usage: ExtractionBenchmark --pcap F --store DIR [--passes 10] [--flows 100]");
        }
        Random random = new Random(1);
        List<Flow> candidates = new ArrayList<>();
        if (!reuse) {
            IngestBenchmark.deleteTree(storeDir);
            long start = System.nanoTime();
            long packets = buildStore(pcap, storeDir, passes, candidates, random);
            System.out.printf("built store: %d packets in %.1f s%n", packets, (System.nanoTime() - start) / 1e9);
        } else {
            collectCandidates(pcap, passes, candidates, random);
        }
        try (PcapStore store = PcapStore.openReadOnly(storeDir)) {
            long bytes = store.status().totalBytes();
            System.out.printf("store: %s, %d segments, %.2f GB, index %.2f%% of pcap bytes%n", storeDir,
                    store.status().segments().size(), bytes / 1e9, 100.0 * store.status().indexBytes() / store.status().pcapBytes());
            List<Flow> chosen = new ArrayList<>();
            for (int i = 0; i < flows; i++) {
                chosen.add(candidates.get(random.nextInt(candidates.size())));
            }
            long[] ours = new long[flows];
            long totalPackets = 0;
            for (int i = 0; i < flows; i++) {
                Flow f = chosen.get(i);
                FlowQuery q = new FlowQuery(CommunityId.hash64(f.cid(), 0), f.key(), f.cid(), 0, Long.MAX_VALUE, 0);
                long t = System.nanoTime();
                ExtractionResult r = store.extractor().extract(q, OutputStream.nullOutputStream());
                ours[i] = System.nanoTime() - t;
                if (r.outcome() != ExtractionResult.Outcome.FOUND) {
                    throw new IllegalStateException("flow not found: " + f.bpf());
                }
                totalPackets += r.packets();
            }
            Path list = Files.createTempFile("segments", ".txt");
            List<String> names = new ArrayList<>();
            for (Segment s : store.status().segments()) {
                names.add(s.pcap().toString());
            }
            Files.write(list, names);
            long[] theirs = new long[Math.min(tcpdumpSamples, flows)];
            for (int i = 0; i < theirs.length; i++) {
                long t = System.nanoTime();
                Process p = new ProcessBuilder("tcpdump", "-V", list.toString(), "-w", "-", chosen.get(i).bpf())
                        .redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor() != 0) {
                    throw new IOException("tcpdump failed for " + chosen.get(i).bpf());
                }
                theirs[i] = System.nanoTime() - t;
            }
            Arrays.sort(ours);
            Arrays.sort(theirs);
            double p50 = ours[flows / 2] / 1e6;
            double p99 = ours[Math.min(flows - 1, (int) Math.ceil(flows * 0.99) - 1)] / 1e6;
            double tp50 = theirs[theirs.length / 2] / 1e6;
            System.out.printf("flowtrap extract (%d flows, %.1f packets each on average): p50 %.2f ms, p99 %.2f ms%n", flows,
                    totalPackets / (double) flows, p50, p99);
            System.out.printf("tcpdump -V <segments> -w - '<flow BPF>' (%d samples): p50 %.0f ms, max %.0f ms%n", theirs.length,
                    tp50, theirs[theirs.length - 1] / 1e6);
            System.out.printf("ratio tcpdump/flowtrap at p50: %.0fx faster (target >= 100x)%n", tp50 / p50);
        }
    }

    /** Appends every packet of every pass, client address shifted by the pass; remembers TCP flows to carve. */
    private static long buildStore(Path pcap, Path dir, int passes, List<Flow> candidates, Random random) throws IOException {
        StoreConfig config = new StoreConfig(1L << 40, 256L << 20, Duration.ofDays(365), 262_144);
        long packets = 0;
        try (PcapStore store = PcapStore.open(dir, config)) {
            for (int pass = 0; pass < passes; pass++) {
                packets += onePass(pcap, pass, store, candidates, random);
            }
        }
        return packets;
    }

    private static void collectCandidates(Path pcap, int passes, List<Flow> candidates, Random random) throws IOException {
        for (int pass = 0; pass < passes; pass++) {
            onePass(pcap, pass, null, candidates, random);
        }
    }

    private static long onePass(Path pcap, int pass, PcapStore store, List<Flow> candidates, Random random)
            throws IOException {
        FlowResolver resolver = new FlowResolver();
        byte[] key = new byte[FlowKey.SIZE];
        byte[] cid = new byte[20];
        byte[] copy = new byte[262_144];
        ByteBuffer copyBuffer = ByteBuffer.wrap(copy);
        PacketRecord packet = new PacketRecord();
        PacketRecord shifted = new PacketRecord();
        long packets = 0;
        long passOffset = pass * 86_400L * 1_000_000_000L; // each copy a day later
        try (PcapFileReader reader = PcapFileReader.open(pcap)) {
            while (reader.next(packet)) {
                int length = packet.capturedLength();
                packet.buffer().get(packet.offset(), copy, 0, length);
                shifted.set(copyBuffer, 0, length, packet.wireLength(), packet.timestampNanos() + passOffset, packet.linkType());
                if (!resolver.resolve(shifted, key, 0)) {
                    continue;
                }
                DecodedPacket d = resolver.decoded();
                // Shift the corpus's client side (10.x.y.z / 2001:db8:1::) so each pass has its own flows.
                int net = d.networkOffset;
                if (d.ipVersion == 4) {
                    int at = (copy[net + 12] == 10) ? net + 13 : net + 17;
                    copy[at] = (byte) (copy[at] + 4 * pass);
                } else {
                    int at = (copy[net + 8 + 5] == 1) ? net + 8 + 6 : net + 24 + 6;
                    copy[at] = (byte) pass;
                }
                resolver.resolve(shifted, key, 0);
                resolver.communityId(cid, 0);
                if (store != null) {
                    store.append(shifted, cid, 0, key, 0);
                }
                packets++;
                d = resolver.decoded();
                if (d.protocol == 6 && d.vlanCount == 0 && (d.tcpFlags & 0x12) == 0x02 && random.nextInt(50) == 0) {
                    candidates.add(new Flow(cid.clone(), key.clone(), bpf(d)));
                }
            }
        }
        return packets;
    }

    private static String bpf(DecodedPacket d) throws IOException {
        int len = d.ipVersion == 6 ? 16 : 4;
        String a = InetAddress.getByAddress(Arrays.copyOf(d.srcAddress, len)).getHostAddress();
        String b = InetAddress.getByAddress(Arrays.copyOf(d.dstAddress, len)).getHostAddress();
        return "host " + a + " and host " + b + " and tcp port " + d.srcPort + " and tcp port " + d.dstPort;
    }
}
