package io.flowtrap.bench;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.pipeline.CapturePipeline;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Memory: the probe's resident size while its flow table holds {@code --flows} concurrent flows
 * (the table and the 256 MB look-back ring are allocated up front; the JVM heap is what is left),
 * and bytes allocated per packet by the capture path in steady state (ThreadMXBean), over packets
 * that create, update and age out flows.
 *
 * <pre>usage: FlowMemoryBenchmark [--flows 1000000]</pre>
 */
public final class FlowMemoryBenchmark {
    private FlowMemoryBenchmark() {}

    public static void main(String[] args) throws Exception {
        int flows = 1_000_000;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--flows")) {
                flows = Integer.parseInt(args[++i]);
            }
        }
        long rssStart = rssBytes();
        Path store = Files.createTempDirectory("flowtrap-memory");
        ProbeSettings.Store storeSettings =
                new ProbeSettings.Store(store, DataSize.parse("1GB"), DataSize.parse("64MB"), Duration.ofMinutes(10));
        ProbeSettings.Flows flowSettings = new ProbeSettings.Flows(flows, null, null, null, null, null, null);
        ProbeSettings.Lookback lookback = new ProbeSettings.Lookback(DataSize.parse("256MB"));
        try (CapturePipeline pipeline = CapturePipeline.open(storeSettings, flowSettings, lookback, new AlertIntakeCounters())) {
            CaptureEngine engine = pipeline.engine();
            byte[] frame = udpFrame();
            ByteBuffer buffer = ByteBuffer.wrap(frame);
            PacketRecord packet = new PacketRecord();
            long ts = 1_700_000_000_000_000_000L;
            // Fill the table: one packet for each of `flows` distinct flows.
            for (int i = 0; i < flows; i++) {
                setFlow(frame, i);
                packet.set(buffer, 0, frame.length, frame.length, ts += 1_000, 1);
                engine.onPacket(packet);
            }
            System.gc();
            long rssFull = rssBytes();
            System.out.printf("flows held: %d of %d; flow table %.0f MB allocated up front; look-back ring 256 MB%n",
                    pipeline.flows().size(), flows, pipeline.flows().memoryBytes() / 1e6);
            System.out.printf("RSS: %.0f MB at start, %.0f MB holding %d flows (%.0f bytes per flow over the start)%n",
                    rssStart / 1e6, rssFull / 1e6, pipeline.flows().size(), (rssFull - rssStart) / (double) flows);
            // Steady state: packets of existing flows plus new flows evicting old ones.
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long thread = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(thread);
            int n = 5_000_000;
            for (int i = 0; i < n; i++) {
                setFlow(frame, (i * 7919) % (flows + flows / 4));
                packet.set(buffer, 0, frame.length, frame.length, ts += 1_000, 1);
                engine.onPacket(packet);
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            System.out.printf("allocated on the capture thread: %d bytes over %d packets = %.3f bytes/packet%n", allocated, n,
                    allocated / (double) n);
        }
        IngestBenchmark.deleteTree(store);
    }

    private static byte[] udpFrame() {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 64);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + 64)).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0);
        b.put(new byte[] {10, 0, 0, 0}).put(new byte[] {(byte) 192, 0, 2, 1});
        b.putShort((short) 1024).putShort((short) 53).putShort((short) (8 + 64)).putShort((short) 0);
        return b.array();
    }

    /** Makes the frame belong to flow i: source address 10.x.y.z and port derived from i. */
    private static void setFlow(byte[] frame, int i) {
        frame[14 + 13] = (byte) (i >>> 16);
        frame[14 + 14] = (byte) (i >>> 8);
        frame[14 + 15] = (byte) i;
        frame[14 + 20] = (byte) (4 + ((i >>> 24) & 0x3F));
    }

    private static long rssBytes() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }
}
