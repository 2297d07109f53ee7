package io.flowtrap.manager.settings;

import org.springframework.data.elasticsearch.repository.ElasticsearchRepository;

/** The apply tasks in Elasticsearch. */
interface ApplyTasks extends ElasticsearchRepository<ApplyTask, String> {}
