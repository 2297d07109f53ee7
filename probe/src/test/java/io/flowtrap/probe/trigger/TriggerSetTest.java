package io.flowtrap.probe.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import org.junit.jupiter.api.Test;

/** Bits are given round robin and keep naming their trigger after it went; names are unique and checked; the cap holds. */
class TriggerSetTest {
    private static Trigger list(String name) throws Exception {
        return Trigger.ofWatchlist(name, Watchlist.read(name, new StringReader("192.0.2.1\n")));
    }

    @Test
    void aFreedBitIsGivenAgainOnlyAfterTheOthers() throws Exception {
        TriggerSet set = TriggerSet.EMPTY.with(list("a")).with(list("b"));
        assertThat(set.bits()).isEqualTo(0b110);
        TriggerSet withoutA = set.without("a");
        assertThat(withoutA.bits()).isEqualTo(0b100);
        assertThat(withoutA.names(0b111)).containsExactly("alert", "a", "b"); // flows armed by "a" before still say so
        TriggerSet withC = withoutA.with(list("c"));
        assertThat(withC.bits()).isEqualTo(0b1100);
        assertThat(withC.byName()).containsOnlyKeys("b", "c");
        assertThat(set.without("nobody")).isSameAs(set);
    }

    @Test
    void namesAreUniqueAndCheckedAndAtMost63TriggersAreInForce() throws Exception {
        TriggerSet set = TriggerSet.EMPTY.with(list("a"));
        assertThatThrownBy(() -> set.with(list("a"))).hasMessageContaining("in force already");
        assertThatThrownBy(() -> list("alert")).hasMessageContaining("not 'alert'");
        assertThatThrownBy(() -> list("two words")).hasMessageContaining("letters, digits");
        TriggerSet full = TriggerSet.EMPTY;
        for (int i = 0; i < TriggerSet.MAX_TRIGGERS; i++) {
            full = full.with(list("t" + i));
        }
        assertThat(full.bits()).isEqualTo(~1L);
        TriggerSet last = full;
        assertThatThrownBy(() -> last.with(list("one-more"))).hasMessageContaining("at most 63");
        assertThat(full.without("t5").with(list("one-more")).byName()).containsKey("one-more").doesNotContainKey("t5");
    }
}
