package io.flowtrap.manager.watchlists;

import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/** The watchlists kept in Elasticsearch (used through {@link Watchlists} only). */
interface StoredWatchlists extends ElasticsearchRepository<StoredWatchlist, String> {}
