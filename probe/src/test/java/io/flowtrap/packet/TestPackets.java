package io.flowtrap.packet;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Hand-built packets of every shape the decoder knows, with the truth each was built from. */
final class TestPackets {
    private TestPackets() {}

    /** What a packet was built as: the expected decode. */
    static final class Spec {
        int linkType = PacketDecoder.LINKTYPE_ETHERNET;
        int[] tagTypes = {};
        int[] vids = {};
        int ipVersion = 4;
        byte[] src;
        byte[] dst;
        int protocol = 6;
        /** IPv6 extension headers before the transport, by number (0, 43, 60, 51, 135, 44 …). */
        int[] extensions = {};
        boolean fragmented;
        boolean moreFragments;
        int fragmentOffset;
        long fragmentId;
        int ipv4Options; // bytes, multiple of 4
        int srcPort;
        int dstPort;
        int icmpType = -1;
        int icmpCode = -1;
        int tcpFlags;
        byte[] payload = new byte[0];

        boolean transportExpected() {
            return fragmentOffset == 0 && (protocol == 6 || protocol == 17 || protocol == 132 || protocol == 1
                    || protocol == 58);
        }
    }

    static Spec random(Random rnd) {
        Spec s = new Spec();
        int link = rnd.nextInt(10);
        s.linkType = link < 7 ? 1 : link < 8 ? 101 : link < 9 ? 113 : 12;
        if (s.linkType == 1) {
            int tags = rnd.nextInt(6) < 3 ? 0 : 1 + rnd.nextInt(3);
            s.tagTypes = new int[tags];
            s.vids = new int[tags];
            for (int i = 0; i < tags; i++) {
                int[] types = {0x8100, 0x88A8, 0x9100};
                s.tagTypes[i] = i == tags - 1 ? 0x8100 : types[rnd.nextInt(3)];
                s.vids[i] = rnd.nextInt(4096);
            }
        }
        s.ipVersion = rnd.nextBoolean() ? 4 : 6;
        s.src = new byte[s.ipVersion == 4 ? 4 : 16];
        s.dst = new byte[s.src.length];
        rnd.nextBytes(s.src);
        rnd.nextBytes(s.dst);
        int[] v4 = {6, 6, 17, 17, 132, 1, 47, 253};
        int[] v6 = {6, 6, 17, 17, 132, 58, 253};
        s.protocol = s.ipVersion == 4 ? v4[rnd.nextInt(v4.length)] : v6[rnd.nextInt(v6.length)];
        if (s.ipVersion == 6) {
            int[] ext = {0, 43, 60, 51, 135};
            int n = rnd.nextInt(3);
            List<Integer> list = new ArrayList<>();
            if (n > 0 && rnd.nextBoolean()) {
                list.add(0); // hop-by-hop comes first when present
                n--;
            }
            for (int i = 0; i < n; i++) {
                list.add(ext[1 + rnd.nextInt(ext.length - 1)]);
            }
            if (rnd.nextInt(4) == 0) {
                list.add(44);
            }
            if (list.remove(Integer.valueOf(135))) {
                // a mobility header ends the chain (RFC 6275: its payload proto is 59, no next header)
                list.add(135);
                s.protocol = 59;
            }
            s.extensions = list.stream().mapToInt(Integer::intValue).toArray();
            if (list.contains(44)) {
                fragment(s, rnd);
            }
        } else {
            s.ipv4Options = rnd.nextInt(4) == 0 ? 4 * (1 + rnd.nextInt(10)) : 0;
            if (rnd.nextInt(4) == 0) {
                fragment(s, rnd);
            }
        }
        if (s.protocol == 1 || s.protocol == 58) {
            int[] types = s.protocol == 1 ? new int[] {0, 8, 13, 14, 3, 11} : new int[] {128, 129, 135, 136, 1, 2};
            s.icmpType = types[rnd.nextInt(types.length)];
            s.icmpCode = rnd.nextInt(4);
        } else if (s.protocol == 6 || s.protocol == 17 || s.protocol == 132) {
            s.srcPort = rnd.nextInt(65536);
            s.dstPort = rnd.nextInt(65536);
        }
        if (s.protocol == 6) {
            s.tcpFlags = rnd.nextInt(256);
        }
        s.payload = new byte[rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(300)];
        // payload bytes that look like nothing (no inner IP for tshark to find in ICMP errors)
        rnd.nextBytes(s.payload);
        for (int i = 0; i < s.payload.length; i++) {
            s.payload[i] &= 0x0F;
        }
        if (s.fragmentOffset != 0) {
            s.tcpFlags = 0;
            s.srcPort = 0;
            s.dstPort = 0;
            s.icmpType = -1;
            s.icmpCode = -1;
        }
        return s;
    }

    private static void fragment(Spec s, Random rnd) {
        s.fragmented = true;
        s.moreFragments = rnd.nextBoolean();
        s.fragmentOffset = rnd.nextBoolean() ? 0 : 8 * (1 + rnd.nextInt(1000));
        if (s.fragmentOffset == 0) {
            s.moreFragments = true;
        }
        s.fragmentId = s.ipVersion == 4 ? rnd.nextInt(65536) : rnd.nextInt() & 0xFFFF_FFFFL;
    }

    /** The bytes of {@code s}, from the link layer. */
    static byte[] build(Spec s) {
        ByteArrayOutputStream ip = new ByteArrayOutputStream();
        byte[] transport = transport(s);
        if (s.ipVersion == 4) {
            int ihl = 20 + s.ipv4Options;
            ByteBuffer h = ByteBuffer.allocate(ihl);
            h.put((byte) (0x40 | ihl / 4)).put((byte) 0).putShort((short) (ihl + transport.length))
                    .putShort((short) s.fragmentId)
                    .putShort((short) ((s.moreFragments ? 0x2000 : 0) | s.fragmentOffset / 8))
                    .put((byte) 64).put((byte) s.protocol).putShort((short) 0).put(s.src).put(s.dst);
            while (h.hasRemaining()) {
                h.put((byte) 1); // NOP options
            }
            ip.writeBytes(h.array());
        } else {
            ByteArrayOutputStream ext = new ByteArrayOutputStream();
            int[] chain = s.extensions;
            for (int i = 0; i < chain.length; i++) {
                int next = i + 1 < chain.length ? chain[i + 1] : s.protocol;
                int type = chain[i];
                if (type == 44) {
                    ByteBuffer f = ByteBuffer.allocate(8).put((byte) next).put((byte) 0)
                            .putShort((short) (s.fragmentOffset | (s.moreFragments ? 1 : 0)))
                            .putInt((int) s.fragmentId);
                    ext.writeBytes(f.array());
                } else if (type == 51) {
                    ByteBuffer ah = ByteBuffer.allocate(24).put((byte) next).put((byte) 4); // (4+2)*4 = 24
                    ah.putShort((short) 0).putInt(0x1234).putInt(7);
                    ext.writeBytes(ah.array());
                } else {
                    // 16 bytes: length field 1 → (1+1)*8; PadN option filling the rest
                    ByteBuffer o = ByteBuffer.allocate(16).put((byte) next).put((byte) 1);
                    if (type == 135) {
                        o.put((byte) 0).put((byte) 0); // MH type 0, reserved
                    } else if (type == 43) {
                        o.put((byte) 0).put((byte) 0); // routing type 0, segments left 0
                    } else {
                        o.put((byte) 1).put((byte) 12); // PadN with 12 bytes
                    }
                    ext.writeBytes(o.array());
                }
            }
            byte[] extBytes = ext.toByteArray();
            int first = chain.length > 0 ? chain[0] : s.protocol;
            ByteBuffer h = ByteBuffer.allocate(40);
            h.putInt(0x60000000).putShort((short) (extBytes.length + transport.length)).put((byte) first)
                    .put((byte) 64).put(s.src).put(s.dst);
            ip.writeBytes(h.array());
            ip.writeBytes(extBytes);
        }
        ip.writeBytes(transport);
        byte[] ipBytes = ip.toByteArray();
        int ethertype = s.ipVersion == 4 ? 0x0800 : 0x86DD;
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        switch (s.linkType) {
            case 1 -> {
                frame.writeBytes(new byte[] {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10});
                for (int i = 0; i < s.tagTypes.length; i++) {
                    frame.writeBytes(ByteBuffer.allocate(4).putShort((short) s.tagTypes[i])
                            .putShort((short) (0x2000 | s.vids[i])).array()); // priority 1
                }
                frame.writeBytes(ByteBuffer.allocate(2).putShort((short) ethertype).array());
            }
            case 113 -> frame.writeBytes(ByteBuffer.allocate(16).putShort((short) 0).putShort((short) 1)
                    .putShort((short) 6).put(new byte[] {0, 1, 2, 3, 4, 5, 0, 0}).putShort((short) ethertype).array());
            default -> { } // raw IP
        }
        frame.writeBytes(ipBytes);
        return frame.toByteArray();
    }

    private static byte[] transport(Spec s) {
        if (s.fragmentOffset != 0) {
            return s.payload; // the middle of a datagram: no header
        }
        ByteBuffer t;
        switch (s.protocol) {
            case 6 -> t = ByteBuffer.allocate(20 + s.payload.length).putShort((short) s.srcPort)
                    .putShort((short) s.dstPort).putInt(1000).putInt(2000).put((byte) 0x50).put((byte) s.tcpFlags)
                    .putShort((short) 1024).putInt(0);
            case 17 -> t = ByteBuffer.allocate(8 + s.payload.length).putShort((short) s.srcPort)
                    .putShort((short) s.dstPort).putShort((short) (8 + s.payload.length)).putShort((short) 0);
            case 132 -> t = ByteBuffer.allocate(12 + s.payload.length).putShort((short) s.srcPort)
                    .putShort((short) s.dstPort).putInt(42).putInt(0);
            case 1, 58 -> t = ByteBuffer.allocate(8 + s.payload.length).put((byte) s.icmpType)
                    .put((byte) s.icmpCode).putShort((short) 0).putShort((short) 99).putShort((short) 1);
            default -> t = ByteBuffer.allocate(s.payload.length);
        }
        t.put(s.payload);
        return t.array();
    }
}
