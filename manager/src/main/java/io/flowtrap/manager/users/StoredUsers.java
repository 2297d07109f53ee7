package io.flowtrap.manager.users;

import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/** The users kept in Elasticsearch (used through {@link UserStore} only). */
interface StoredUsers extends ElasticsearchRepository<StoredUser, String> {}
