package io.flowtrap.manager.watchlists;

import io.flowtrap.api.manager.WatchlistAnswer.Session;
import io.flowtrap.api.manager.WatchlistAnswer.SessionCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The capture sessions of one watchlist's entries: an entry is pending until its first watchlist
 * event, active while events come, expired once {@code idle} passed without one (active again at
 * the next), removed when a reload dropped it (kept, with its counts, until the watchlist is
 * deleted). Only entries that had an event or were removed are held; pending ones are counted from
 * the list. The state is worked out when asked, from when the manager took the entry's last event
 * (the probe's clock, and a replay's times, do not decide it); {@code first_seen}/{@code last_seen}
 * are the flows' times as the probe saw them. What changed is kept as unsaved until {@link Watchlists}
 * stores it ({@link #takeUnsaved}); a start restores what was stored. Thread-safe: each method holds
 * this object's lock.
 */
final class EntrySessions {
    /** Sessions an answer lists; all are counted. */
    static final int SHOWN = 1_000;

    private static final class Tracked {
        long flows;
        Instant firstSeen;
        Instant lastSeen;
        Instant removedAt;
        Instant lastEvent;
        final Set<String> probes = new TreeSet<>();
    }

    private final Map<String, Tracked> byEntry = new HashMap<>();
    /** Entries whose session changed (or went) since it was last stored. */
    private final Set<String> unsaved = new HashSet<>();

    /** A session as stored (read back at a start). */
    synchronized void restore(StoredWatchlistSession stored) {
        Tracked t = new Tracked();
        t.flows = stored.flows();
        t.firstSeen = stored.firstSeen().isEmpty() ? null : Instant.parse(stored.firstSeen());
        t.lastSeen = stored.lastSeen().isEmpty() ? null : Instant.parse(stored.lastSeen());
        t.lastEvent = instant(stored.lastEventMs());
        t.removedAt = instant(stored.removedMs());
        t.probes.addAll(stored.probes());
        byEntry.put(stored.entry(), t);
    }

    /** What changed since the last call, to store: each changed session, or null for one that went; taken off the unsaved. */
    synchronized Map<String, StoredWatchlistSession> takeUnsaved(String watchlist) {
        Map<String, StoredWatchlistSession> out = new HashMap<>();
        for (String entry : unsaved) {
            Tracked t = byEntry.get(entry);
            out.put(entry, t == null ? null : new StoredWatchlistSession(StoredWatchlistSession.id(watchlist, entry), watchlist, entry,
                    t.flows, List.copyOf(t.probes), text(t.firstSeen), text(t.lastSeen), millis(t.lastEvent), millis(t.removedAt)));
        }
        unsaved.clear();
        return out;
    }

    /** {@code entries} could not be stored: they are stored at the next try. */
    synchronized void unsaved(Collection<String> entries) {
        unsaved.addAll(entries);
    }

    private static Instant instant(long ms) {
        return ms == 0 ? null : Instant.ofEpochMilli(ms);
    }

    private static long millis(Instant t) {
        return t == null ? 0 : t.toEpochMilli();
    }

    /** A watchlist event of {@code entry} (an entry of the list in force) for a flow seen until {@code seen}. */
    synchronized void event(String entry, String probe, Instant seen, Instant now) {
        Tracked t = byEntry.computeIfAbsent(entry, e -> new Tracked());
        t.flows++;
        t.lastEvent = now;
        t.probes.add(probe);
        t.firstSeen = t.firstSeen == null || seen.isBefore(t.firstSeen) ? seen : t.firstSeen;
        t.lastSeen = t.lastSeen == null || seen.isAfter(t.lastSeen) ? seen : t.lastSeen;
        unsaved.add(entry);
    }

    /**
     * A reload replaced {@code before} by {@code after}: the sessions of entries it dropped end
     * (removed, pending ones too); an entry that returns starts pending again.
     */
    synchronized void reloaded(Collection<String> before, Collection<String> after, Instant now) {
        Set<String> kept = Set.copyOf(after);
        for (String entry : before) {
            if (!kept.contains(entry)) {
                Tracked t = byEntry.computeIfAbsent(entry, e -> new Tracked());
                if (t.removedAt == null) {
                    t.removedAt = now;
                    unsaved.add(entry);
                }
            }
        }
        byEntry.entrySet().removeIf(e -> {
            boolean returns = kept.contains(e.getKey()) && e.getValue().removedAt != null;
            if (returns) {
                unsaved.add(e.getKey());
            }
            return returns;
        });
    }

    synchronized SessionCounts counts(int entriesInForce, Instant now, Duration idle) {
        long active = 0;
        long expired = 0;
        long removed = 0;
        long tracked = 0;
        for (Tracked t : byEntry.values()) {
            switch (state(t, now, idle)) {
                case "active" -> active++;
                case "expired" -> expired++;
                default -> removed++;
            }
            if (t.removedAt == null) {
                tracked++;
            }
        }
        return new SessionCounts(entriesInForce - tracked, active, expired, removed);
    }

    /** The sessions that are not pending, most recently seen (or removed) first, at most {@link #SHOWN}. */
    synchronized List<Session> list(Instant now, Duration idle) {
        List<Map.Entry<String, Tracked>> all = new ArrayList<>(byEntry.entrySet());
        all.sort(Comparator.comparing((Map.Entry<String, Tracked> e) -> latest(e.getValue())).reversed()
                .thenComparing(Map.Entry::getKey));
        List<Session> out = new ArrayList<>(Math.min(all.size(), SHOWN));
        for (Map.Entry<String, Tracked> e : all.subList(0, Math.min(all.size(), SHOWN))) {
            Tracked t = e.getValue();
            out.add(new Session(e.getKey(), state(t, now, idle), t.flows, text(t.firstSeen), text(t.lastSeen),
                    text(t.lastEvent), text(t.removedAt), List.copyOf(t.probes)));
        }
        return out;
    }

    private static Instant latest(Tracked t) {
        Instant seen = t.lastEvent == null ? Instant.EPOCH : t.lastEvent;
        return t.removedAt != null && t.removedAt.isAfter(seen) ? t.removedAt : seen;
    }

    private static String state(Tracked t, Instant now, Duration idle) {
        if (t.removedAt != null) {
            return "removed";
        }
        return t.lastEvent.plus(idle).isBefore(now) ? "expired" : "active";
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }
}
