package io.flowtrap.manager.watchlists;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/** The watchlist entries' capture sessions kept in Elasticsearch (used through {@link Watchlists} only). */
interface StoredWatchlistSessions extends ElasticsearchRepository<StoredWatchlistSession, String> {
    /** Every session of {@code watchlist}, read by a scroll (a list may have many); close the stream. */
    Stream<StoredWatchlistSession> findByWatchlist(String watchlist);

    /** Deletes every session of {@code watchlist} by id (the Elasticsearch the manager runs on may lack delete-by-query). */
    default void deleteAllOf(String watchlist) {
        List<String> ids = new ArrayList<>();
        try (Stream<StoredWatchlistSession> sessions = findByWatchlist(watchlist)) {
            sessions.forEach(s -> ids.add(s.id()));
        }
        for (int from = 0; from < ids.size(); from += 1_000) {
            deleteAllById(ids.subList(from, Math.min(ids.size(), from + 1_000)));
        }
    }
}
