package io.flowtrap.manager.watchlists;

import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/**
 * The watchlist entries' capture sessions kept in Elasticsearch (used through {@link Watchlists} only, which reads a
 * list's sessions with {@link io.flowtrap.manager.elasticsearch.StateIndices#readMatching}).
 */
interface StoredWatchlistSessions extends ElasticsearchRepository<StoredWatchlistSession, String> {}
