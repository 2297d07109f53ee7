package io.flowtrap.packet;

/**
 * Tells which flow a packet belongs to: decodes it in place ({@link PacketDecoder}), sends non-first
 * IP fragments to the flow of their first fragment, and writes the canonical {@link FlowKey}. Used by
 * the capture path and by the store's recovery, so both agree on every packet's flow.
 *
 * <p>Stateful (it remembers recent first fragments) and not thread-safe: one per thread.
 */
public final class FlowResolver {

    /**
     * Resolves the flow of {@code packet}: writes its key into {@code key[keyOffset, keyOffset +
     * FlowKey.SIZE)} and returns true, or returns false when the packet has no flow (no IP header,
     * truncated, or a non-first fragment whose first fragment was never seen). Allocates nothing.
     */
    public boolean resolve(PacketRecord packet, byte[] key, int keyOffset) {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** The decoded headers of the packet last passed to {@link #resolve}. */
    public DecodedPacket decoded() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /**
     * Community ID v1 (seed 0) of the flow of the packet last resolved, as the 20-byte SHA-1 digest
     * written to {@code out[outOffset, outOffset + 20)}. For ICMP the packet's type and code take
     * the place of ports, as the spec says. Allocates nothing.
     */
    public void communityId(byte[] out, int outOffset) {
        throw new UnsupportedOperationException("to be implemented");
    }
}
