package io.flowtrap.probe.alert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hand-made frames for feeding Suricata: Ethernet (optionally 802.1Q-tagged), IPv4 or IPv6, UDP with
 * correct IP and UDP checksums, written as a classic microsecond pcap (little-endian).
 */
final class TestPcap {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TestPcap() {
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        out.writeBytes(h.array());
    }

    /** Appends a UDP datagram (IPv4 if the addresses are 4 bytes, IPv6 if 16) with a timestamp in µs. */
    TestPcap udp(long seconds, int micros, int[] vlans, byte[] src, int srcPort, byte[] dst, int dstPort, byte[] payload) {
        ByteBuffer udp = ByteBuffer.allocate(8 + payload.length);
        udp.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + payload.length)).putShort((short) 0)
                .put(payload);
        ByteBuffer pseudo = ByteBuffer.allocate(src.length * 2 + 8 + udp.capacity());
        pseudo.put(src).put(dst);
        if (src.length == 4) {
            pseudo.put((byte) 0).put((byte) 17).putShort((short) udp.capacity());
        } else {
            pseudo.putInt(udp.capacity()).put(new byte[3]).put((byte) 17);
        }
        pseudo.put(udp.array());
        int sum = checksum(pseudo.array(), pseudo.position());
        udp.putShort(6, (short) (sum == 0 ? 0xffff : sum));

        byte[] ip;
        if (src.length == 4) {
            ByteBuffer b = ByteBuffer.allocate(20 + udp.capacity());
            b.put((byte) 0x45).put((byte) 0).putShort((short) b.capacity()).putShort((short) 1).putShort((short) 0)
                    .put((byte) 64).put((byte) 17).putShort((short) 0).put(src).put(dst);
            b.putShort(10, (short) checksum(b.array(), 20));
            b.position(20);
            b.put(udp.array());
            ip = b.array();
        } else {
            ByteBuffer b = ByteBuffer.allocate(40 + udp.capacity());
            b.putInt(0x60000000).putShort((short) udp.capacity()).put((byte) 17).put((byte) 64).put(src).put(dst)
                    .put(udp.array());
            ip = b.array();
        }
        ByteBuffer eth = ByteBuffer.allocate(14 + 4 * vlans.length + ip.length);
        eth.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
        for (int i = 0; i < vlans.length; i++) {
            eth.putShort((short) (i == 0 && vlans.length > 1 ? 0x88a8 : 0x8100)).putShort((short) vlans[i]);
        }
        eth.putShort((short) (src.length == 4 ? 0x0800 : 0x86dd)).put(ip);
        ByteBuffer rec = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        rec.putInt((int) seconds).putInt(micros).putInt(eth.capacity()).putInt(eth.capacity());
        out.writeBytes(rec.array());
        out.writeBytes(eth.array());
        return this;
    }

    void writeTo(Path file) throws IOException {
        Files.write(file, out.toByteArray());
    }

    /** The Internet checksum (RFC 1071) of {@code b[0, len)}. */
    static int checksum(byte[] b, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
        }
        if ((len & 1) != 0) {
            sum += (b[len - 1] & 0xFF) << 8;
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) (~sum & 0xFFFF);
    }
}
