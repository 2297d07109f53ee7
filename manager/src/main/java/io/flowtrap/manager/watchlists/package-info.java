/**
 * Watchlists: lists of addresses and CIDRs (Emerging Threats, FireHOL formats) loaded from a request
 * or a file of the watchlist directory, put in force on probes as watchlist triggers, reloaded
 * (replaced) and deleted; the capture sessions of their entries (pending, active, expired, removed)
 * counted from the watchlist events the alerts ingest indexes. May use {@code probes} (triggers),
 * the alerts' {@code WatchlistEventListener}, the domain exception, rest-api's records; no web part.
 */
package io.flowtrap.manager.watchlists;
