package io.flowtrap.manager.watchlists;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.api.manager.WatchlistAnswer.RefusedLine;
import org.junit.jupiter.api.Test;

/** The formats the probe reads, named as its watchlist events name their entries. */
class WatchlistTextTest {
    @Test
    void emergingThreatsAndFireholListsWithCommentsLoadAndBadLinesAreRefusedByNumber() {
        WatchlistText read = WatchlistText.read(String.join("\n",
                "# Emerging Threats - fwrules", "#", "1.2.3.4", "10.1.2.3/8   # host bits cleared, as ipset does", "",
                "2001:DB8::1/64", "1.2.3.4", "bad.example", "1.2.3.4/33", "::ffff:1.2.3.4", "256.1.1.1", "\t192.0.2.0/24\t"));
        assertThat(read.entries()).containsExactly("1.2.3.4/32", "10.0.0.0/8", "2001:db8:0:0:0:0:0:0/64", "192.0.2.0/24");
        assertThat(read.refusedCount()).isEqualTo(4);
        assertThat(read.refusedShown()).extracting(RefusedLine::line).containsExactly(8L, 9L, 10L, 11L);
        assertThat(read.refusedShown().get(1).reason()).isEqualTo("prefix length 33 is over 32");
        assertThat(read.refusedShown().get(2).reason()).contains("IPv4-mapped");
    }

    @Test
    void refusedLinesAreAllCountedAndTheFirstHundredShown() {
        WatchlistText read = WatchlistText.read("x\n".repeat(250) + "192.0.2.1\n");
        assertThat(read.entries()).containsExactly("192.0.2.1/32");
        assertThat(read.refusedCount()).isEqualTo(250);
        assertThat(read.refusedShown()).hasSize(WatchlistText.REFUSED_SHOWN);
    }
}
