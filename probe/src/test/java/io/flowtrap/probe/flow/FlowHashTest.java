package io.flowtrap.probe.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.FlowKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class FlowHashTest {

    /** SipHash-c-d over any bytes, written from the paper's description, byte by byte. */
    private static long sipHash(int c, int d, long k0, long k1, byte[] m) {
        long[] v = {k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL, k0 ^ 0x6c7967656e657261L, k1 ^ 0x7465646279746573L};
        int whole = m.length / 8 * 8;
        for (int i = 0; i <= whole; i += 8) {
            long word = 0;
            if (i < whole) {
                for (int b = 7; b >= 0; b--) {
                    word = word << 8 | (m[i + b] & 0xFF);
                }
            } else {
                word = (long) (m.length & 0xFF) << 56;
                for (int b = m.length - whole - 1; b >= 0; b--) {
                    word |= (long) (m[whole + b] & 0xFF) << (8 * b);
                }
            }
            v[3] ^= word;
            for (int r = 0; r < c; r++) {
                round(v);
            }
            v[0] ^= word;
        }
        v[2] ^= 0xFF;
        for (int r = 0; r < d; r++) {
            round(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void round(long[] v) {
        v[0] += v[1]; v[1] = Long.rotateLeft(v[1], 13); v[1] ^= v[0]; v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3]; v[3] = Long.rotateLeft(v[3], 16); v[3] ^= v[2];
        v[0] += v[3]; v[3] = Long.rotateLeft(v[3], 21); v[3] ^= v[0];
        v[2] += v[1]; v[1] = Long.rotateLeft(v[1], 17); v[1] ^= v[2]; v[2] = Long.rotateLeft(v[2], 32);
    }

    @Test
    void theReferenceImplementationMatchesThePapersSipHash24Vector() {
        // Aumasson & Bernstein, "SipHash: a fast short-input PRF", appendix A: key 00..0f, message 00..0e.
        byte[] message = new byte[15];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
        assertThat(sipHash(2, 4, 0x0706050403020100L, 0x0f0e0d0c0b0a0908L, message)).isEqualTo(0xa129ca6149be45e5L);
    }

    @Test
    void flowKeysAndLongsHashAsSipHash13OfTheirBytes() {
        Random random = new Random(3);
        for (int n = 0; n < 1_000; n++) {
            long k0 = random.nextLong();
            long k1 = random.nextLong();
            FlowHash hash = new FlowHash(k0, k1);
            byte[] buffer = new byte[FlowKey.SIZE + 7];
            random.nextBytes(buffer);
            int off = random.nextInt(8); // keys sit at any offset in the caller's array
            buffer[off + FlowKey.OFF_VERSION] = 6;
            byte[] key = java.util.Arrays.copyOfRange(buffer, off, off + FlowKey.SIZE);
            assertThat(hash.hashKey(buffer, off)).as("an IPv6 key: its 44 bytes").isEqualTo(sipHash(1, 3, k0, k1, key));
            buffer[off + FlowKey.OFF_VERSION] = 4;
            java.util.Arrays.fill(buffer, off + FlowKey.OFF_LOW_ADDRESS + 4, off + FlowKey.OFF_HIGH_ADDRESS, (byte) 0);
            java.util.Arrays.fill(buffer, off + FlowKey.OFF_HIGH_ADDRESS + 4, off + FlowKey.OFF_LOW_PORT, (byte) 0);
            byte[] ipv4Message = ByteBuffer.allocate(20).put(buffer, off, 8).put(buffer, off + FlowKey.OFF_LOW_ADDRESS, 4)
                    .put(buffer, off + FlowKey.OFF_HIGH_ADDRESS, 4).put(buffer, off + FlowKey.OFF_LOW_PORT, 4).array();
            assertThat(hash.hashKey(buffer, off)).as("an IPv4 key: the 20 bytes that can differ")
                    .isEqualTo(sipHash(1, 3, k0, k1, ipv4Message));
            long value = random.nextLong();
            byte[] le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
            assertThat(hash.hashLong(value)).isEqualTo(sipHash(1, 3, k0, k1, le));
        }
    }

    @Test
    void twoTablesPlaceTheSameKeysDifferently() {
        FlowHash a = FlowHash.random();
        FlowHash b = FlowHash.random();
        byte[] key = new byte[FlowKey.SIZE];
        Set<Long> differences = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            key[8] = (byte) i;
            differences.add(a.hashKey(key, 0) ^ b.hashKey(key, 0));
        }
        assertThat(differences).hasSize(100).doesNotContain(0L);
    }

    @Test
    @Tag("hostile-input")
    void keysCraftedToShareAnIndexPositionUnderOneKeyScatterUnderTheProbesOwn() {
        // What an attacker who knew (or guessed) a table's key could send: 64 flows whose hashes share
        // their top 12 bits, i.e. one home position in a 4,096-entry index. A table keyed at random
        // places them as it would any 64 flows.
        FlowHash known = new FlowHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);
        FlowHash probes = FlowHash.random();
        byte[] key = new byte[FlowKey.SIZE];
        key[0] = 4;
        key[1] = 6;
        Set<Long> homesUnderKnown = new HashSet<>();
        Set<Long> homesUnderProbes = new HashSet<>();
        int crafted = 0;
        for (int port = 0; crafted < 64; port++) {
            key[8] = (byte) (port >>> 24);
            key[9] = (byte) (port >>> 16);
            key[40] = (byte) (port >>> 8);
            key[41] = (byte) port;
            if (known.hashKey(key, 0) >>> 52 == 0xABC) {
                crafted++;
                homesUnderKnown.add(known.hashKey(key, 0) >>> 52);
                homesUnderProbes.add(probes.hashKey(key, 0) >>> 52);
            }
        }
        assertThat(homesUnderKnown).hasSize(1);
        // 64 draws among 4,096 positions: about 63.5 distinct on average; fewer than 56 is far out
        assertThat(homesUnderProbes).hasSizeGreaterThan(56);
    }
}
