package io.flowtrap.packet;

/**
 * The canonical, direction-free key of a flow, as a fixed {@value #SIZE}-byte layout so that flow
 * tables, store indexes and recovery can keep keys in flat arrays and compare them byte-wise.
 *
 * <pre>
 * [0]      ip version (4 or 6)
 * [1]      ip protocol
 * [2]      vlan count (0..2)
 * [3]      0
 * [4..5]   outer vlan id (big-endian, 0 if none)
 * [6..7]   inner vlan id (big-endian, 0 if none)
 * [8..23]  low address  (IPv4 in the first 4 bytes, the rest 0)
 * [24..39] high address
 * [40..41] low port  (big-endian; 0 for ICMP/ICMPv6 and unparsed transports)
 * [42..43] high port
 * </pre>
 *
 * "Low" is the endpoint whose (address, port) sorts first, unsigned byte-wise then by port, the order
 * Community ID v1 uses, so both directions of a flow give the same key. Stateless; thread-safe.
 */
public final class FlowKey {
    public static final int SIZE = 44;
    public static final int OFF_VERSION = 0;
    public static final int OFF_PROTOCOL = 1;
    public static final int OFF_VLAN_COUNT = 2;
    public static final int OFF_VLAN_OUTER = 4;
    public static final int OFF_VLAN_INNER = 6;
    public static final int OFF_LOW_ADDRESS = 8;
    public static final int OFF_HIGH_ADDRESS = 24;
    public static final int OFF_LOW_PORT = 40;
    public static final int OFF_HIGH_PORT = 42;

    private FlowKey() {}

    /**
     * Writes the key of {@code p} into {@code dst[off, off + SIZE)}, using {@code srcPort}/{@code
     * dstPort} as given (the caller resolves fragments). Returns true if the packet's source is the
     * low endpoint (the packet travels low → high).
     */
    public static boolean write(DecodedPacket p, int srcPort, int dstPort, byte[] dst, int off) {
        return write(p.ipVersion, p.protocol, p.vlanCount, p.vlanOuter, p.vlanInner,
                p.srcAddress, srcPort, p.dstAddress, dstPort, dst, off);
    }

    /**
     * Writes the key of one direction of a flow given by its endpoints (addresses of 16 bytes, IPv4
     * in the first 4, as in {@link DecodedPacket}); returns true if the source is the low endpoint.
     */
    public static boolean write(int ipVersion, int protocol, int vlanCount, int vlanOuter, int vlanInner,
            byte[] srcAddress, int srcPort, byte[] dstAddress, int dstPort, byte[] dst, int off) {
        int len = ipVersion == 6 ? 16 : 4;
        boolean srcIsLow = compareEndpoint(srcAddress, srcPort, dstAddress, dstPort, len) <= 0;
        dst[off + OFF_VERSION] = (byte) ipVersion;
        dst[off + OFF_PROTOCOL] = (byte) protocol;
        dst[off + OFF_VLAN_COUNT] = (byte) vlanCount;
        dst[off + 3] = 0;
        putShort(dst, off + OFF_VLAN_OUTER, vlanOuter);
        putShort(dst, off + OFF_VLAN_INNER, vlanInner);
        byte[] low = srcIsLow ? srcAddress : dstAddress;
        byte[] high = srcIsLow ? dstAddress : srcAddress;
        System.arraycopy(low, 0, dst, off + OFF_LOW_ADDRESS, 16);
        System.arraycopy(high, 0, dst, off + OFF_HIGH_ADDRESS, 16);
        putShort(dst, off + OFF_LOW_PORT, srcIsLow ? srcPort : dstPort);
        putShort(dst, off + OFF_HIGH_PORT, srcIsLow ? dstPort : srcPort);
        return srcIsLow;
    }

    /** Byte-wise equality of two keys. */
    public static boolean equals(byte[] a, int aOff, byte[] b, int bOff) {
        return java.util.Arrays.equals(a, aOff, aOff + SIZE, b, bOff, bOff + SIZE);
    }

    public static int version(byte[] k, int off) {
        return k[off + OFF_VERSION];
    }

    public static int protocol(byte[] k, int off) {
        return k[off + OFF_PROTOCOL] & 0xFF;
    }

    public static int vlanCount(byte[] k, int off) {
        return k[off + OFF_VLAN_COUNT];
    }

    public static int vlanOuter(byte[] k, int off) {
        return getShort(k, off + OFF_VLAN_OUTER);
    }

    public static int vlanInner(byte[] k, int off) {
        return getShort(k, off + OFF_VLAN_INNER);
    }

    public static int lowPort(byte[] k, int off) {
        return getShort(k, off + OFF_LOW_PORT);
    }

    public static int highPort(byte[] k, int off) {
        return getShort(k, off + OFF_HIGH_PORT);
    }

    /** Human-readable form for logs and errors, e.g. {@code 6 vlan[10] 10.0.0.1:80 <-> 10.0.0.2:5000}. */
    public static String toString(byte[] k, int off) {
        StringBuilder sb = new StringBuilder();
        sb.append(protocol(k, off));
        int vlans = vlanCount(k, off);
        if (vlans > 0) {
            sb.append(" vlan[").append(vlanOuter(k, off));
            if (vlans > 1) {
                sb.append(',').append(vlanInner(k, off));
            }
            sb.append(']');
        }
        int len = version(k, off) == 6 ? 16 : 4;
        sb.append(' ');
        appendAddress(sb, k, off + OFF_LOW_ADDRESS, len);
        sb.append(':').append(lowPort(k, off)).append(" <-> ");
        appendAddress(sb, k, off + OFF_HIGH_ADDRESS, len);
        sb.append(':').append(highPort(k, off));
        return sb.toString();
    }

    private static void appendAddress(StringBuilder sb, byte[] k, int off, int len) {
        try {
            byte[] a = java.util.Arrays.copyOfRange(k, off, off + len);
            String s = java.net.InetAddress.getByAddress(a).getHostAddress();
            sb.append(len == 16 ? "[" + s + "]" : s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
        }
    }

    /** Compares endpoints (address then port), unsigned, as Community ID orders them. */
    public static int compareEndpoint(byte[] a, int aPort, byte[] b, int bPort, int len) {
        int c = java.util.Arrays.compareUnsigned(a, 0, len, b, 0, len);
        return c != 0 ? c : Integer.compare(aPort, bPort);
    }

    private static void putShort(byte[] dst, int off, int v) {
        dst[off] = (byte) (v >>> 8);
        dst[off + 1] = (byte) v;
    }

    private static int getShort(byte[] src, int off) {
        return (src[off] & 0xFF) << 8 | (src[off + 1] & 0xFF);
    }
}
