package io.flowtrap.manager.probes;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Appliances page reads a probe's unlabelled counters from its Prometheus text; labelled series and comments are skipped. */
class ApplianceStatusBoardTest {
    @Test
    void unlabelledSamplesAreRead() {
        var m = ApplianceStatusBoard.parseMetrics("""
                # HELP flowtrap_packets_captured_total packets read
                # TYPE flowtrap_packets_captured_total counter
                flowtrap_packets_captured_total 1766.0
                flowtrap_alerts_lost_total{reason="inbox_full"} 3.0
                flowtrap_lookback_hits_total 67
                garbage line here
                """);
        assertThat(m).containsEntry("flowtrap_packets_captured_total", 1766.0).containsEntry("flowtrap_lookback_hits_total", 67.0)
                .doesNotContainKey("flowtrap_alerts_lost_total").hasSize(2);
    }

    @Test
    void daysCoveredComeFromTheOldestAndNewestPacket() {
        long day = 86_400_000_000_000L;
        ApplianceStatus s = new ApplianceStatus("p", "u", "gui", true, "", 1, 0, 0, 0, 10 * day, 13 * day + day / 2, 0, 0, 0, 0, -1, "");
        assertThat(s.daysCovered()).isEqualTo(3.5);
        assertThat(new ApplianceStatus("p", "u", "gui", true, "", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, "").daysCovered()).isEqualTo(-1);
    }
}
