package io.flowtrap.probe.extraction;

import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.store.FlowQuery;

/**
 * Builds store queries from the ways a flow is named. The store indexes flows by the first 8 bytes
 * of their Community ID and verifies every packet against the flow's key, so:
 * <ul>
 *   <li>an alert with VLANs asks for its exact key (same tuple on another VLAN is another flow);
 *   <li>an alert without VLANs, or a bare Community ID, asks for the full 20-byte Community ID
 *       (which does not cover VLANs).
 * </ul>
 * Stateless; thread-safe.
 */
public final class FlowQueries {
    private FlowQueries() {}

    /** A query for the flow an alert names; IllegalArgumentException if it names none. */
    public static FlowQuery forAlert(EveAlert alert) {
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
        return new FlowQuery(CommunityId.hash64(digest, 0), key, digest, 0, Long.MAX_VALUE, alert.timestampNanos());
    }

    /** A query for the flow with this Community ID ({@code 1:<base64>}), at any time. */
    public static FlowQuery forCommunityId(String communityId) {
        byte[] digest = CommunityId.parse(communityId);
        return new FlowQuery(CommunityId.hash64(digest, 0), null, digest, 0, Long.MAX_VALUE, 0);
    }
}
