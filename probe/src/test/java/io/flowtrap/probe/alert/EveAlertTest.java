package io.flowtrap.probe.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.packet.FlowKey;
import org.junit.jupiter.api.Test;

class EveAlertTest {
    private static byte[] v4(int a, int b, int c, int d) {
        byte[] x = new byte[16];
        x[0] = (byte) a;
        x[1] = (byte) b;
        x[2] = (byte) c;
        x[3] = (byte) d;
        return x;
    }

    private static EveAlert alert(byte[] src, int sp, byte[] dst, int dp, int[] vlans) {
        return new EveAlert(1L, "1:x", 4, src, sp, dst, dp, 17, vlans, 9000001, "sig", 5L, 3L, 1, 0, "s", "{}");
    }

    @Test
    void flowKeyIsTheCanonicalKeyAndDirectionFree() {
        byte[] a = v4(10, 1, 2, 3);
        byte[] b = v4(192, 168, 7, 9);
        EveAlert forward = alert(a, 40000, b, 5353, new int[] {100, 200, 300});
        EveAlert backward = alert(b, 5353, a, 40000, new int[] {100, 200, 300});
        byte[] k1 = new byte[FlowKey.SIZE + 3];
        byte[] k2 = new byte[FlowKey.SIZE];
        forward.writeFlowKey(k1, 3);
        backward.writeFlowKey(k2, 0);
        assertThat(FlowKey.equals(k1, 3, k2, 0)).isTrue();

        byte[] expected = new byte[FlowKey.SIZE];
        FlowKey.write(4, 17, 2, 100, 200, a, 40000, b, 5353, expected, 0);
        assertThat(FlowKey.equals(k2, 0, expected, 0)).isTrue();
        assertThat(FlowKey.toString(k2, 0)).isEqualTo("17 vlan[100,200] 10.1.2.3:40000 <-> 192.168.7.9:5353");
    }

    @Test
    void flowKeyWithOneAndNoVlan() {
        byte[] k = new byte[FlowKey.SIZE];
        alert(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, new int[] {42}).writeFlowKey(k, 0);
        assertThat(FlowKey.vlanCount(k, 0)).isEqualTo(1);
        assertThat(FlowKey.vlanOuter(k, 0)).isEqualTo(42);
        assertThat(FlowKey.vlanInner(k, 0)).isZero();
        alert(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, null).writeFlowKey(k, 0);
        assertThat(FlowKey.vlanCount(k, 0)).isZero();
        assertThat(FlowKey.vlanOuter(k, 0)).isZero();
    }

    @Test
    void arraysAreCopiedInAndOut() {
        byte[] src = v4(10, 0, 0, 1);
        int[] vlans = {7};
        EveAlert a = alert(src, 1, v4(10, 0, 0, 2), 2, vlans);
        src[0] = 99;
        vlans[0] = 8;
        assertThat(a.srcAddress()[0]).isEqualTo((byte) 10);
        assertThat(a.vlans()).containsExactly(7);
        a.srcAddress()[0] = 55;
        a.vlans()[0] = 55;
        a.destAddress()[0] = 55;
        assertThat(a.srcAddress()[0]).isEqualTo((byte) 10);
        assertThat(a.destAddress()[0]).isEqualTo((byte) 10);
        assertThat(a.vlan(0)).isEqualTo(7);
        assertThat(a.vlanCount()).isEqualTo(1);
    }

    @Test
    void equalsAndHashCodeCompareArrayContents() {
        EveAlert a = alert(v4(10, 0, 0, 1), 1, v4(10, 0, 0, 2), 2, new int[] {7});
        EveAlert b = alert(v4(10, 0, 0, 1), 1, v4(10, 0, 0, 2), 2, new int[] {7});
        EveAlert c = alert(v4(10, 0, 0, 1), 1, v4(10, 0, 0, 3), 2, new int[] {7});
        EveAlert d = alert(v4(10, 0, 0, 1), 1, v4(10, 0, 0, 2), 2, new int[] {8});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c).isNotEqualTo(d);
        assertThat(a.toString()).contains("10.0.0.1:1 -> 10.0.0.2:2").contains("vlan=[7]");
    }

    @Test
    void rejectsImpossibleValues() {
        assertThatThrownBy(() -> alert(new byte[4], 1, v4(1, 1, 1, 1), 2, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 bytes");
        byte[] junk = v4(1, 1, 1, 1);
        junk[9] = 1;
        assertThatThrownBy(() -> alert(junk, 1, v4(1, 1, 1, 1), 2, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IPv4");
        assertThatThrownBy(() -> alert(v4(1, 1, 1, 1), 65536, v4(1, 1, 1, 1), 2, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("srcPort");
        assertThatThrownBy(() -> alert(v4(1, 1, 1, 1), 1, v4(1, 1, 1, 1), 2, new int[] {4096}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vlan");
    }
}
