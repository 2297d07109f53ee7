package io.flowtrap.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class FlowKeyTest {

    private static byte[] addr(String ip) throws Exception {
        byte[] a = new byte[16];
        byte[] raw = InetAddress.getByName(ip).getAddress();
        System.arraycopy(raw, 0, a, 0, raw.length);
        return a;
    }

    @Test
    void bothDirectionsGiveTheSameKey() throws Exception {
        byte[] forward = new byte[FlowKey.SIZE];
        byte[] reverse = new byte[FlowKey.SIZE];
        boolean fwdLow = FlowKey.write(4, 6, 1, 100, 0, addr("10.0.0.2"), 40000, addr("10.0.0.1"), 80, forward, 0);
        boolean revLow = FlowKey.write(4, 6, 1, 100, 0, addr("10.0.0.1"), 80, addr("10.0.0.2"), 40000, reverse, 0);
        assertThat(FlowKey.equals(forward, 0, reverse, 0)).isTrue();
        assertThat(fwdLow).isFalse();
        assertThat(revLow).isTrue();
        assertThat(FlowKey.toString(forward, 0)).isEqualTo("6 vlan[100] 10.0.0.1:80 <-> 10.0.0.2:40000");
    }

    @Test
    void sameAddressesOrderByPortAndVlanSeparatesFlows() throws Exception {
        byte[] a = new byte[FlowKey.SIZE];
        byte[] b = new byte[FlowKey.SIZE];
        FlowKey.write(4, 17, 0, 0, 0, addr("192.168.1.1"), 5353, addr("192.168.1.1"), 53, a, 0);
        assertThat(FlowKey.lowPort(a, 0)).isEqualTo(53);
        assertThat(FlowKey.highPort(a, 0)).isEqualTo(5353);
        FlowKey.write(4, 17, 1, 7, 0, addr("192.168.1.1"), 5353, addr("192.168.1.1"), 53, b, 0);
        assertThat(FlowKey.equals(a, 0, b, 0)).isFalse();
    }

    @Test
    void ipv6AddressesCompareUnsigned() throws Exception {
        byte[] k = new byte[FlowKey.SIZE];
        FlowKey.write(6, 6, 0, 0, 0, addr("fe80::1"), 1, addr("2001:db8::1"), 2, k, 0);
        assertThat(FlowKey.toString(k, 0)).startsWith("6 [2001:db8:0:0:0:0:0:1]:2 <-> [fe80:0:0:0:0:0:0:1]:1");
    }
}
