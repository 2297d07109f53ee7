package io.flowtrap.manager.probes;

import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/** The probes kept in Elasticsearch (used through {@link ProbeRegistry} only). */
interface ManagedProbes extends ElasticsearchRepository<ManagedProbe, String> {}
