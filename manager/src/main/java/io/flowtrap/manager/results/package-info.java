/**
 * Results made of results: any set of captures, searches and earlier merges or filters (or one
 * probe's part of a capture or search) merged by packet time into one pcap, with duplicates (the
 * same frame captured on two sensors) dropped on request and counted; one result filtered by a
 * tcpdump expression into a smaller one. Kept on disk under {@code <data-dir>/results/<id>/}. May use
 * {@code captures} and {@code searches} (their pcaps), {@code pcap}, the domain exception, rest-api's
 * records; no web part.
 */
package io.flowtrap.manager.results;
