package io.flowtrap.probe.lookback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.packet.PacketRecord;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LookbackRingTest {

    private static PacketRecord packet(byte[] bytes, long ts) {
        return new PacketRecord().set(ByteBuffer.wrap(bytes), 0, bytes.length, bytes.length + 4, ts, 1);
    }

    /** Packet contents encode (flow, sequence) so a read-back can be checked exactly. */
    private static byte[] content(int flow, int seq, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (flow * 31 + seq * 7 + i);
        }
        return b;
    }

    @Test
    void interleavedFlowsReadBackWholeAndInOrderAcrossManyWrapsAndCutsAreExact() {
        LookbackRing ring = new LookbackRing(64 * 1024);
        Random random = new Random(3);
        int flows = 12;
        long[] head = new long[flows];
        java.util.Arrays.fill(head, -1);
        Map<Integer, Deque<long[]>> sent = new HashMap<>(); // flow -> (position, seq, length)
        int[] seq = new int[flows];
        long[] scratch = new long[ring.maxRecords()];
        PacketRecord read = new PacketRecord();
        for (int i = 0; i < 50_000; i++) {
            int f = random.nextInt(flows);
            int length = 40 + random.nextInt(1500);
            long pos = ring.append(packet(content(f, seq[f], length), i), head[f]);
            assertThat(pos).isNotNegative();
            head[f] = pos;
            sent.computeIfAbsent(f, x -> new ArrayDeque<>()).addLast(new long[] {pos, seq[f]++, length, i});
            if (i % 997 == 0) {
                int g = random.nextInt(flows);
                if (head[g] < 0 || !ring.isHeld(head[g])) {
                    continue;
                }
                int n = ring.collectChain(head[g], scratch);
                List<long[]> expected = new ArrayList<>();
                boolean lostSome = false;
                for (long[] s : sent.get(g)) {
                    if (ring.isHeld(s[0])) {
                        expected.add(s);
                    } else {
                        lostSome = true;
                    }
                }
                // A chain is cut at its first lost record: only the held suffix after it comes back.
                assertThat(n).isLessThanOrEqualTo(expected.size());
                List<long[]> tail = expected.subList(expected.size() - n, expected.size());
                for (int k = 0; k < n; k++) {
                    assertThat(scratch[k]).isEqualTo(tail.get(k)[0]);
                    ring.read(scratch[k], read);
                    byte[] got = new byte[read.capturedLength()];
                    read.copyTo(got, 0);
                    assertThat(got).isEqualTo(content(g, (int) tail.get(k)[1], (int) tail.get(k)[2]));
                    assertThat(read.timestampNanos()).isEqualTo(tail.get(k)[3]);
                    assertThat(read.wireLength()).isEqualTo(read.capturedLength() + 4);
                }
                assertThat(ring.lastChainComplete()).isEqualTo(!lostSome && n == sent.get(g).size());
            }
        }
        assertThat(ring.overwritten()).isPositive();
        assertThat(ring.appended()).isEqualTo(50_000);
    }

    @Test
    void aFlowWhoseStartIsStillHeldIsComplete() {
        LookbackRing ring = new LookbackRing(64 * 1024);
        long a = ring.append(packet(content(1, 0, 100), 1), -1);
        long b = ring.append(packet(content(2, 0, 100), 2), -1);
        long c = ring.append(packet(content(1, 1, 100), 3), a);
        long[] scratch = new long[ring.maxRecords()];
        assertThat(ring.collectChain(c, scratch)).isEqualTo(2);
        assertThat(scratch[0]).isEqualTo(a);
        assertThat(scratch[1]).isEqualTo(c);
        assertThat(ring.lastChainComplete()).isTrue();
        assertThat(ring.collectChain(b, scratch)).isEqualTo(1);
        assertThat(ring.lastChainComplete()).isTrue();
    }

    @Test
    void oversizePacketsAndBadSizesAreRefused() {
        LookbackRing ring = new LookbackRing(64 * 1024);
        assertThat(ring.append(packet(new byte[20_000], 1), -1)).isEqualTo(-1);
        assertThatThrownBy(() -> new LookbackRing(1024)).hasMessageContaining("between 64KB and 2GB");
        assertThatThrownBy(() -> new LookbackRing(3L << 30)).hasMessageContaining("between 64KB and 2GB");
        long p = ring.append(packet(new byte[100], 1), -1);
        for (int i = 0; i < 2000; i++) {
            ring.append(packet(new byte[1000], i), -1);
        }
        long stale = p;
        assertThatThrownBy(() -> ring.read(stale, new PacketRecord())).hasMessageContaining("no longer held");
    }

    @Test
    void overwritesOfRecordsWhoseOwnerStillWaitsAreCountedExactly() {
        // owners 0..9; odd owners wait for an alert, even ones were armed or ended; owner 7 stops waiting midway
        boolean[] waiting = new boolean[10];
        for (int o = 1; o < 10; o += 2) {
            waiting[o] = true;
        }
        LookbackRing ring = new LookbackRing(64 * 1024, owner -> waiting[(int) owner]);
        Random random = new Random(11);
        Deque<long[]> held = new ArrayDeque<>(); // (position, owner) in append order: the oracle of what is held
        long expectedWaiting = 0;
        long expectedOverwritten = 0;
        for (int i = 0; i < 20_000; i++) {
            if (i == 10_000) {
                waiting[7] = false;
            }
            int owner = random.nextInt(10);
            long pos = ring.append(packet(new byte[40 + random.nextInt(1400)], i), -1, i % 5 == 0 ? LookbackRing.NO_OWNER : owner);
            held.addLast(new long[] {pos, i % 5 == 0 ? LookbackRing.NO_OWNER : owner});
            while (!ring.isHeld(held.peekFirst()[0])) {
                long gone = held.removeFirst()[1];
                expectedOverwritten++;
                if (gone != LookbackRing.NO_OWNER && waiting[(int) gone]) {
                    expectedWaiting++;
                }
            }
        }
        assertThat(ring.overwritten()).isEqualTo(expectedOverwritten).isGreaterThan(10_000);
        assertThat(ring.overwrittenWaiting()).isEqualTo(expectedWaiting).isPositive().isLessThan(expectedOverwritten);
    }
    @Test
    void aPinnedRecordIsNeverOverwrittenAndTheWriterReadsItWhileTheRingWrapsAroundIt() {
        LookbackRing ring = new LookbackRing(64 * 1024);
        long pinned = ring.append(packet(content(7, 0, 1000), 42), -1);
        ring.append(packet(content(7, 1, 1000), 43), pinned);
        ring.pinFrom(pinned);
        int appended = 0;
        long refusedAt = -1;
        for (int i = 0; i < 1000 && refusedAt < 0; i++) {
            long p = ring.append(packet(content(1, i, 500), i), -1);
            if (p == LookbackRing.PINNED) {
                refusedAt = i;
            } else {
                assertThat(p).isNotNegative();
                appended++;
            }
        }
        assertThat(refusedAt).as("the ring refuses once it would overwrite the pin").isPositive();
        assertThat(appended).isGreaterThan(50); // it wrapped over everything before the pin... and stopped at it
        assertThat(ring.isHeld(pinned)).isTrue();
        PacketRecord read = new PacketRecord();
        ring.readHeld(pinned, read);
        byte[] got = new byte[read.capturedLength()];
        read.copyTo(got, 0);
        assertThat(got).isEqualTo(content(7, 0, 1000));
        assertThat(read.timestampNanos()).isEqualTo(42);
        assertThat(ring.heldCapturedLength(pinned)).isEqualTo(1000);
        long overwrittenBefore = ring.overwritten();
        assertThat(ring.append(packet(content(1, 0, 500), 0), -1)).isEqualTo(LookbackRing.PINNED);
        assertThat(ring.overwritten()).as("a refused append changes nothing").isEqualTo(overwrittenBefore);

        ring.pinFrom(Long.MAX_VALUE);
        assertThat(ring.append(packet(content(1, 0, 500), 0), -1)).isNotNegative();
        assertThat(ring.isHeld(pinned)).isFalse();
    }

    @Test
    void aRingWithRecordsPinnedCannotBeTakenOver() {
        LookbackRing old = new LookbackRing(64 * 1024);
        old.pinFrom(old.append(packet(content(1, 0, 100), 1), -1));
        assertThatThrownBy(() -> new LookbackRing(64 * 1024).continueFrom(old)).isInstanceOf(IllegalStateException.class);
    }
}
