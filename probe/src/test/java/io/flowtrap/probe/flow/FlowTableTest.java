package io.flowtrap.probe.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.PacketDecoder;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class FlowTableTest {
    private static final long SECOND = 1_000_000_000L;
    private final List<String> ended = new ArrayList<>();
    private FlowTable table;
    private final FlowTable.FlowEndListener listener = (slot, reason) ->
            ended.add(FlowKey.toString(table.keys(), table.keyOffset(slot)) + " " + reason);
    private FlowTable.FlowEndListener active = listener;

    private static byte[] key(int protocol, int a, int portA, int b, int portB, int vlan) {
        byte[] src = new byte[16];
        byte[] dst = new byte[16];
        src[0] = 10;
        src[2] = (byte) (a >>> 8);
        src[3] = (byte) a;
        dst[0] = 10;
        dst[1] = 1;
        dst[2] = (byte) (b >>> 8);
        dst[3] = (byte) b;
        byte[] k = new byte[FlowKey.SIZE];
        FlowKey.write(4, protocol, vlan == 0 ? 0 : 1, vlan, 0, src, portA, dst, portB, k, 0);
        return k;
    }

    private int track(byte[] key, int protocol, int tcpFlags, boolean fromLow, long ts) {
        return table.track(key, 0, protocol, tcpFlags, fromLow, ts, 100, active);
    }

    private static FlowTimeouts timeouts(long tcpNew, long established, long closed, long udp) {
        return new FlowTimeouts(Duration.ofSeconds(tcpNew), Duration.ofSeconds(established), Duration.ofSeconds(closed),
                Duration.ofSeconds(udp), Duration.ofSeconds(udp), Duration.ofSeconds(udp));
    }

    @Test
    void agreesWithAHashMapOverALongRandomSequence() {
        // Few index slots per flow and many deletions: backward-shift deletion is exercised hard.
        table = new FlowTable(512, timeouts(5, 5, 5, 5));
        Map<String, Integer> oracle = new HashMap<>();
        Random random = new Random(7);
        long ts = 0;
        for (int i = 0; i < 200_000; i++) {
            ts += random.nextInt(20_000_000);
            int id = random.nextInt(900);
            byte[] k = key(PacketDecoder.PROTO_UDP, id, 1000 + id, 1, 53, id % 3);
            int slot = track(k, PacketDecoder.PROTO_UDP, 0, random.nextBoolean(), ts);
            String name = FlowKey.toString(k, 0);
            if (table.lastTrackCreated()) {
                assertThat(oracle).doesNotContainKey(name);
            } else {
                assertThat(oracle.get(name)).isEqualTo(slot);
            }
            oracle.put(name, slot);
            byte[] digest = new byte[20];
            digest[0] = (byte) id;
            digest[1] = (byte) (id >>> 8);
            if (table.lastTrackCreated()) {
                table.setCommunityId(slot, digest, 0);
            }
            if (i % 1000 == 0) {
                table.expire(ts, listener);
            }
            for (String e : ended) {
                oracle.remove(e.substring(0, e.lastIndexOf(' ')));
            }
            ended.clear();
            assertThat(table.size()).isEqualTo(oracle.size());
        }
        for (Map.Entry<String, Integer> e : oracle.entrySet()) {
            int slot = e.getValue();
            assertThat(table.find(table.keys(), table.keyOffset(slot))).isEqualTo(slot);
            assertThat(table.findByCommunityHash(table.communityHash(slot))).isEqualTo(slot);
        }
        assertThat(table.find(key(PacketDecoder.PROTO_UDP, 5000, 1, 1, 53, 0), 0)).isEqualTo(-1);
    }

    @Test
    void tcpClosesOnFinBothWaysOrRstThenLingersAndANewSynStartsANewFlow() {
        table = new FlowTable(16, timeouts(30, 600, 10, 300));
        byte[] k = key(PacketDecoder.PROTO_TCP, 1, 40000, 2, 80, 0);
        int slot = track(k, 6, 0x02, true, 0);
        assertThat(table.tcpState(slot)).isEqualTo(FlowTable.TCP_NEW);
        track(k, 6, 0x12, false, SECOND);
        assertThat(table.tcpState(slot)).isEqualTo(FlowTable.TCP_ESTABLISHED);
        track(k, 6, 0x11, true, 2 * SECOND);
        assertThat(table.isClosed(slot)).isFalse();
        track(k, 6, 0x11, false, 3 * SECOND);
        assertThat(table.isClosed(slot)).isTrue();
        assertThat(track(k, 6, 0x10, true, 4 * SECOND)).isEqualTo(slot); // the final ACK still belongs
        assertThat(table.lastTrackCreated()).isFalse();
        int generation = table.generation(slot);
        assertThat(table.expire(13 * SECOND, listener)).isZero();
        int again = track(k, 6, 0x02, true, 5 * SECOND);
        assertThat(table.lastTrackCreated()).isTrue();
        assertThat(ended).containsExactly("6 10.0.0.1:40000 <-> 10.1.0.2:80 TCP_CLOSED");
        assertThat(table.generation(again)).isNotEqualTo(generation);

        byte[] r = key(PacketDecoder.PROTO_TCP, 3, 40000, 2, 80, 0);
        int reset = track(r, 6, 0x04, true, 6 * SECOND);
        assertThat(table.isClosed(reset)).isTrue();
        assertThat(table.expire(16 * SECOND, listener)).isZero();
        assertThat(table.expire(16 * SECOND + 1, listener)).isEqualTo(1);
        assertThat(table.find(r, 0)).isEqualTo(-1);
    }

    @Test
    void idleTimeoutsArePerProtocolAndMeasuredInPacketTime() {
        table = new FlowTable(16, timeouts(30, 600, 10, 100));
        byte[] udp = key(PacketDecoder.PROTO_UDP, 1, 5353, 2, 53, 0);
        byte[] tcp = key(PacketDecoder.PROTO_TCP, 1, 40000, 2, 80, 7);
        track(udp, 17, 0, true, 0);
        track(tcp, 6, 0x02, true, 0);
        assertThat(table.expire(30 * SECOND, listener)).isZero();
        assertThat(table.expire(31 * SECOND, listener)).isEqualTo(1);
        assertThat(ended).containsExactly("6 vlan[7] 10.0.0.1:40000 <-> 10.1.0.2:80 IDLE_TIMEOUT");
        track(udp, 17, 0, false, 50 * SECOND);
        assertThat(table.expire(149 * SECOND, listener)).isZero();
        assertThat(table.expire(151 * SECOND, listener)).isEqualTo(1);
        assertThat(table.size()).isZero();
        assertThat(table.ended(FlowEndReason.IDLE_TIMEOUT)).isEqualTo(2);
    }

    @Test
    @Tag("hostile-input")
    void aFullTableEvictsTheLeastRecentlyActiveUnarmedFlowFirst() {
        table = new FlowTable(3, FlowTimeouts.defaults());
        int a = track(key(17, 1, 1, 9, 9, 0), 17, 0, true, 1);
        int b = track(key(17, 2, 1, 9, 9, 0), 17, 0, true, 2);
        track(key(17, 3, 1, 9, 9, 0), 17, 0, true, 3);
        table.arm(a);
        track(key(17, 4, 1, 9, 9, 0), 17, 0, true, 4);
        assertThat(ended).containsExactly("17 10.0.0.2:1 <-> 10.1.0.9:9 EVICTED");
        assertThat(table.find(key(17, 2, 1, 9, 9, 0), 0)).isEqualTo(-1);
        assertThat(table.armed(a)).isTrue();
        assertThat(table.evicted()).isEqualTo(1);
        assertThat(table.size()).isEqualTo(3);
        assertThat(b).isNotEqualTo(a);
        table.endAll(listener);
        assertThat(table.size()).isZero();
        assertThat(table.ended(FlowEndReason.SHUTDOWN)).isEqualTo(3);
    }

    @Test
    @Tag("hostile-input")
    void armedFlowsStillExpireAndAreEvictedOnlyWhenNoFlowWaits() {
        table = new FlowTable(3, timeouts(30, 600, 10, 100));
        int a = track(key(17, 1, 1, 9, 9, 0), 17, 0, true, 1 * SECOND);
        int b = track(key(17, 2, 1, 9, 9, 0), 17, 0, true, 2 * SECOND);
        int c = track(key(17, 3, 1, 9, 9, 0), 17, 0, true, 3 * SECOND);
        table.arm(b);
        table.arm(a);
        table.arm(c);
        track(key(17, 1, 1, 9, 9, 0), 17, 0, false, 4 * SECOND); // a is now the most recently active
        track(key(17, 4, 1, 9, 9, 0), 17, 0, true, 5 * SECOND);
        assertThat(ended).as("all armed: the least recently active armed flow gives way")
                .containsExactly("17 10.0.0.2:1 <-> 10.1.0.9:9 EVICTED");
        assertThat(table.armed(a)).isTrue();
        ended.clear();
        assertThat(table.expire(104 * SECOND, listener)).isEqualTo(1); // c: idle over 100 s since 3 s
        assertThat(ended).containsExactly("17 10.0.0.3:1 <-> 10.1.0.9:9 IDLE_TIMEOUT");
        assertThat(table.expire(106 * SECOND, listener)).isEqualTo(2); // a (4 s) and the unarmed one (5 s)
        assertThat(table.size()).isZero();
    }

    @Test
    void trackingAllocatesNothingInSteadyState() {
        table = new FlowTable(10_000, timeouts(1, 1, 1, 1));
        byte[][] keys = new byte[20_000][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(17, i, 1000, 7, 53, 0);
        }
        byte[] digest = new byte[20];
        active = (s, r) -> { };
        Runnable loop = () -> {
            long ts = 0;
            for (int i = 0; i < 1_000_000; i++) {
                ts += 1_000;
                int slot = track(keys[i % keys.length], 17, 0, (i & 1) == 0, ts);
                if (table.lastTrackCreated()) {
                    digest[0] = (byte) i;
                    digest[1] = (byte) (i >>> 8);
                    table.setCommunityId(slot, digest, 0);
                }
                if ((i & 4095) == 0) {
                    table.expire(ts, (s, r) -> { });
                }
            }
        };
        loop.run(); // warm up
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        loop.run();
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertThat(allocated).isLessThan(4096);
    }

    @Test
    void aHandleWaitsWhileItsFlowIsTrackedAndUnarmedAndNeverForTheSlotsNextFlow() {
        table = new FlowTable(1, timeouts(5, 5, 5, 5)); // one slot: every new flow reuses it
        int slot = track(key(PacketDecoder.PROTO_UDP, 1, 1000, 1, 53, 0), PacketDecoder.PROTO_UDP, 0, true, 0);
        long first = table.handle(slot);
        assertThat(table.waitingForAlert(first)).isTrue();
        table.arm(slot);
        assertThat(table.waitingForAlert(first)).as("armed").isFalse();

        int next = track(key(PacketDecoder.PROTO_UDP, 2, 1000, 1, 53, 0), PacketDecoder.PROTO_UDP, 0, true, SECOND);
        assertThat(next).isEqualTo(slot); // the armed flow was evicted for it
        long second = table.handle(next);
        assertThat(second).isNotEqualTo(first);
        assertThat(table.waitingForAlert(first)).as("the evicted flow").isFalse();
        assertThat(table.waitingForAlert(second)).isTrue();
        table.expire(100 * SECOND, active);
        assertThat(table.waitingForAlert(second)).as("ended").isFalse();
        assertThat(table.waitingForAlert(-1L)).as("a handle no flow had (the look-back ring's no owner)").isFalse();
    }
}
