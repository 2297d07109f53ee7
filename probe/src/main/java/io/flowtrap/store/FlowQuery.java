package io.flowtrap.store;

import io.flowtrap.packet.FlowKey;

/**
 * Which flow to carve: its 64-bit flow hash (first 8 bytes of its Community ID), optionally the
 * exact key (VLANs included) and/or the full 20-byte Community ID that stored entries must match,
 * a time window for candidate segments, the time the flow was known to be alive (an alert's
 * timestamp; 0 if unknown), which tells a rotated-out flow from one never stored, and the longest
 * gap between two packets of the flow ({@code maxGapNanos}; {@link Long#MAX_VALUE} if unknown).
 *
 * <p>The window picks segments: a segment that holds no packet stamped within [from, to] is not
 * searched. With a known {@code seenAtNanos} and gap, the extractor also stops walking segments
 * once none of the remaining ones starts before max(seenAt, the flow's last packet found so far)
 * + gap: the flow would have ended before any of their packets. Immutable.
 */
public record FlowQuery(
        long flowHash, byte[] flowKey, byte[] communityId, long fromNanos, long toNanos, long seenAtNanos, long maxGapNanos) {
    public FlowQuery {
        if (flowKey != null && flowKey.length != FlowKey.SIZE) {
            throw new IllegalArgumentException("a flow key has " + FlowKey.SIZE + " bytes, not " + flowKey.length);
        }
        if (communityId != null && communityId.length != 20) {
            throw new IllegalArgumentException("a Community ID digest has 20 bytes, not " + communityId.length);
        }
        if (fromNanos > toNanos) {
            throw new IllegalArgumentException("empty time window: " + fromNanos + " > " + toNanos);
        }
        if (maxGapNanos < 0) {
            throw new IllegalArgumentException("negative gap: " + maxGapNanos);
        }
        flowKey = flowKey == null ? null : flowKey.clone();
        communityId = communityId == null ? null : communityId.clone();
    }

    /** A query without a gap bound: every segment the window admits is searched. */
    public FlowQuery(long flowHash, byte[] flowKey, byte[] communityId, long fromNanos, long toNanos, long seenAtNanos) {
        this(flowHash, flowKey, communityId, fromNanos, toNanos, seenAtNanos, Long.MAX_VALUE);
    }

    @Override
    public byte[] flowKey() {
        return flowKey == null ? null : flowKey.clone();
    }

    @Override
    public byte[] communityId() {
        return communityId == null ? null : communityId.clone();
    }

    /**
     * The latest time a packet of the flow can have, given the last one found so far
     * ({@link Long#MIN_VALUE} if none): {@code toNanos}, or earlier when the gap bound applies.
     */
    long walkLimit(long lastFoundNanos) {
        if (seenAtNanos == 0 || maxGapNanos == Long.MAX_VALUE) {
            return toNanos;
        }
        long base = Math.max(seenAtNanos, lastFoundNanos);
        long limit = base > Long.MAX_VALUE - maxGapNanos ? Long.MAX_VALUE : base + maxGapNanos;
        return Math.min(limit, toNanos);
    }

    boolean matchesKey(byte[] key, int off) {
        return flowKey == null || FlowKey.equals(flowKey, 0, key, off);
    }

    boolean matchesCommunityId(byte[] cid, int off) {
        return communityId == null || java.util.Arrays.equals(communityId, 0, 20, cid, off, off + 20);
    }
}
