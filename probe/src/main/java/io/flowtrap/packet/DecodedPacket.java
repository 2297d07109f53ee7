package io.flowtrap.packet;

/**
 * What {@link PacketDecoder} learned about one packet: reused for every packet (decode in place,
 * gopacket style), so its fields are plain and mutable. Addresses are kept as 16 bytes each
 * (IPv4 in the first 4, the rest zero), ports as unsigned 16-bit values in ints. Not thread-safe.
 */
public final class DecodedPacket {
    /** 0 when no IP header was found (ARP, LLDP, truncated …): such a packet has no flow. */
    public int ipVersion;
    /** IP protocol number of the transport (after IPv6 extension headers): 6 TCP, 17 UDP, 1 ICMP … */
    public int protocol;
    /** Number of 802.1Q/802.1ad tags seen (0..2; deeper stacks keep the outer two). */
    public int vlanCount;
    /** VLAN ids (12 bits), outer first; 0 where absent. */
    public int vlanOuter;
    public int vlanInner;
    public final byte[] srcAddress = new byte[16];
    public final byte[] dstAddress = new byte[16];
    /** Whether bytes 4..15 of the addresses may be non-zero (an IPv6 packet wrote them since they were zeroed). */
    private boolean addressTailsDirty;
    /** TCP/UDP/SCTP ports; for ICMP/ICMPv6 0 (flows are keyed without type, code or echo id). */
    public int srcPort;
    public int dstPort;
    /** ICMP/ICMPv6 type and code of this packet, -1 otherwise (Community ID needs them). */
    public int icmpType;
    public int icmpCode;
    /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, …); 0 for other protocols. */
    public int tcpFlags;
    /** True when the transport header is present and was parsed (ports are meaningful). */
    public boolean transportParsed;
    /** IP fragment state: any fragment of a fragmented datagram. */
    public boolean fragment;
    /** Fragment offset in bytes (0 for the first fragment). */
    public int fragmentOffset;
    /** IPv4 identification or IPv6 fragment header identification. */
    public long fragmentId;
    /** Offset of the IP header and of the transport payload within the packet record's bytes. */
    public int networkOffset;
    public int payloadOffset;
    public int payloadLength;

    public void clear() {
        ipVersion = 0;
        protocol = 0;
        vlanCount = 0;
        vlanOuter = 0;
        vlanInner = 0;
        // The addresses are left as they are: they mean something only once ipVersion is set, and
        // the setters below write all 16 bytes of each (zeroing 16 bytes twice per packet showed in profiles).
        srcPort = 0;
        dstPort = 0;
        icmpType = -1;
        icmpCode = -1;
        tcpFlags = 0;
        transportParsed = false;
        fragment = false;
        fragmentOffset = 0;
        fragmentId = 0;
        networkOffset = -1;
        payloadOffset = -1;
        payloadLength = 0;
    }

    /** Sets IPv4 addresses (given big-endian, as on the wire), zeroing the 12 bytes after them. */
    void setIpv4Addresses(int src, int dst) {
        putInt(srcAddress, src);
        putInt(dstAddress, dst);
        if (addressTailsDirty) {
            java.util.Arrays.fill(srcAddress, 4, 16, (byte) 0);
            java.util.Arrays.fill(dstAddress, 4, 16, (byte) 0);
            addressTailsDirty = false;
        }
    }

    /** Sets IPv6 addresses from the 16 bytes at {@code src} and at {@code dst} in {@code b}. */
    void setIpv6Addresses(java.nio.ByteBuffer b, int src, int dst) {
        b.get(src, srcAddress, 0, 16);
        b.get(dst, dstAddress, 0, 16);
        addressTailsDirty = true;
    }

    private static void putInt(byte[] a, int v) {
        a[0] = (byte) (v >>> 24);
        a[1] = (byte) (v >>> 16);
        a[2] = (byte) (v >>> 8);
        a[3] = (byte) v;
    }

    /** Length in bytes of each address: 4 for IPv4, 16 for IPv6. */
    public int addressLength() {
        return ipVersion == 6 ? 16 : 4;
    }
}
