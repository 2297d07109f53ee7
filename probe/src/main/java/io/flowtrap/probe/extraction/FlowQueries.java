package io.flowtrap.probe.extraction;

import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.store.FlowQuery;
import java.time.Duration;

/**
 * Builds store queries from the ways a flow is named. The store indexes flows by the first 8 bytes
 * of their Community ID and verifies every packet against the flow's key, so:
 * <ul>
 *   <li>an alert with VLANs asks for its exact key (same tuple on another VLAN is another flow);
 *   <li>an alert without VLANs, or a bare Community ID, asks for the full 20-byte Community ID
 *       (which does not cover VLANs).
 * </ul>
 * An alert also bounds the time to search: the flow's packets are never before its
 * {@code flow.start} (less {@link #CLOCK_SLACK}, for the microseconds Suricata writes and two
 * capture clocks), and no two of them are further apart than the flow table lets a flow idle:
 * it ends a flow between one and two idle timeouts after its last packet (FlowTable), so the gap
 * is at most twice the longest idle timeout, plus the slack. The store then searches only the
 * segments from the flow's start to its last packet plus that gap. Stateless; thread-safe.
 */
public final class FlowQueries {
    /** How far the probe's and Suricata's timestamps of one packet may be apart. */
    public static final Duration CLOCK_SLACK = Duration.ofSeconds(2);

    private FlowQueries() {}

    /**
     * A query for the flow an alert names; IllegalArgumentException if it names none.
     *
     * @param longestIdleTimeout the longest flow idle timeout the probe that stored it runs with
     */
    public static FlowQuery forAlert(EveAlert alert, Duration longestIdleTimeout) {
        if (alert.communityId() == null) {
            throw new IllegalArgumentException("the alert (sid " + alert.signatureId()
                    + ") has no community_id: enable community-id in Suricata's eve-log");
        }
        byte[] digest = CommunityId.parse(alert.communityId());
        byte[] key = null;
        if (alert.vlanCount() > 0) {
            key = new byte[FlowKey.SIZE];
            alert.writeFlowKey(key, 0);
        }
        return forFlowSeen(digest, key, alert.flowStartNanos(), alert.timestampNanos(), longestIdleTimeout);
    }

    /**
     * A query for a flow seen alive at {@code seenAtNanos} that started at {@code flowStartNanos}
     * (0 if unknown), as an alert on it asks: its Community ID digest, and its exact key or null.
     */
    public static FlowQuery forFlowSeen(byte[] communityId, byte[] key, long flowStartNanos, long seenAtNanos,
            Duration longestIdleTimeout) {
        long slack = CLOCK_SLACK.toNanos();
        long start = flowStartNanos == 0 ? 0 : Math.min(flowStartNanos, seenAtNanos);
        long from = Math.max(0, start - slack);
        long gap = Math.multiplyExact(2, longestIdleTimeout.toNanos()) + slack;
        return new FlowQuery(CommunityId.hash64(communityId, 0), key, communityId, from, Long.MAX_VALUE, seenAtNanos, gap);
    }

    /** A query for the flow with this Community ID ({@code 1:<base64>}), at any time. */
    public static FlowQuery forCommunityId(String communityId) {
        return forCommunityId(communityId, 0, Long.MAX_VALUE);
    }

    /**
     * A query for the flow with this Community ID in the segments holding packets stamped within
     * [fromNanos, toNanos]; IllegalArgumentException for an empty window.
     */
    public static FlowQuery forCommunityId(String communityId, long fromNanos, long toNanos) {
        byte[] digest = CommunityId.parse(communityId);
        return new FlowQuery(CommunityId.hash64(digest, 0), null, digest, fromNanos, toNanos, 0);
    }
}
