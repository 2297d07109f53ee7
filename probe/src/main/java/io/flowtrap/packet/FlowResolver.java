package io.flowtrap.packet;

import java.util.Arrays;

/**
 * Tells which flow a packet belongs to: decodes it in place ({@link PacketDecoder}), sends non-first
 * IP fragments to the flow of their first fragment, and writes the canonical {@link FlowKey}. Used by
 * the capture path and by the store's recovery, so both agree on every packet's flow.
 *
 * <p>ICMP and ICMPv6 flows are keyed without type, code or echo id (ports 0), as Suricata keys them,
 * so an alert's flow is found; their Community ID still uses type and code, as the spec says.
 *
 * <p>First fragments are remembered in a bounded table of {@value #DEFAULT_FRAGMENT_SLOTS} slots
 * keyed by (version, source, destination, protocol, fragment id); a slot is overwritten by a newer
 * first fragment hashing to it, so memory is fixed. A non-first fragment whose first fragment is not
 * there has no flow: it is counted ({@link #orphanFragments()}).
 *
 * <p>Stateful and not thread-safe: one per thread. Allocates nothing per packet.
 */
public final class FlowResolver {
    public static final int DEFAULT_FRAGMENT_SLOTS = 4096;
    /** version | protocol | 16 src | 16 dst | 4 id */
    private static final int FRAG_KEY = 38;

    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket decoded = new DecodedPacket();
    private final CommunityId communityId = new CommunityId();
    private final int seed;

    private final int slotMask;
    private final byte[] fragKeys;
    private final boolean[] fragUsed;
    private final int[] fragSrcPort;
    private final int[] fragDstPort;
    private final byte[] probe = new byte[FRAG_KEY];

    private int cidSrcPort;
    private int cidDstPort;
    private long firstFragments;
    private long resolvedFragments;
    private long orphanFragments;

    private boolean fromLow;

    public FlowResolver() {
        this(0, DEFAULT_FRAGMENT_SLOTS);
    }

    /** @param fragmentSlots rounded up to a power of two */
    public FlowResolver(int communityIdSeed, int fragmentSlots) {
        if (fragmentSlots < 1 || fragmentSlots > 1 << 24) {
            throw new IllegalArgumentException("fragment slots must be in 1..16M, not " + fragmentSlots);
        }
        this.seed = communityIdSeed;
        int slots = fragmentSlots == 1 ? 1 : Integer.highestOneBit(fragmentSlots - 1) << 1;
        slotMask = slots - 1;
        fragKeys = new byte[slots * FRAG_KEY];
        fragUsed = new boolean[slots];
        fragSrcPort = new int[slots];
        fragDstPort = new int[slots];
    }

    /**
     * Resolves the flow of {@code packet}: writes its key into {@code key[keyOffset, keyOffset +
     * FlowKey.SIZE)} and returns true, or returns false when the packet has no flow (no IP header,
     * truncated, or a non-first fragment whose first fragment was never seen). Allocates nothing.
     */
    public boolean resolve(PacketRecord packet, byte[] key, int keyOffset) {
        DecodedPacket p = decoded;
        if (!decoder.decode(packet, p)) {
            return false;
        }
        boolean icmp = p.protocol == PacketDecoder.PROTO_ICMP || p.protocol == PacketDecoder.PROTO_ICMPV6;
        int src = icmp ? p.icmpType : p.srcPort;
        int dst = icmp ? p.icmpCode : p.dstPort;
        if (p.fragment) {
            int slot = fragmentSlot(p);
            if (p.fragmentOffset == 0) {
                System.arraycopy(probe, 0, fragKeys, slot * FRAG_KEY, FRAG_KEY);
                fragUsed[slot] = true;
                fragSrcPort[slot] = src;
                fragDstPort[slot] = dst;
                firstFragments++;
            } else if (fragUsed[slot] && Arrays.equals(probe, 0, FRAG_KEY, fragKeys, slot * FRAG_KEY,
                    (slot + 1) * FRAG_KEY)) {
                src = fragSrcPort[slot];
                dst = fragDstPort[slot];
                resolvedFragments++;
            } else {
                orphanFragments++;
                return false;
            }
        }
        cidSrcPort = Math.max(src, 0);
        cidDstPort = Math.max(dst, 0);
        fromLow = FlowKey.write(p, icmp ? 0 : src, icmp ? 0 : dst, key, keyOffset);
        return true;
    }

    /** Fills {@link #probe} with the fragment key of {@code p} and returns its slot. */
    private int fragmentSlot(DecodedPacket p) {
        byte[] k = probe;
        k[0] = (byte) p.ipVersion;
        k[1] = (byte) p.protocol;
        System.arraycopy(p.srcAddress, 0, k, 2, 16);
        System.arraycopy(p.dstAddress, 0, k, 18, 16);
        long id = p.fragmentId;
        k[34] = (byte) (id >>> 24);
        k[35] = (byte) (id >>> 16);
        k[36] = (byte) (id >>> 8);
        k[37] = (byte) id;
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < FRAG_KEY; i++) {
            h = (h ^ (k[i] & 0xFF)) * 0x100000001B3L;
        }
        h ^= h >>> 29;
        return (int) h & slotMask;
    }

    /** Whether the packet last resolved travels from its key's low endpoint to the high one. */
    public boolean lastFromLow() {
        return fromLow;
    }

    /** The source "port" of the packet last resolved as its Community ID takes it (ICMP: the type). */
    public int lastCommunityIdSrcPort() {
        return cidSrcPort;
    }

    /** The destination "port" of the packet last resolved as its Community ID takes it (ICMP: the code). */
    public int lastCommunityIdDstPort() {
        return cidDstPort;
    }

    /**
     * Community ID v1 of a flow given a packet decoded elsewhere ({@link PacketDecoder}) and the
     * ports {@link #lastCommunityIdSrcPort}/{@link #lastCommunityIdDstPort} gave for it when it was
     * resolved (a non-first fragment carries none of its own). Uses this resolver's seed and digest.
     */
    public void communityId(DecodedPacket p, int srcPort, int dstPort, byte[] out, int outOffset) {
        communityId.compute(seed, p, srcPort, dstPort, out, outOffset);
    }

    /** The decoded headers of the packet last passed to {@link #resolve}. */
    public DecodedPacket decoded() {
        return decoded;
    }

    /**
     * Community ID v1 (seed 0 unless configured) of the flow of the packet last resolved, as the
     * 20-byte SHA-1 digest written to {@code out[outOffset, outOffset + 20)}. For ICMP the packet's
     * type and code take the place of ports, as the spec says. Allocates nothing.
     */
    public void communityId(byte[] out, int outOffset) {
        communityId.compute(seed, decoded, cidSrcPort, cidDstPort, out, outOffset);
    }

    /** First fragments seen (offset 0, more-fragments set). */
    public long firstFragments() {
        return firstFragments;
    }

    /** Non-first fragments sent to the flow of their first fragment. */
    public long resolvedFragments() {
        return resolvedFragments;
    }

    /** Non-first fragments whose first fragment was not seen (or was overwritten): no flow. */
    public long orphanFragments() {
        return orphanFragments;
    }
}
