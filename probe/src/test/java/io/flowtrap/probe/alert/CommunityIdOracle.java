package io.flowtrap.probe.alert;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Community ID v1 (seed 0) written from its specification, for port-based protocols only: an
 * independent check that the parsed addresses, ports and protocol are the ones Suricata hashed.
 */
final class CommunityIdOracle {
    private CommunityIdOracle() {}

    static String v1(EveAlert a) throws NoSuchAlgorithmException {
        int len = a.ipVersion() == 4 ? 4 : 16;
        byte[] s = Arrays.copyOf(a.srcAddress(), len);
        byte[] d = Arrays.copyOf(a.destAddress(), len);
        int sp = a.srcPort();
        int dp = a.destPort();
        int c = Arrays.compareUnsigned(s, d);
        if (c > 0 || (c == 0 && sp > dp)) {
            byte[] t = s;
            s = d;
            d = t;
            int tp = sp;
            sp = dp;
            dp = tp;
        }
        ByteBuffer b = ByteBuffer.allocate(2 + 2 * len + 2 + 4);
        b.putShort((short) 0).put(s).put(d).put((byte) a.protocol()).put((byte) 0)
                .putShort((short) sp).putShort((short) dp);
        byte[] sha = MessageDigest.getInstance("SHA-1").digest(b.array());
        return "1:" + Base64.getEncoder().encodeToString(sha);
    }
}
