package io.flowtrap.probe.alert;

import io.flowtrap.packet.FlowKey;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * What the probe needs of one Suricata EVE alert. Built by {@link EveAlertParser}; immutable and
 * thread-safe (array components are copied in and out).
 *
 * @param timestampNanos the alert's {@code timestamp}, nanoseconds since the epoch (UTC)
 * @param communityId Community ID v1 ({@code "1:…"}): Suricata's, or computed by the parser from the
 *     tuple when Suricata wrote none (null only for alerts built in code without one)
 * @param ipVersion 4 or 6
 * @param srcAddress 16 bytes; an IPv4 address in the first 4, the rest 0 (as {@code DecodedPacket})
 * @param srcPort 0 for ICMP/ICMPv6 and protocols without ports
 * @param destAddress 16 bytes, like {@code srcAddress}
 * @param destPort 0 for ICMP/ICMPv6 and protocols without ports
 * @param protocol IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, …)
 * @param vlans EVE's {@code vlan} array, outer first; empty without VLANs
 * @param signatureId {@code alert.signature_id}
 * @param signature {@code alert.signature}, "" if absent
 * @param flowId Suricata's {@code flow_id} (an internal hash, not stable across runs), or null
 * @param pcapCnt {@code pcap_cnt} (packet number, offline mode only), or null
 * @param pktsToServer {@code flow.pkts_toserver}, 0 if absent
 * @param pktsToClient {@code flow.pkts_toclient}, 0 if absent
 * @param flowStartNanos {@code flow.start} (the flow's first packet as Suricata saw it),
 *     nanoseconds since the epoch, 0 if absent
 * @param sensor the {@code host} field (Suricata's sensor-name, or the probe name added by the
 *     manager), or null
 * @param json the original JSON line, as received
 */
public record EveAlert(
        long timestampNanos,
        String communityId,
        int ipVersion,
        byte[] srcAddress,
        int srcPort,
        byte[] destAddress,
        int destPort,
        int protocol,
        int[] vlans,
        long signatureId,
        String signature,
        Long flowId,
        Long pcapCnt,
        long pktsToServer,
        long pktsToClient,
        long flowStartNanos,
        String sensor,
        String json) {

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;
    public static final int PROTO_SCTP = 132;

    /** An alert without {@code flow.start}. */
    public EveAlert(long timestampNanos, String communityId, int ipVersion, byte[] srcAddress, int srcPort,
            byte[] destAddress, int destPort, int protocol, int[] vlans, long signatureId, String signature, Long flowId,
            Long pcapCnt, long pktsToServer, long pktsToClient, String sensor, String json) {
        this(timestampNanos, communityId, ipVersion, srcAddress, srcPort, destAddress, destPort, protocol, vlans,
                signatureId, signature, flowId, pcapCnt, pktsToServer, pktsToClient, 0, sensor, json);
    }

    public EveAlert {
        if (ipVersion != 4 && ipVersion != 6) {
            throw new IllegalArgumentException("ipVersion must be 4 or 6: " + ipVersion);
        }
        srcAddress = address(srcAddress, ipVersion, "srcAddress");
        destAddress = address(destAddress, ipVersion, "destAddress");
        checkPort(srcPort, "srcPort");
        checkPort(destPort, "destPort");
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("protocol out of range: " + protocol);
        }
        vlans = vlans == null ? new int[0] : vlans.clone();
        for (int v : vlans) {
            if (v < 0 || v > 4095) {
                throw new IllegalArgumentException("vlan id out of range: " + v);
            }
        }
        signature = signature == null ? "" : signature;
        Objects.requireNonNull(json, "json");
    }

    private static byte[] address(byte[] a, int ipVersion, String name) {
        Objects.requireNonNull(a, name);
        if (a.length != 16) {
            throw new IllegalArgumentException(name + " must be 16 bytes: " + a.length);
        }
        if (ipVersion == 4) {
            for (int i = 4; i < 16; i++) {
                if (a[i] != 0) {
                    throw new IllegalArgumentException(name + ": IPv4 address with bytes after the first 4");
                }
            }
        }
        return a.clone();
    }

    private static void checkPort(int port, String name) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " out of range: " + port);
        }
    }

    /** A copy of the 16-byte source address. */
    @Override
    public byte[] srcAddress() {
        return srcAddress.clone();
    }

    /** A copy of the 16-byte destination address. */
    @Override
    public byte[] destAddress() {
        return destAddress.clone();
    }

    /** A copy of the VLAN ids, outer first. */
    @Override
    public int[] vlans() {
        return vlans.clone();
    }

    /** Number of VLAN tags (without copying). */
    public int vlanCount() {
        return vlans.length;
    }

    /** VLAN id at depth {@code i} (0 = outer), without copying. */
    public int vlan(int i) {
        return vlans[i];
    }

    /**
     * Writes this alert's canonical, direction-free flow key ({@link FlowKey#SIZE} bytes) into
     * {@code dst[off…]}, keyed on the first two VLAN ids as the flow table keys packets. Allocates
     * nothing.
     */
    public void writeFlowKey(byte[] dst, int off) {
        int count = Math.min(vlans.length, 2);
        int outer = count > 0 ? vlans[0] : 0;
        int inner = count > 1 ? vlans[1] : 0;
        FlowKey.write(ipVersion, protocol, count, outer, inner, srcAddress, srcPort, destAddress, destPort, dst, off);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EveAlert a
                && timestampNanos == a.timestampNanos
                && ipVersion == a.ipVersion
                && srcPort == a.srcPort
                && destPort == a.destPort
                && protocol == a.protocol
                && signatureId == a.signatureId
                && pktsToServer == a.pktsToServer
                && pktsToClient == a.pktsToClient
                && flowStartNanos == a.flowStartNanos
                && Arrays.equals(srcAddress, a.srcAddress)
                && Arrays.equals(destAddress, a.destAddress)
                && Arrays.equals(vlans, a.vlans)
                && Objects.equals(communityId, a.communityId)
                && signature.equals(a.signature)
                && Objects.equals(flowId, a.flowId)
                && Objects.equals(pcapCnt, a.pcapCnt)
                && Objects.equals(sensor, a.sensor)
                && json.equals(a.json);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(timestampNanos, communityId, ipVersion, srcPort, destPort, protocol, signatureId,
                flowId, pcapCnt, pktsToServer, pktsToClient, flowStartNanos, sensor, signature, json);
        h = 31 * h + Arrays.hashCode(srcAddress);
        h = 31 * h + Arrays.hashCode(destAddress);
        return 31 * h + Arrays.hashCode(vlans);
    }

    /** A short form for logs (no JSON). */
    @Override
    public String toString() {
        return "EveAlert[sid=" + signatureId + " proto=" + protocol
                + (vlans.length > 0 ? " vlan=" + Arrays.toString(vlans) : "")
                + " " + addressString(srcAddress) + ":" + srcPort + " -> " + addressString(destAddress) + ":" + destPort
                + " ts=" + timestampNanos + " community_id=" + communityId + " flow_id=" + flowId
                + " pcap_cnt=" + pcapCnt + " host=" + sensor + "]";
    }

    private String addressString(byte[] a) {
        try {
            return InetAddress.getByAddress(ipVersion == 4 ? Arrays.copyOf(a, 4) : a).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
        }
    }
}
