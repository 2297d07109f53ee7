/**
 * Analyst searches over the probes' stores: a BPF filter and a time window carved from each probe's
 * store by its search endpoint (one search at a time per probe, the others queued with their
 * position shown), bounded up front by the window's length and the bytes the probes' manifests say
 * it covers, progress relayed while it runs, cancellable, a probe's failure kept to its own part
 * (retries capped, reasons kept), the parts merged by time into one pcap; each deletion told as a
 * {@link io.flowtrap.manager.searches.SearchDeleted}. May use {@code probes},
 * {@code pcap}, the domain exception, rest-api's records; no web part.
 */
package io.flowtrap.manager.searches;
