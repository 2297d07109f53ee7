package io.flowtrap.manager.audit;

import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/** The audit trail's entries in Elasticsearch (through {@link AuditTrail} only). */
interface AuditEvents extends ElasticsearchRepository<AuditEvent, String> {}
