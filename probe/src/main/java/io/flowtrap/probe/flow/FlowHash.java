package io.flowtrap.probe.flow;

import io.flowtrap.packet.FlowKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * Keyed SipHash-1-3 (the PRF Rust's and Python's hash tables use against hash flooding) over flow
 * keys and 64-bit values, for the flow table's indexes. Anyone on the wire picks the addresses and
 * ports the probe hashes; with an unkeyed hash they could pick thousands of flows for one probe run
 * and make each packet's lookup walk them. The key is drawn from {@link SecureRandom} per table, so
 * index positions are neither predictable nor the same in two processes (never persist a hash).
 *
 * <p>{@link #hashKey} reads a {@value FlowKey#SIZE}-byte key as little-endian words, without a byte
 * loop: an IPv6 key as all its 44 bytes; an IPv4 key as the {@value #IPV4_MESSAGE} bytes that can differ
 * between IPv4 keys (the first 8, the two 4-byte addresses, the ports: {@link FlowKey} leaves the rest
 * of each address zero), so it takes three message rounds instead of six. Either is exactly SipHash-1-3
 * of that message. Allocation-free; thread-safe (immutable).
 */
public final class FlowHash {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int KEY_WORDS = FlowKey.SIZE / 8; // 5 whole words, then 4 bytes and the length
    private static final int IPV4_MESSAGE = 20;
    private static final int IPV4_WORDS = 3; // 2 whole words, then the ports and the length

    private final long k0;
    private final long k1;

    /** A hash with a fresh random key. */
    public static FlowHash random() {
        SecureRandom random = new SecureRandom();
        return new FlowHash(random.nextLong(), random.nextLong());
    }

    /** A hash with the given 128-bit key (k0 = its first 8 bytes little-endian, k1 the next 8). */
    public FlowHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** SipHash-1-3 of the key at {@code key[off..]}: of its 44 bytes, or of an IPv4 key's 20 that can differ. */
    public long hashKey(byte[] key, int off) {
        return sipHash13(key, off, key[off + FlowKey.OFF_VERSION] == 4 ? IPV4_WORDS : KEY_WORDS + 1, 0);
    }

    /** SipHash-1-3 of the 8 bytes of {@code value}, little-endian. */
    public long hashLong(long value) {
        return sipHash13(null, 0, 2, value);
    }

    /**
     * SipHash-1-3 of a flow key ({@code key} not null; {@code words} says which message) or of one
     * long: one SipRound per message word (the last word holds the message length in its top byte),
     * then three to finish, all in one loop so the round is written once.
     */
    private long sipHash13(byte[] key, int off, int words, long value) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        for (int i = 0; i < words + 3; i++) {
            long m = 0;
            if (i < words) {
                m = key == null ? (i == 0 ? value : 8L << 56)
                        : words == IPV4_WORDS ? ipv4Word(key, off, i)
                        : i < KEY_WORDS ? (long) LONGS.get(key, off + 8 * i)
                        : ((long) FlowKey.SIZE << 56) | ((int) INTS.get(key, off + 8 * KEY_WORDS) & 0xFFFF_FFFFL);
                v3 ^= m;
            }
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            if (i < words) {
                v0 ^= m;
                if (i == words - 1) {
                    v2 ^= 0xFF; // the message is in: the finishing rounds follow
                }
            }
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** Word {@code i} of an IPv4 key's message: bytes 0-7; the low and the high address; the ports and the length. */
    private static long ipv4Word(byte[] key, int off, int i) {
        return switch (i) {
            case 0 -> (long) LONGS.get(key, off);
            case 1 -> ((int) INTS.get(key, off + FlowKey.OFF_LOW_ADDRESS) & 0xFFFF_FFFFL)
                    | (long) (int) INTS.get(key, off + FlowKey.OFF_HIGH_ADDRESS) << 32;
            default -> ((long) IPV4_MESSAGE << 56) | ((int) INTS.get(key, off + FlowKey.OFF_LOW_PORT) & 0xFFFF_FFFFL);
        };
    }
}
