package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.FlowKey;
import org.junit.jupiter.api.Test;

class PendingAlertsTest {
    private static byte[] key(int lowPort) {
        byte[] k = new byte[FlowKey.SIZE];
        byte[] a = new byte[16];
        byte[] b = new byte[16];
        a[0] = 10;
        b[0] = 11;
        FlowKey.write(4, 6, 0, 0, 0, a, lowPort, b, 80, k, 0);
        return k;
    }

    @Test
    void anAlertWaitsForItsFlowByCommunityHashOrKey() {
        PendingAlerts pending = new PendingAlerts(4);
        assertThat(pending.isEmpty()).isTrue();
        pending.add(42L, key(1000), 0, 100);
        pending.add(42L, key(1000), 0, 100);
        pending.add(0L, key(2000), 0, 100);
        assertThat(pending.take(7L, key(3000), 0)).isZero();
        assertThat(pending.take(42L, key(9999), 0)).isEqualTo(2);
        assertThat(pending.take(99L, key(2000), 0)).isEqualTo(1);
        assertThat(pending.isEmpty()).isTrue();
    }

    @Test
    void entriesExpireAfterTheirGraceAndTheOldestGivesWayWhenFull() {
        PendingAlerts pending = new PendingAlerts(2);
        assertThat(pending.add(1L, key(1), 0, 50)).isTrue();
        assertThat(pending.add(2L, key(2), 0, 150)).isTrue();
        assertThat(pending.add(3L, key(3), 0, 150)).isFalse();
        assertThat(pending.take(1L, key(1), 0)).isZero();
        assertThat(pending.expire(100)).isZero();
        assertThat(pending.expire(151)).isEqualTo(2);
        assertThat(pending.isEmpty()).isTrue();
    }
}
