/**
 * Alerts and flow records: what probes deliver is validated, made into documents and indexed in
 * daily Elasticsearch indices (index templates from schemas/), a line at a time refused without
 * holding up the rest; alerts are searched back with a Lucene query string. Owns the documents'
 * ids, indices and the fields moved aside. May use Elasticsearch's client, schemas/, the domain
 * exception; no web part, no other feature.
 */
package io.flowtrap.manager.alerts;
