/**
 * Results: every finished file an analyst works with, of every kind, in one list: a capture's or a
 * search's merged pcap and each probe's part of it ({@link io.flowtrap.manager.results.ResultSource}s
 * over {@code captures} and {@code searches}), the pcap chain's retrieved pcaps (over {@code
 * extraction}'s jobs), and results made of results, kept on disk under
 * {@code <data-dir>/results/<id>/}: merges by packet time (duplicates, the same frame captured on two
 * sensors, dropped on request and counted) and filters by a tcpdump expression. Tags and a comment
 * on any of them, dropped with the result when it is deleted (told by the captures', searches' and
 * extraction jobs' deletion events, and on to {@code sharing} as a {@link io.flowtrap.manager.results.ResultDeleted}).
 * May use {@code captures} and {@code searches} (their pcaps and deletion events), {@code extraction}'s
 * jobs (their pcaps, their deletion, the event that one was deleted), {@code pcap}, the
 * audit event, the domain exception, rest-api's records; no web part.
 */
package io.flowtrap.manager.results;
