/**
 * Test fixtures shared by modules: a real Elasticsearch node for integration tests
 * ({@link io.flowtrap.testkit.ElasticsearchNode}).
 */
package io.flowtrap.testkit;
