package io.flowtrap.manager.watchlists;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.api.manager.WatchlistAnswer.Session;
import io.flowtrap.api.manager.WatchlistAnswer.SessionCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sessions through their states, the times given as the manager's clock would give them. */
class EntrySessionsTest {
    private static final Duration IDLE = Duration.ofMinutes(10);
    private static final Instant T0 = Instant.parse("2026-12-01T17:00:00Z");

    @Test
    void pendingUntilTheFirstEventActiveThenExpiredAfterTheIdleTimeAndActiveAgainAtTheNext() {
        EntrySessions sessions = new EntrySessions();
        assertThat(sessions.counts(2, T0, IDLE)).isEqualTo(new SessionCounts(2, 0, 0, 0));
        sessions.event("192.0.2.0/24", "sensor-1", T0.minusSeconds(5), T0);
        sessions.event("192.0.2.0/24", "live-1", T0.minusSeconds(1), T0.plusSeconds(1));
        assertThat(sessions.counts(2, T0.plusSeconds(2), IDLE)).isEqualTo(new SessionCounts(1, 1, 0, 0));
        Session s = sessions.list(T0.plusSeconds(2), IDLE).get(0);
        assertThat(s.flows()).isEqualTo(2);
        assertThat(s.firstSeen()).isEqualTo(T0.minusSeconds(5).toString());
        assertThat(s.lastSeen()).isEqualTo(T0.minusSeconds(1).toString());
        assertThat(s.probes()).containsExactly("live-1", "sensor-1");
        // exactly the idle time after the last event: still active; past it, expired
        assertThat(sessions.counts(2, T0.plusSeconds(1).plus(IDLE), IDLE).active()).isEqualTo(1);
        assertThat(sessions.counts(2, T0.plusSeconds(2).plus(IDLE), IDLE)).isEqualTo(new SessionCounts(1, 0, 1, 0));
        sessions.event("192.0.2.0/24", "live-1", T0.plus(IDLE), T0.plus(IDLE).plusSeconds(5));
        assertThat(sessions.counts(2, T0.plus(IDLE).plusSeconds(6), IDLE).active()).isEqualTo(1);
    }

    @Test
    void aReloadThatDropsAnEntryRemovesItsSessionPendingOrNotAndOneThatBringsItBackMakesItPending() {
        EntrySessions sessions = new EntrySessions();
        sessions.event("192.0.2.0/24", "sensor-1", T0, T0);
        sessions.reloaded(List.of("192.0.2.0/24", "198.51.100.7/32", "203.0.113.0/24"), List.of("203.0.113.0/24"),
                T0.plusSeconds(60));
        assertThat(sessions.counts(1, T0.plusSeconds(61), IDLE)).isEqualTo(new SessionCounts(1, 0, 0, 2));
        List<Session> listed = sessions.list(T0.plusSeconds(61), IDLE);
        assertThat(listed).extracting(Session::state).containsOnly("removed");
        assertThat(listed).filteredOn(x -> x.entry().equals("192.0.2.0/24")).singleElement()
                .satisfies(x -> assertThat(x.flows()).isEqualTo(1));
        sessions.reloaded(List.of("203.0.113.0/24"), List.of("203.0.113.0/24", "192.0.2.0/24"), T0.plusSeconds(120));
        assertThat(sessions.counts(2, T0.plusSeconds(121), IDLE)).isEqualTo(new SessionCounts(2, 0, 0, 1));
    }
}
