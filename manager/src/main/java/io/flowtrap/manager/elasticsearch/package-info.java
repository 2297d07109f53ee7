/**
 * The manager's connection to Elasticsearch: how it authenticates (an API key besides Boot's
 * username/password and TLS settings) and whether the connection works ({@link
 * io.flowtrap.manager.elasticsearch.ElasticsearchHealth}), for the health endpoint and the log.
 */
package io.flowtrap.manager.elasticsearch;
