package io.flowtrap.probe.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * {@link PacketRingSource#read} on frames laid out as the kernel lays them out in a ring block
 * (tpacket3_hdr, then the frame at tp_mac with the reserved headroom before it), the VLAN tag the
 * kernel took off given beside the frame: the frame handed out must be the frame as it was sent.
 */
class PacketRingFrameTest {
    private static final int HEADER = 48; // a packet header 16-byte aligned in its block, after the block header
    private static final int MAC = 86; // tp_mac as the kernel sets it with PACKET_RESERVE 4 for Ethernet
    private static final byte[] MACS = HexFormat.of().parseHex("001122334455" + "00667788 99aa".replace(" ", ""));
    private static final byte[] IPV4_UDP = HexFormat.of().parseHex("0800" + "4500001c0001000040110000c0a80001c0a80002"
            + "0035003500080000");

    /** A block holding one packet: {@code wire} as the kernel stored it, with the given VLAN report. */
    private static ByteBuffer block(byte[] stored, int wireLength, int status, int tci, int tpid) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
        Arrays.fill(b.array(), (byte) 0x5a); // whatever the headroom held before
        b.putInt(HEADER, 0); // tp_next_offset: the last packet
        b.putInt(HEADER + 4, 1_700_000_000);
        b.putInt(HEADER + 8, 123_456_789);
        b.putInt(HEADER + 12, stored.length);
        b.putInt(HEADER + 16, wireLength);
        b.putInt(HEADER + 20, 1 | status); // TP_STATUS_USER and the flags
        b.putShort(HEADER + 24, (short) MAC);
        b.putShort(HEADER + 26, (short) (MAC + 14));
        b.putInt(HEADER + 32, tci);
        b.putShort(HEADER + 36, (short) tpid);
        b.put(HEADER + MAC, stored);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] bytes(PacketRecord r) {
        byte[] out = new byte[r.capturedLength()];
        r.copyTo(out, 0);
        return out;
    }

    @Test
    void anUntaggedFrameIsHandedOutInPlaceAsStored() {
        byte[] frame = concat(MACS, IPV4_UDP);
        ByteBuffer b = block(frame, frame.length, 0, 0, 0);
        PacketRecord r = new PacketRecord();
        PacketRingSource.read(b, HEADER, 65535, r);
        assertThat(r.buffer()).isSameAs(b);
        assertThat(r.offset()).isEqualTo(HEADER + MAC);
        assertThat(bytes(r)).isEqualTo(frame);
        assertThat(r.wireLength()).isEqualTo(frame.length);
        assertThat(r.timestampNanos()).isEqualTo(1_700_000_000_123_456_789L);
        assertThat(r.linkType()).isEqualTo(1);
    }

    @Test
    void an8021qTagIsPutBackAfterTheMacAddressesWithTpid8100WhenTheKernelGivesNone() {
        byte[] sent = concat(MACS, HexFormat.of().parseHex("81000064"), IPV4_UDP);
        byte[] stored = concat(MACS, IPV4_UDP);
        ByteBuffer b = block(stored, stored.length, PacketRingSource.TP_STATUS_VLAN_VALID, 100, 0);
        PacketRecord r = new PacketRecord();
        PacketRingSource.read(b, HEADER, 65535, r);
        assertThat(bytes(r)).isEqualTo(sent);
        assertThat(r.offset()).isEqualTo(HEADER + MAC - PacketRingSource.VLAN_TAG);
        assertThat(r.capturedLength()).isEqualTo(sent.length);
        assertThat(r.wireLength()).isEqualTo(sent.length);
    }

    @Test
    void aQinqFrameComesOutByteExactTheOuterTagWithItsOwnTpidAndPriorityBits() {
        // outer 802.1ad tag, PCP 5 DEI 1 VID 10; the inner 802.1Q tag was never taken off
        byte[] sent = concat(MACS, HexFormat.of().parseHex("88a8b00a" + "81000014"), IPV4_UDP);
        byte[] stored = concat(MACS, HexFormat.of().parseHex("81000014"), IPV4_UDP);
        ByteBuffer b = block(stored, stored.length + 100, PacketRingSource.TP_STATUS_VLAN_VALID
                | PacketRingSource.TP_STATUS_VLAN_TPID_VALID, 0xb00a, 0x88a8);
        PacketRecord r = new PacketRecord();
        PacketRingSource.read(b, HEADER, 65535, r);
        assertThat(bytes(r)).isEqualTo(sent);
        assertThat(r.wireLength()).isEqualTo(stored.length + 100 + 4);
    }

    @Test
    void vlanZeroIsATagToo() {
        byte[] sent = concat(MACS, HexFormat.of().parseHex("81000000"), IPV4_UDP);
        byte[] stored = concat(MACS, IPV4_UDP);
        ByteBuffer b = block(stored, stored.length, PacketRingSource.TP_STATUS_VLAN_VALID, 0, 0);
        PacketRecord r = new PacketRecord();
        PacketRingSource.read(b, HEADER, 65535, r);
        assertThat(bytes(r)).isEqualTo(sent);
    }

    @Test
    void aNonZeroTciCountsAsATagEvenWithoutTheValidFlagAsInLibpcap() {
        byte[] sent = concat(MACS, HexFormat.of().parseHex("81000007"), IPV4_UDP);
        byte[] stored = concat(MACS, IPV4_UDP);
        ByteBuffer b = block(stored, stored.length, 0, 7, 0);
        PacketRecord r = new PacketRecord();
        PacketRingSource.read(b, HEADER, 65535, r);
        assertThat(bytes(r)).isEqualTo(sent);
    }

    @Test
    void aFrameShorterThanTheMacAddressesGetsNoTagAndTheSnaplenCutsAfterTheTag() {
        byte[] runt = Arrays.copyOf(MACS, 10);
        ByteBuffer b = block(runt, 60, PacketRingSource.TP_STATUS_VLAN_VALID, 100, 0);
        PacketRecord r = new PacketRecord();
        PacketRingSource.read(b, HEADER, 65535, r);
        assertThat(bytes(r)).isEqualTo(runt);
        assertThat(r.wireLength()).isEqualTo(60);

        byte[] sent = concat(MACS, HexFormat.of().parseHex("81000064"), IPV4_UDP);
        byte[] stored = concat(MACS, IPV4_UDP);
        ByteBuffer cut = block(stored, stored.length, PacketRingSource.TP_STATUS_VLAN_VALID, 100, 0);
        PacketRingSource.read(cut, HEADER, 20, r);
        assertThat(bytes(r)).isEqualTo(Arrays.copyOf(sent, 20));
        assertThat(r.wireLength()).isEqualTo(sent.length);
    }
}
