package io.flowtrap.packet;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Community ID v1 (corelight/community-id-spec): SHA-1 over
 * {@code seed u16 | low address | high address | protocol u8 | 0 u8 | low port u16 | high port u16}
 * (ports only for TCP, UDP, SCTP, ICMP, ICMPv6), the endpoint order chosen so both directions
 * agree; printed as {@code "1:" + base64(digest)}. For ICMP/ICMPv6 the "ports" are the type and the
 * type's counterpart (echo ↔ echo reply …); types without a counterpart are one-way: (type, code),
 * never reordered.
 *
 * <p>{@link #compute} reuses one {@link MessageDigest} and allocates nothing; an instance is
 * therefore not thread-safe (one per thread). The static methods are thread-safe.
 */
public final class CommunityId {
    public static final int DIGEST_SIZE = 20;
    private static final String PREFIX = "1:";

    private final MessageDigest sha1;
    private final byte[] input = new byte[2 + 16 + 16 + 2 + 4];

    public CommunityId() {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }

    /**
     * Writes the 20-byte Community ID digest of {@code p}'s flow to {@code out[outOffset, +20)}.
     * {@code srcPort}/{@code dstPort} are the packet's ports as resolved by the caller (a non-first
     * fragment has none of its own); for ICMP/ICMPv6 they are the packet's type and code.
     */
    public void compute(int seed, DecodedPacket p, int srcPort, int dstPort, byte[] out, int outOffset) {
        int proto = p.protocol;
        int len = p.addressLength();
        boolean hasPorts = proto == PacketDecoder.PROTO_TCP || proto == PacketDecoder.PROTO_UDP
                || proto == PacketDecoder.PROTO_SCTP || proto == PacketDecoder.PROTO_ICMP
                || proto == PacketDecoder.PROTO_ICMPV6;
        int sp = srcPort;
        int dp = dstPort;
        boolean oneWay = false;
        if (proto == PacketDecoder.PROTO_ICMP || proto == PacketDecoder.PROTO_ICMPV6) {
            int counterpart = proto == PacketDecoder.PROTO_ICMP ? icmp4Counterpart(srcPort) : icmp6Counterpart(srcPort);
            if (counterpart < 0) {
                oneWay = true;
            } else {
                dp = counterpart;
            }
        }
        boolean srcFirst = oneWay || FlowKey.compareEndpoint(p.srcAddress, sp, p.dstAddress, dp, len) < 0;
        byte[] in = input;
        int i = 0;
        in[i++] = (byte) (seed >>> 8);
        in[i++] = (byte) seed;
        System.arraycopy(srcFirst ? p.srcAddress : p.dstAddress, 0, in, i, len);
        i += len;
        System.arraycopy(srcFirst ? p.dstAddress : p.srcAddress, 0, in, i, len);
        i += len;
        in[i++] = (byte) proto;
        in[i++] = 0;
        if (hasPorts) {
            int first = srcFirst ? sp : dp;
            int second = srcFirst ? dp : sp;
            in[i++] = (byte) (first >>> 8);
            in[i++] = (byte) first;
            in[i++] = (byte) (second >>> 8);
            in[i++] = (byte) second;
        }
        sha1.update(in, 0, i);
        try {
            sha1.digest(out, outOffset, DIGEST_SIZE);
        } catch (DigestException e) {
            throw new IllegalArgumentException("no room for a 20-byte digest at " + outOffset, e);
        }
    }

    /** The ICMPv4 type answering {@code type}, or -1 if it is one-way (the spec's table, as Zeek's). */
    static int icmp4Counterpart(int type) {
        return switch (type) {
            case 8 -> 0;
            case 0 -> 8;
            case 13 -> 14;
            case 14 -> 13;
            case 15 -> 16;
            case 16 -> 15;
            case 10 -> 9; // router solicitation → advertisement (not the reverse, as in the spec)
            case 17 -> 18;
            case 18 -> 17;
            default -> -1;
        };
    }

    /** The ICMPv6 type answering {@code type}, or -1 if it is one-way. */
    static int icmp6Counterpart(int type) {
        return switch (type) {
            case 128 -> 129;
            case 129 -> 128;
            case 133 -> 134;
            case 134 -> 133;
            case 135 -> 136;
            case 136 -> 135;
            case 130 -> 131;
            case 131 -> 130;
            case 139 -> 140;
            case 140 -> 139;
            case 144 -> 145;
            case 145 -> 144;
            default -> -1;
        };
    }

    /** {@code "1:" + base64} of the digest at {@code digest[off, off + 20)}. */
    public static String format(byte[] digest, int off) {
        byte[] d = new byte[DIGEST_SIZE];
        System.arraycopy(digest, off, d, 0, DIGEST_SIZE);
        return PREFIX + Base64.getEncoder().encodeToString(d);
    }

    /** The first 8 bytes of the digest, big-endian: a compact hash for indexes. */
    public static long hash64(byte[] digest, int off) {
        long h = 0;
        for (int k = 0; k < 8; k++) {
            h = h << 8 | (digest[off + k] & 0xFF);
        }
        return h;
    }

    /**
     * {@link #hash64(byte[], int)} of a printed Community ID such as Suricata's EVE {@code community_id}.
     * The canonical form ({@code "1:"}, 27 base64 characters and one {@code '='}) is decoded in place
     * without allocating (the capture thread does this for every alert); anything else goes through
     * {@link #parse}, which accepts or refuses it with its reason.
     */
    public static long hash64(String communityId) {
        if (communityId != null && communityId.length() == CANONICAL_LENGTH && communityId.charAt(0) == '1'
                && communityId.charAt(1) == ':' && communityId.charAt(CANONICAL_LENGTH - 1) == '=') {
            long h = 0;
            int bits = 0;
            boolean valid = true;
            for (int i = 2; i < CANONICAL_LENGTH - 1 && valid; i++) {
                int sextet = sextet(communityId.charAt(i));
                valid = sextet >= 0;
                if (bits < 64) { // the first 64 bits are the hash; the rest is only checked
                    h = bits <= 58 ? h << 6 | sextet : h << (64 - bits) | sextet >>> (6 - (64 - bits));
                }
                bits += 6;
            }
            // 27 sextets are 162 bits: 160 of the digest and 2 that must be zero, as Base64 writes them
            if (valid && (sextet(communityId.charAt(CANONICAL_LENGTH - 2)) & 0x3) == 0) {
                return h;
            }
        }
        return hash64(parse(communityId), 0);
    }

    /** "1:" + base64 of 20 bytes: 27 characters and one '='. */
    private static final int CANONICAL_LENGTH = 2 + 28;

    private static int sextet(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '+' ? 62 : c == '/' ? 63 : -1;
    }

    /** The 20 digest bytes of a printed {@code "1:<base64>"} Community ID. */
    public static byte[] parse(String communityId) {
        if (communityId == null || !communityId.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a Community ID v1 (expected \"1:<base64 of 20 bytes>\"): "
                    + communityId);
        }
        byte[] d;
        try {
            d = Base64.getDecoder().decode(communityId.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Community ID \"" + communityId + "\" is not valid base64", e);
        }
        if (d.length != DIGEST_SIZE) {
            throw new IllegalArgumentException("Community ID \"" + communityId + "\" holds " + d.length
                    + " bytes, not " + DIGEST_SIZE);
        }
        return d;
    }
}
