package io.flowtrap.packet;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.TestPackets.Spec;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FlowResolverTest {

    private static PacketRecord record(Spec s) {
        byte[] b = TestPackets.build(s);
        return new PacketRecord().set(ByteBuffer.wrap(b), 0, b.length, b.length, 0, s.linkType);
    }

    private static Spec udp(int version, boolean more, int offset, long id) {
        Spec s = new Spec();
        s.ipVersion = version;
        s.protocol = 17;
        s.src = new byte[version == 4 ? 4 : 16];
        s.dst = new byte[s.src.length];
        s.src[0] = 10;
        s.dst[0] = 10;
        s.dst[s.dst.length - 1] = 9;
        s.srcPort = 5353;
        s.dstPort = 53;
        s.payload = new byte[64];
        if (more || offset != 0) {
            s.fragmented = true;
            s.moreFragments = more;
            s.fragmentOffset = offset;
            s.fragmentId = id;
            if (version == 6) {
                s.extensions = new int[] {44};
            }
        }
        return s;
    }

    @Test
    void nonFirstFragmentsJoinTheFlowOfTheirFirstFragment() {
        for (int version : new int[] {4, 6}) {
            FlowResolver r = new FlowResolver();
            byte[] whole = new byte[FlowKey.SIZE];
            byte[] first = new byte[FlowKey.SIZE];
            byte[] later = new byte[FlowKey.SIZE];
            assertThat(r.resolve(record(udp(version, false, 0, 0)), whole, 0)).isTrue();
            assertThat(r.resolve(record(udp(version, true, 0, 77)), first, 0)).isTrue();
            byte[] cidFirst = new byte[20];
            r.communityId(cidFirst, 0);
            assertThat(r.resolve(record(udp(version, false, 1480, 77)), later, 0)).isTrue();
            byte[] cidLater = new byte[20];
            r.communityId(cidLater, 0);
            assertThat(FlowKey.equals(first, 0, whole, 0)).isTrue();
            assertThat(FlowKey.equals(later, 0, whole, 0)).isTrue();
            assertThat(FlowKey.lowPort(later, 0)).isEqualTo(5353);
            assertThat(cidLater).isEqualTo(cidFirst);
            // another datagram id whose first fragment never came: no flow, counted
            assertThat(r.resolve(record(udp(version, true, 2960, 78)), later, 0)).isFalse();
            assertThat(r.firstFragments()).isEqualTo(1);
            assertThat(r.resolvedFragments()).isEqualTo(1);
            assertThat(r.orphanFragments()).isEqualTo(1);
        }
    }

    @Test
    void icmpFlowsAreKeyedWithoutTypeCodeOrEchoIdButHashedWithThem() {
        Spec request = udp(4, false, 0, 0);
        request.protocol = 1;
        request.srcPort = 0;
        request.dstPort = 0;
        request.icmpType = 8;
        request.icmpCode = 0;
        Spec reply = udp(4, false, 0, 0);
        reply.protocol = 1;
        reply.srcPort = 0;
        reply.dstPort = 0;
        reply.src = request.dst;
        reply.dst = request.src;
        reply.icmpType = 0;
        reply.icmpCode = 0;
        Spec unreachable = udp(4, false, 0, 0);
        unreachable.protocol = 1;
        unreachable.srcPort = 0;
        unreachable.dstPort = 0;
        unreachable.icmpType = 3;
        unreachable.icmpCode = 1;
        FlowResolver r = new FlowResolver();
        byte[] k1 = new byte[FlowKey.SIZE];
        byte[] k2 = new byte[FlowKey.SIZE];
        byte[] k3 = new byte[FlowKey.SIZE];
        byte[] c1 = new byte[20];
        byte[] c2 = new byte[20];
        byte[] c3 = new byte[20];
        assertThat(r.resolve(record(request), k1, 0)).isTrue();
        r.communityId(c1, 0);
        assertThat(r.resolve(record(reply), k2, 0)).isTrue();
        r.communityId(c2, 0);
        assertThat(r.resolve(record(unreachable), k3, 0)).isTrue();
        r.communityId(c3, 0);
        assertThat(FlowKey.equals(k1, 0, k2, 0)).isTrue();
        assertThat(FlowKey.equals(k1, 0, k3, 0)).isTrue();
        assertThat(FlowKey.lowPort(k1, 0)).isZero();
        assertThat(c2).isEqualTo(c1); // echo and its reply: one Community ID
        assertThat(c3).isNotEqualTo(c1); // an error is its own one-way id
    }

    @Test
    void packetsWithoutIpHaveNoFlow() {
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        assertThat(new FlowResolver().resolve(new PacketRecord().set(ByteBuffer.wrap(arp), 0, 42, 42, 0, 1),
                new byte[FlowKey.SIZE], 0)).isFalse();
    }

    @Test
    void theFragmentTableIsBoundedAndForgetsOldFirstFragments() {
        FlowResolver r = new FlowResolver(0, 4);
        byte[] k = new byte[FlowKey.SIZE];
        for (int id = 0; id < 100; id++) {
            r.resolve(record(udp(4, true, 0, id)), k, 0);
        }
        int resolved = 0;
        for (int id = 0; id < 100; id++) {
            if (r.resolve(record(udp(4, false, 8, id)), k, 0)) {
                resolved++;
            }
        }
        assertThat(resolved).isLessThanOrEqualTo(4).isPositive();
        assertThat(r.orphanFragments()).isEqualTo(100 - resolved);
    }

    /** Behaviour, not timing: decode + resolve + Community ID allocate nothing once warm. */
    @Test
    void resolveAndCommunityIdAllocateNothing() {
        Random rnd = new Random(5);
        List<PacketRecord> corpus = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            corpus.add(record(TestPackets.random(rnd)));
        }
        FlowResolver r = new FlowResolver();
        byte[] key = new byte[FlowKey.SIZE];
        byte[] cid = new byte[20];
        long sink = 0;
        for (int round = 0; round < 50; round++) { // warm-up: let the JIT compile and escape-analyse
            for (PacketRecord p : corpus) {
                if (r.resolve(p, key, 0)) {
                    r.communityId(cid, 0);
                    sink += cid[0];
                }
            }
        }
        PacketRecord[] packets = corpus.toArray(new PacketRecord[0]); // no iterator per round
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int round = 0; round < 1000; round++) { // 2,000,000 packets
            for (PacketRecord p : packets) {
                if (r.resolve(p, key, 0)) {
                    r.communityId(cid, 0);
                    sink += cid[0];
                }
            }
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(sink).isNotZero();
        // the measuring call itself may allocate a few bytes; 2M packets at even 1 byte each would not fit
        assertThat(allocated).as("bytes allocated over 2,000,000 packets").isLessThan(1024);
        assertThat(Arrays.toString(key)).isNotEmpty();
    }
}
