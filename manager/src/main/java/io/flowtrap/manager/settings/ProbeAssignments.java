package io.flowtrap.manager.settings;

import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/** Which template each probe follows, its overrides and what it reported, in Elasticsearch. */
interface ProbeAssignments extends ElasticsearchRepository<ProbeAssignment, String> {}
