package io.flowtrap.store;

import io.flowtrap.packet.FlowKey;

/**
 * Which flow to carve: its 64-bit flow hash (first 8 bytes of its Community ID), optionally the
 * exact key (VLANs included) and/or the full 20-byte Community ID that stored entries must match,
 * a time window for candidate segments, and the time the flow was known to be alive (an alert's
 * timestamp; 0 if unknown), which tells a rotated-out flow from one never stored. Immutable.
 */
public record FlowQuery(long flowHash, byte[] flowKey, byte[] communityId, long fromNanos, long toNanos, long seenAtNanos) {
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
        flowKey = flowKey == null ? null : flowKey.clone();
        communityId = communityId == null ? null : communityId.clone();
    }

    @Override
    public byte[] flowKey() {
        return flowKey == null ? null : flowKey.clone();
    }

    @Override
    public byte[] communityId() {
        return communityId == null ? null : communityId.clone();
    }

    boolean matchesKey(byte[] key, int off) {
        return flowKey == null || FlowKey.equals(flowKey, 0, key, off);
    }

    boolean matchesCommunityId(byte[] cid, int off) {
        return communityId == null || java.util.Arrays.equals(communityId, 0, 20, cid, off, off + 20);
    }
}
