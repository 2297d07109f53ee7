package io.flowtrap.store;

import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Hand-made Ethernet/IPv4/TCP packets of numbered flows, written through a store the way the probe does. */
final class StoreFixture {
    static final long T0 = 1_700_000_000_000_000_000L;

    /** One packet as the store should give it back. */
    record Stored(int flow, long ts, byte[] frame) {}

    private StoreFixture() {}

    /** A frame of flow {@code flow} (10.0.x.y:port <-> 192.0.2.1:80, VLAN 7 on odd flows), {@code size} bytes. */
    static byte[] frame(int flow, boolean fromClient, int size, Random random) {
        int vlanBytes = flow % 2 == 1 ? 4 : 0;
        int length = Math.max(size, 14 + vlanBytes + 40);
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(new byte[] {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10});
        if (vlanBytes > 0) {
            b.putShort((short) 0x8100).putShort((short) 7);
        }
        b.putShort((short) 0x0800);
        byte[] client = {10, 0, (byte) (flow >>> 8), (byte) flow};
        byte[] server = {(byte) 192, 0, 2, 1};
        int ipLength = length - 14 - vlanBytes;
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putShort((short) random.nextInt(65536))
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0);
        b.put(fromClient ? client : server).put(fromClient ? server : client);
        int clientPort = 30000 + flow % 30000;
        b.putShort((short) (fromClient ? clientPort : 80)).putShort((short) (fromClient ? 80 : clientPort));
        b.putInt(random.nextInt()).putInt(random.nextInt()).put((byte) 0x50).put((byte) 0x18).putShort((short) 1000)
                .putInt(0);
        while (b.hasRemaining()) {
            b.put((byte) random.nextInt());
        }
        return b.array();
    }

    /**
     * Appends {@code count} packets of {@code flows} interleaved flows, as the capture path would,
     * and waits until the store's writer has written them; returns them.
     */
    static List<Stored> append(PcapStore store, int flows, int count, long seed, long startNanos) throws IOException {
        return append(store, 0, flows, count, seed, startNanos);
    }

    /** As above, for flows numbered {@code firstFlow .. firstFlow + flows - 1}. */
    static List<Stored> append(PcapStore store, int firstFlow, int flows, int count, long seed, long startNanos)
            throws IOException {
        List<Stored> written = handOver(store, firstFlow, flows, count, seed, startNanos);
        store.flush(); // the writer thread has written them all: what status() says next includes them
        return written;
    }

    /** As {@link #append}, without waiting for the writer: the packets may still be in the hand-off. */
    static List<Stored> handOver(PcapStore store, int firstFlow, int flows, int count, long seed, long startNanos) {
        Random random = new Random(seed);
        FlowResolver resolver = new FlowResolver();
        byte[] key = new byte[FlowKey.SIZE];
        byte[] cid = new byte[20];
        PacketRecord packet = new PacketRecord();
        List<Stored> written = new ArrayList<>();
        long ts = startNanos;
        for (int i = 0; i < count; i++) {
            int flow = firstFlow + random.nextInt(flows);
            byte[] frame = frame(flow, random.nextBoolean(), 60 + random.nextInt(1400), random);
            ts += 1 + random.nextInt(1_000_000);
            packet.set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts, 1);
            if (!resolver.resolve(packet, key, 0)) {
                throw new IllegalStateException("fixture frame did not resolve");
            }
            resolver.communityId(cid, 0);
            if (!store.append(packet, cid, 0, key, 0)) {
                throw new IllegalStateException("the store did not take a packet (a fixture store waits for room)");
            }
            written.add(new Stored(flow, ts, frame));
        }
        return written;
    }

    /** Appends one packet of {@code flow} stamped {@code ts}, as the capture path would; returns it. */
    static Stored appendAt(PcapStore store, int flow, long ts, Random random) throws IOException {
        byte[] frame = frame(flow, random.nextBoolean(), 60 + random.nextInt(200), random);
        PacketRecord packet = new PacketRecord().set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts, 1);
        FlowResolver resolver = new FlowResolver();
        byte[] key = new byte[FlowKey.SIZE];
        byte[] cid = new byte[20];
        if (!resolver.resolve(packet, key, 0)) {
            throw new IllegalStateException("fixture frame did not resolve");
        }
        resolver.communityId(cid, 0);
        store.append(packet, cid, 0, key, 0);
        return new Stored(flow, ts, frame);
    }

    /** The Community ID digest and key of a fixture flow. */
    static byte[][] identity(int flow) {
        byte[] frame = frame(flow, true, 60, new Random(0));
        FlowResolver resolver = new FlowResolver();
        byte[] key = new byte[FlowKey.SIZE];
        byte[] cid = new byte[20];
        resolver.resolve(new PacketRecord().set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, 0, 1), key, 0);
        resolver.communityId(cid, 0);
        return new byte[][] {cid, key};
    }

    static FlowQuery query(int flow, long seenAt) {
        byte[][] id = identity(flow);
        return new FlowQuery(io.flowtrap.packet.CommunityId.hash64(id[0], 0), id[1], id[0], 0, Long.MAX_VALUE, seenAt);
    }

    /** Carves a flow and returns its packets, parsed back with the probe's reader. */
    static List<Stored> carve(PcapStore store, int flow, Path scratch) throws IOException {
        return carve(store, flow, query(flow, 0), scratch);
    }

    /** Carves a flow with {@code query} and returns its packets, parsed back with the probe's reader. */
    static List<Stored> carve(PcapStore store, int flow, FlowQuery query, Path scratch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExtractionResult r = store.extractor().extract(query, out);
        List<Stored> packets = new ArrayList<>();
        if (r.outcome() != ExtractionResult.Outcome.FOUND) {
            return packets;
        }
        Path file = Files.createTempFile(scratch, "carve", ".pcap");
        Files.write(file, out.toByteArray());
        try (PcapFileReader reader = PcapFileReader.open(file)) {
            PacketRecord p = new PacketRecord();
            while (reader.next(p)) {
                byte[] bytes = new byte[p.capturedLength()];
                p.copyTo(bytes, 0);
                packets.add(new Stored(flow, p.timestampNanos(), bytes));
            }
        }
        return packets;
    }

    /** The oracle: what a flow's carve must be — its written packets, in time order. */
    static List<Stored> expected(List<Stored> written, int flow) {
        return written.stream().filter(s -> s.flow() == flow).sorted((a, b) -> Long.compare(a.ts(), b.ts())).toList();
    }

    static boolean same(List<Stored> a, List<Stored> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).ts() != b.get(i).ts() || !Arrays.equals(a.get(i).frame(), b.get(i).frame())) {
                return false;
            }
        }
        return true;
    }

    static long directoryBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().equals("LOCK") && !f.getFileName().toString().equals("MANIFEST"))
                    .mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
