package io.flowtrap.manager.alerts;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Told of each watchlist event the ingest indexed (after Elasticsearch took it): the watchlists
 * feature counts its capture sessions by them. Called on the ingest's request thread; must not block.
 */
@FunctionalInterface
public interface WatchlistEventListener {
    /** {@code event}: the indexed document (schemas/watchlist-event, with {@code host}); read it, do not keep it. */
    void watchlistEventIndexed(String probe, JsonNode event);
}
