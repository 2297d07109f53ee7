package io.flowtrap.manager.watchlists;

import java.util.List;
import org.springframework.data.annotation.Id;
import org.springframework.data.elasticsearch.annotations.Document;
import org.springframework.data.elasticsearch.annotations.Field;
import org.springframework.data.elasticsearch.annotations.WriteTypeHint;

/**
 * The capture session of one watchlist entry as kept in Elasticsearch (schema
 * stored-watchlist-session.schema.json): what {@link EntrySessions} holds of it; the flows' times
 * as ISO instants (the probe's microseconds kept), empty for none; the manager's own in epoch
 * milliseconds, 0 for none. Its state is worked out from these when asked, as in memory.
 */
@Document(indexName = "#{@stateIndices.name('watchlist-sessions')}", createIndex = false, writeTypeHint = WriteTypeHint.FALSE)
record StoredWatchlistSession(@Id String id, String watchlist, String entry, long flows, List<String> probes,
        @Field(name = "first_seen") String firstSeen, @Field(name = "last_seen") String lastSeen,
        @Field(name = "last_event_ms") long lastEventMs, @Field(name = "removed_ms") long removedMs) {
    static final String KIND = "watchlist-sessions";

    StoredWatchlistSession {
        probes = List.copyOf(probes);
        firstSeen = firstSeen == null ? "" : firstSeen;
        lastSeen = lastSeen == null ? "" : lastSeen;
    }

    /** The id of {@code entry}'s session in {@code watchlist}. */
    static String id(String watchlist, String entry) {
        return watchlist + "|" + entry;
    }
}
