package io.flowtrap.manager.settings;

import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/** The templates in Elasticsearch. */
interface SettingsTemplates extends ElasticsearchRepository<SettingsTemplate, String> {}
