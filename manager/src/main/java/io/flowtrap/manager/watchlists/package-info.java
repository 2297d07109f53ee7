/**
 * Watchlists: lists of addresses and CIDRs (Emerging Threats, FireHOL formats) loaded from a request
 * or a file of the watchlist directory, put in force on probes as watchlist triggers, reloaded
 * (replaced) and deleted; the capture sessions of their entries (pending, active, expired, removed)
 * counted from the watchlist events the alerts ingest indexes; lists and sessions kept in
 * Elasticsearch (state indices {@code watchlists}, {@code watchlist-sessions}) and read back at
 * start. May use {@code probes} (triggers), the alerts' {@code WatchlistEventListener},
 * {@code elasticsearch.StateIndices}, Spring Data, the schemas, the domain exception, rest-api's
 * records; no web part.
 */
package io.flowtrap.manager.watchlists;
