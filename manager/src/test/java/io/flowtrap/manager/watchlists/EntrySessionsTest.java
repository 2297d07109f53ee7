package io.flowtrap.manager.watchlists;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.api.manager.WatchlistAnswer.Session;
import io.flowtrap.api.manager.WatchlistAnswer.SessionCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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

    @Test
    void whatChangedIsTakenOnceToStoreAndWhatIsStoredRestoresTheSameSessions() {
        EntrySessions sessions = new EntrySessions();
        Instant seen = Instant.parse("2026-12-01T16:59:59.123456Z"); // the probe's microseconds
        sessions.event("192.0.2.0/24", "sensor-1", seen, T0);
        sessions.reloaded(List.of("192.0.2.0/24", "198.51.100.7/32"), List.of("192.0.2.0/24"), T0.plusSeconds(60));
        Map<String, StoredWatchlistSession> changed = sessions.takeUnsaved("et");
        assertThat(changed).containsOnlyKeys("192.0.2.0/24", "198.51.100.7/32");
        assertThat(changed.get("198.51.100.7/32").removedMs()).isEqualTo(T0.plusSeconds(60).toEpochMilli());
        assertThat(changed.get("192.0.2.0/24").id()).isEqualTo("et|192.0.2.0/24");
        assertThat(sessions.takeUnsaved("et")).isEmpty(); // taken once

        EntrySessions restored = new EntrySessions();
        changed.values().forEach(restored::restore);
        Instant now = T0.plusSeconds(61);
        assertThat(restored.list(now, IDLE)).isEqualTo(sessions.list(now, IDLE));
        assertThat(restored.counts(1, now, IDLE)).isEqualTo(sessions.counts(1, now, IDLE));
        assertThat(restored.takeUnsaved("et")).as("restored is stored").isEmpty();

        // an entry a reload brings back starts pending again: its stored session goes (null)
        restored.reloaded(List.of("192.0.2.0/24"), List.of("192.0.2.0/24", "198.51.100.7/32"), now);
        Map<String, StoredWatchlistSession> back = restored.takeUnsaved("et");
        assertThat(back).containsOnlyKeys("198.51.100.7/32");
        assertThat(back.get("198.51.100.7/32")).isNull();
        // a failed store: the entries come back at the next take
        restored.unsaved(back.keySet());
        assertThat(restored.takeUnsaved("et")).containsOnlyKeys("198.51.100.7/32");
    }
}
