package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.capture.LivePacketSource;
import io.flowtrap.probe.capture.LivePcapSource;
import io.flowtrap.probe.capture.PacketRingSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ring capture source on a real veth in a namespace of its own, against libpcap (pcap4j) on
 * the same interface and against the frames as sent (the corpus, read by {@link OraclePcap}):
 * the same frames, byte for byte with their VLAN tags, in the same order; a ring too small for a
 * burst counts what it dropped; its BPF filter filters in the kernel.
 */
class PacketRingSourceIT {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60); // a failure bound, not a wait
    private static final int SNAPLEN = 65535;

    @TempDir
    Path work;

    private TestNetwork net;
    private Path pcap;
    private List<OraclePcap.Packet> sent;

    @BeforeEach
    void network() throws Exception {
        pcap = work.resolve("corpus.pcap");
        Tools.corpus(work, pcap, work.resolve("corpus.json"), 200, 3);
        sent = OraclePcap.read(pcap);
        net = TestNetwork.create(work);
    }

    @AfterEach
    void removeNetwork() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    /** What a reader thread saw: each frame's bytes and wire length, in order. */
    record Seen(List<byte[]> frames, List<Integer> wireLengths) {
        static Seen of(List<OraclePcap.Packet> packets) {
            return new Seen(packets.stream().map(OraclePcap.Packet::data).toList(),
                    packets.stream().map(OraclePcap.Packet::wireLength).toList());
        }
    }

    /** Reads {@code source} on its own thread until it has {@code count} frames or the deadline. */
    private static final class Reader extends Thread {
        private final LivePacketSource source;
        private final BooleanSupplier done;
        final List<byte[]> frames = new ArrayList<>();
        final List<Integer> wireLengths = new ArrayList<>();
        volatile int count;
        volatile Throwable failure;

        Reader(String name, LivePacketSource source, BooleanSupplier done) {
            super(name);
            this.source = source;
            this.done = done;
        }

        @Override
        public void run() {
            PacketRecord packet = new PacketRecord();
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            try {
                while (!done.getAsBoolean() && System.nanoTime() < deadline) {
                    if (source.next(packet)) {
                        byte[] b = new byte[packet.capturedLength()];
                        packet.copyTo(b, 0);
                        frames.add(b);
                        wireLengths.add(packet.wireLength());
                        count = frames.size();
                    }
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        Seen seen() throws InterruptedException {
            join(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS) + 10_000);
            assertThat(isAlive()).as(getName() + " still reading").isFalse();
            assertThat(failure).as(getName()).isNull();
            return new Seen(frames, wireLengths);
        }
    }

    private static void assertSame(String what, Seen actual, Seen expected) {
        assertThat(actual.frames()).as(what + ": frames").hasSameSizeAs(expected.frames());
        for (int i = 0; i < expected.frames().size(); i++) {
            assertThat(actual.frames().get(i)).as(what + ": frame %d", i).isEqualTo(expected.frames().get(i));
        }
        assertThat(actual.wireLengths()).as(what + ": wire lengths").isEqualTo(expected.wireLengths());
    }

    /** Reads both sources on their own threads until each has {@code count} frames (or the deadline). */
    private static Seen[] readBoth(LivePacketSource ring, LivePacketSource libpcap, int count, Runnable send)
            throws Exception {
        Reader[] readers = new Reader[2];
        BooleanSupplier bothDone = () -> readers[0].count >= count && readers[1].count >= count;
        readers[0] = new Reader("ring-reader", ring, bothDone);
        readers[1] = new Reader("pcap-reader", libpcap, bothDone);
        for (Reader r : readers) {
            r.start();
        }
        send.run();
        return new Seen[] {readers[0].seen(), readers[1].seen()};
    }

    private Runnable replay(String... options) {
        return () -> {
            try {
                net.replay(pcap, options);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    void theRingSeesWhatLibpcapSeesOnTheSameWireAndBothSeeWhatWasSent() throws Exception {
        long tagged = sent.stream().filter(p -> isVlan(p.data(), 12)).count();
        long qinq = sent.stream().filter(p -> isVlan(p.data(), 12) && isVlan(p.data(), 16)).count();
        assertThat(tagged).as("tagged frames in the corpus").isGreaterThan(qinq);
        assertThat(qinq).as("QinQ frames in the corpus").isPositive();

        PacketRingSource ring = net.inside(() -> PacketRingSource.open(TestNetwork.CAPTURE, "", SNAPLEN, true, 64L << 20));
        LivePcapSource libpcap = net.inside(() -> LivePcapSource.open(TestNetwork.CAPTURE, "", SNAPLEN, true, 64 << 20));
        try {
            Seen[] seen = readBoth(ring, libpcap, sent.size(), replay("--topspeed"));
            assertSame("ring vs sent", seen[0], Seen.of(sent));
            assertSame("libpcap vs sent", seen[1], Seen.of(sent));
            assertThat(ring.dropped()).as("ring drops").isZero();
            assertThat(ring.received()).as("packets the ring's socket saw").isEqualTo(sent.size());
        } finally {
            ring.close();
            libpcap.close();
        }
        assertThat(ring.exhausted()).isTrue();
    }

    @Test
    void aRingTooSmallForABurstCountsEveryPacketItDropped() throws Exception {
        // 4 blocks of 16 KiB (snaplen 9000): about 200 of the corpus' frames, the burst is 3,135
        PacketRingSource ring = net.inside(() -> PacketRingSource.open(TestNetwork.CAPTURE, "", 9000, true, 64 << 10));
        try {
            assertThat(ring.geometry()).startsWith("4 blocks of 16 KiB");
            net.replay(pcap, "--topspeed"); // nobody reads meanwhile
            List<byte[]> captured = new ArrayList<>();
            PacketRecord packet = new PacketRecord();
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            // the kernel's count (packets = captured + dropped) says when the burst is all in
            while (captured.size() + ring.dropped() < sent.size() && System.nanoTime() < deadline) {
                if (ring.next(packet)) {
                    byte[] b = new byte[packet.capturedLength()];
                    packet.copyTo(b, 0);
                    captured.add(b);
                }
            }
            while (ring.next(packet)) { // nothing may be left behind the count
                captured.add(new byte[0]);
            }
            long dropped = ring.dropped();
            assertThat(dropped).as("drops").isPositive();
            assertThat(ring.freezes()).as("queue freezes").isPositive();
            // exact: the kernel counts every frame that reached the socket, into the ring or dropped for want of a
            // free block. A frame lost before the socket (the veth peer's backlog, softnet drops) would be in
            // neither count; at this burst size, on a veth in a quiet namespace, none is, and tcpreplay's own count
            // of what it sent is the corpus.
            assertThat(captured.size() + dropped).as("captured + dropped").isEqualTo(sent.size());
            assertThat(ring.received()).as("the kernel's own count").isEqualTo(sent.size());
            // the ring filled with the first frames of the burst and dropped every later one
            for (int i = 0; i < captured.size(); i++) {
                assertThat(captured.get(i)).as("frame %d", i).isEqualTo(sent.get(i).data());
            }
        } finally {
            ring.close();
        }
    }

    @Test
    void theRingsBpfFilterFiltersInTheKernelAsLibpcapsDoes() throws Exception {
        // the kernel runs the filter on the frame without its outermost tag: "udp" matches untagged and
        // single-tagged UDP, not QinQ UDP (its inner tag is still there) - on both engines alike
        List<OraclePcap.Packet> udp = sent.stream().filter(p -> isUdpAsTheKernelSeesIt(p.data())).toList();
        assertThat(udp).as("UDP frames the kernel's filter sees").isNotEmpty().hasSizeLessThan(sent.size());
        assertThat(udp.stream().filter(p -> isVlan(p.data(), 12))).as("tagged among them").isNotEmpty();

        PacketRingSource ring = net.inside(() -> PacketRingSource.open(TestNetwork.CAPTURE, "udp", SNAPLEN, true, 64L << 20));
        LivePcapSource libpcap = net.inside(() -> LivePcapSource.open(TestNetwork.CAPTURE, "udp", SNAPLEN, true, 64 << 20));
        try {
            Seen[] seen = readBoth(ring, libpcap, udp.size(), replay("--topspeed"));
            assertSame("ring vs libpcap", seen[0], seen[1]);
            assertSame("ring vs the UDP frames sent", seen[0], Seen.of(udp));
            assertThat(ring.received()).as("packets past the ring's filter").isEqualTo(udp.size());
        } finally {
            ring.close();
            libpcap.close();
        }
        assertThatThrownBy(() -> net.inside(() -> PacketRingSource.open(TestNetwork.CAPTURE, "vlan 100", SNAPLEN, true, 1 << 20)))
                .hasMessageContaining("'vlan'").hasMessageContaining("capture.engine: pcap");
        assertThatThrownBy(() -> net.inside(() -> PacketRingSource.open(TestNetwork.CAPTURE, "udp port", SNAPLEN, true, 1 << 20)))
                .hasMessageContaining("BPF filter 'udp port' rejected");
        assertThatThrownBy(() -> net.inside(() -> PacketRingSource.open("ftNone", "", SNAPLEN, true, 1 << 20)))
                .hasMessageContaining("ftNone");
    }

    @Test
    void readingTheRingAllocatesNothingPerPacket() throws Exception {
        int rounds = 4; // the first warms the reader up (JIT), the others are measured
        PacketRingSource ring = net.inside(() -> PacketRingSource.open(TestNetwork.CAPTURE, "", SNAPLEN, true, 64L << 20));
        long[] measured = new long[2]; // bytes allocated, packets read while measuring
        Thread reader = new Thread(() -> {
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
                    java.lang.management.ManagementFactory.getThreadMXBean();
            PacketRecord packet = new PacketRecord();
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            long n = 0;
            long before = 0;
            long touched = 0;
            try {
                while (n < (long) rounds * sent.size() && System.nanoTime() < deadline) {
                    if (n == sent.size() && before == 0) {
                        before = threads.getCurrentThreadAllocatedBytes();
                    }
                    if (ring.next(packet)) {
                        n++;
                        touched += packet.buffer().get(packet.offset() + packet.capturedLength() - 1); // read the frame
                    }
                }
                measured[0] = threads.getCurrentThreadAllocatedBytes() - before;
                measured[1] = n - sent.size() + (touched == Long.MIN_VALUE ? 1 : 0);
            } catch (java.io.IOException e) {
                measured[1] = -1;
            }
        }, "ring-reader");
        try {
            reader.start();
            for (int i = 0; i < rounds; i++) {
                net.replay(pcap, "--topspeed");
            }
            reader.join(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS) + 10_000);
            assertThat(measured[1]).as("packets read while measuring").isEqualTo((long) (rounds - 1) * sent.size());
            assertThat(ring.dropped()).isZero();
            System.out.printf("ring reader: %d bytes allocated reading %d packets%n", measured[0], measured[1]);
            // a few bytes of fixed cost are tolerated (the allocation counter's own granularity), none per packet
            assertThat(measured[0]).as("bytes allocated reading %d packets", measured[1]).isLessThan(1024);
        } finally {
            ring.close();
        }
    }

    static boolean isVlan(byte[] frame, int at) {
        int type = (frame[at] & 0xff) << 8 | frame[at + 1] & 0xff;
        return type == 0x8100 || type == 0x88a8;
    }

    /** UDP over IPv4 or IPv6 once the outermost VLAN tag (if any) is off, as the kernel's filter sees it. */
    static boolean isUdpAsTheKernelSeesIt(byte[] frame) {
        int at = isVlan(frame, 12) ? 16 : 12;
        int type = (frame[at] & 0xff) << 8 | frame[at + 1] & 0xff;
        return type == 0x0800 && frame[at + 2 + 9] == 17 || type == 0x86dd && frame[at + 2 + 6] == 17;
    }
}
