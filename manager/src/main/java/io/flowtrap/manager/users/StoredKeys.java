package io.flowtrap.manager.users;

import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/** The API keys kept in Elasticsearch (used through {@link TokenStore} only). */
interface StoredKeys extends ElasticsearchRepository<StoredKey, String> {}
