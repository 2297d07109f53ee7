package io.flowtrap.packet;

import java.nio.ByteBuffer;

/**
 * Finds the headers a flow needs in one captured packet, in place: link layer (Ethernet with up to
 * any number of 802.1Q / 802.1ad / 0x9100 tags, the outer two kept; raw IP; Linux cooked SLL and
 * SLL2), IPv4 (options, fragments), IPv6 (hop-by-hop, routing, fragment, destination options, AH,
 * mobility, HIP and shim6 extension headers), then TCP, UDP, SCTP ports or ICMP/ICMPv6 type and code.
 * Any other protocol over IP gives addresses only. A non-first fragment carries no transport header,
 * so it gets none (its flow is found by {@link FlowResolver}).
 *
 * <p>Never throws and allocates nothing, whatever the bytes: every read is bounds-checked against
 * the captured length, and a packet cut short keeps what was learned before the cut. Stateless and
 * thread-safe; the {@link DecodedPacket} it fills is not.
 */
public final class PacketDecoder {
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int LINKTYPE_RAW = 101;
    /** DLT_RAW as some BSDs number it in pcap files. */
    public static final int LINKTYPE_RAW_BSD_12 = 12;
    public static final int LINKTYPE_RAW_BSD_14 = 14;
    public static final int LINKTYPE_LINUX_SLL = 113;
    public static final int LINKTYPE_LINUX_SLL2 = 276;

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86DD;
    static final int ETHERTYPE_8021Q = 0x8100;
    static final int ETHERTYPE_8021AD = 0x88A8;
    static final int ETHERTYPE_QINQ_9100 = 0x9100;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_SCTP = 132;
    public static final int PROTO_ICMPV6 = 58;
    static final int IPV6_HOP_BY_HOP = 0;
    static final int IPV6_ROUTING = 43;
    static final int IPV6_FRAGMENT = 44;
    static final int IPV6_AH = 51;
    static final int IPV6_NO_NEXT = 59;
    static final int IPV6_DEST_OPTS = 60;
    static final int IPV6_MOBILITY = 135;
    static final int IPV6_HIP = 139;
    static final int IPV6_SHIM6 = 140;
    /** More extension headers than this is not a packet anyone sends; stop looking. */
    private static final int MAX_EXTENSION_HEADERS = 16;

    /**
     * Decodes {@code rec} into {@code out} (cleared first). Returns true if an IP header (with its
     * addresses) was found; {@code out.transportParsed} tells whether ports/ICMP fields are known.
     */
    public boolean decode(PacketRecord rec, DecodedPacket out) {
        out.clear();
        ByteBuffer b = rec.buffer();
        if (b == null) {
            return false;
        }
        int base = rec.offset();
        int caplen = rec.capturedLength();
        if (base < 0 || caplen <= 0 || base > b.limit()) {
            return false;
        }
        int end = (int) Math.min((long) base + caplen, b.limit());
        switch (rec.linkType()) {
            case LINKTYPE_ETHERNET:
                return ethernet(b, base, base, end, out);
            case LINKTYPE_RAW:
            case LINKTYPE_RAW_BSD_12:
            case LINKTYPE_RAW_BSD_14:
                return ipAnyVersion(b, base, base, end, out);
            case LINKTYPE_LINUX_SLL:
                // 16 bytes: packet type, ARPHRD, address length, 8 address bytes, protocol (ethertype)
                return end - base >= 16 && ethertype(b, base, u16(b, base + 14), base + 16, end, out);
            case LINKTYPE_LINUX_SLL2:
                // 20 bytes: protocol (ethertype) first, then interface index, ARPHRD, type, addresses
                return end - base >= 20 && ethertype(b, base, u16(b, base), base + 20, end, out);
            default:
                return false;
        }
    }

    private static boolean ethernet(ByteBuffer b, int base, int p, int end, DecodedPacket out) {
        if (end - p < 14) {
            return false;
        }
        return ethertype(b, base, u16(b, p + 12), p + 14, end, out);
    }

    /** Follows VLAN tags from an ethertype at {@code p} to the network header. */
    private static boolean ethertype(ByteBuffer b, int base, int type, int p, int end, DecodedPacket out) {
        while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD || type == ETHERTYPE_QINQ_9100) {
            if (end - p < 4) {
                return false;
            }
            int vid = u16(b, p) & 0x0FFF;
            if (out.vlanCount == 0) {
                out.vlanOuter = vid;
                out.vlanCount = 1;
            } else if (out.vlanCount == 1) {
                out.vlanInner = vid;
                out.vlanCount = 2;
            }
            type = u16(b, p + 2);
            p += 4;
        }
        if (type == ETHERTYPE_IPV4) {
            return ipv4(b, base, p, end, out);
        }
        if (type == ETHERTYPE_IPV6) {
            return ipv6(b, base, p, end, out);
        }
        return false;
    }

    private static boolean ipAnyVersion(ByteBuffer b, int base, int p, int end, DecodedPacket out) {
        if (end - p < 1) {
            return false;
        }
        int version = (b.get(p) & 0xFF) >>> 4;
        if (version == 4) {
            return ipv4(b, base, p, end, out);
        }
        if (version == 6) {
            return ipv6(b, base, p, end, out);
        }
        return false;
    }

    private static boolean ipv4(ByteBuffer b, int base, int p, int end, DecodedPacket out) {
        if (end - p < 20) {
            return false;
        }
        int vihl = b.get(p) & 0xFF;
        int ihl = (vihl & 0x0F) * 4;
        if (vihl >>> 4 != 4 || ihl < 20) {
            return false;
        }
        out.ipVersion = 4;
        out.networkOffset = p - base;
        out.protocol = b.get(p + 9) & 0xFF;
        out.setIpv4Addresses(u32(b, p + 12), u32(b, p + 16));
        int flagsOffset = u16(b, p + 6);
        boolean more = (flagsOffset & 0x2000) != 0;
        int fragOffset = (flagsOffset & 0x1FFF) * 8;
        if (more || fragOffset != 0) {
            out.fragment = true;
            out.fragmentOffset = fragOffset;
            out.fragmentId = u16(b, p + 4);
        }
        // Ethernet pads short frames: the IP total length says where the datagram ends. A total length
        // shorter than the header (TSO frames say 0) is not trusted.
        int totalLength = u16(b, p + 2);
        int ipEnd = totalLength >= ihl ? (int) Math.min(end, (long) p + totalLength) : end;
        int t = p + ihl;
        if (t > ipEnd) {
            return true; // options cut short: addresses only
        }
        out.payloadOffset = t - base;
        out.payloadLength = ipEnd - t;
        if (fragOffset == 0) {
            transport(b, base, out.protocol, t, ipEnd, out);
        }
        return true;
    }

    private static boolean ipv6(ByteBuffer b, int base, int p, int end, DecodedPacket out) {
        if (end - p < 40 || (b.get(p) & 0xFF) >>> 4 != 6) {
            return false;
        }
        out.ipVersion = 6;
        out.networkOffset = p - base;
        out.setIpv6Addresses(b, p + 8, p + 24);
        int payloadLength = u16(b, p + 4);
        // payload length 0 means a jumbogram (or TSO): trust the capture instead
        int ipEnd = payloadLength == 0 ? end : (int) Math.min(end, (long) p + 40 + payloadLength);
        int next = b.get(p + 6) & 0xFF;
        int t = p + 40;
        boolean transportFollows = true;
        for (int i = 0; i < MAX_EXTENSION_HEADERS; i++) {
            int len;
            if (next == IPV6_HOP_BY_HOP || next == IPV6_ROUTING || next == IPV6_DEST_OPTS
                    || next == IPV6_MOBILITY || next == IPV6_HIP || next == IPV6_SHIM6) {
                if (ipEnd - t < 2) {
                    break;
                }
                len = ((b.get(t + 1) & 0xFF) + 1) * 8;
            } else if (next == IPV6_AH) {
                if (ipEnd - t < 2) {
                    break;
                }
                len = ((b.get(t + 1) & 0xFF) + 2) * 4;
            } else if (next == IPV6_FRAGMENT) {
                if (ipEnd - t < 8) {
                    break;
                }
                len = 8;
                int offsetFlags = u16(b, t + 2);
                out.fragment = true;
                out.fragmentOffset = offsetFlags & 0xFFF8;
                out.fragmentId = (long) u16(b, t + 4) << 16 | u16(b, t + 6);
                if (out.fragmentOffset != 0) {
                    transportFollows = false;
                }
            } else {
                break; // a transport, or no next header (59)
            }
            if (len > ipEnd - t) {
                // the header says it is longer than what we have: what follows is unknown
                out.protocol = next;
                return true;
            }
            next = b.get(t) & 0xFF;
            t += len;
        }
        out.protocol = next;
        out.payloadOffset = t - base;
        out.payloadLength = Math.max(0, ipEnd - t);
        if (transportFollows && next != IPV6_NO_NEXT) {
            transport(b, base, next, t, ipEnd, out);
        }
        return true;
    }

    private static void transport(ByteBuffer b, int base, int protocol, int t, int end, DecodedPacket out) {
        int avail = end - t;
        int header;
        switch (protocol) {
            case PROTO_TCP:
                if (avail < 20) {
                    return;
                }
                out.srcPort = u16(b, t);
                out.dstPort = u16(b, t + 2);
                out.tcpFlags = b.get(t + 13) & 0xFF;
                header = Math.max(20, ((b.get(t + 12) & 0xFF) >>> 4) * 4);
                break;
            case PROTO_UDP:
                if (avail < 8) {
                    return;
                }
                out.srcPort = u16(b, t);
                out.dstPort = u16(b, t + 2);
                header = 8;
                break;
            case PROTO_SCTP:
                if (avail < 12) {
                    return;
                }
                out.srcPort = u16(b, t);
                out.dstPort = u16(b, t + 2);
                header = 12;
                break;
            case PROTO_ICMP:
            case PROTO_ICMPV6:
                if (avail < 4) {
                    return;
                }
                out.icmpType = b.get(t) & 0xFF;
                out.icmpCode = b.get(t + 1) & 0xFF;
                header = 4;
                break;
            default:
                return;
        }
        out.transportParsed = true;
        int payload = Math.min(t + header, end);
        out.payloadOffset = payload - base;
        out.payloadLength = end - payload;
    }

    /** The 4 bytes at {@code i} as a big-endian int, whatever the buffer's byte order. */
    private static int u32(ByteBuffer b, int i) {
        int v = b.getInt(i);
        return b.order() == java.nio.ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    private static int u16(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) << 8 | (b.get(i + 1) & 0xFF);
    }
}
