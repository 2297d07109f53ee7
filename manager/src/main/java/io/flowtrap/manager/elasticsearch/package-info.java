/**
 * The manager's connection to Elasticsearch: how it authenticates (an API key besides Boot's
 * username/password and TLS settings), whether the connection works ({@link
 * io.flowtrap.manager.elasticsearch.ElasticsearchHealth}), for the health endpoint and the log, and
 * the indices of the manager's own state with their templates from schemas/ ({@link
 * io.flowtrap.manager.elasticsearch.StateIndices}), and the same client and state indices without
 * the manager for the commands ({@link io.flowtrap.manager.elasticsearch.StandaloneState}).
 */
package io.flowtrap.manager.elasticsearch;
