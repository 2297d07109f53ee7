/**
 * Results and what analysts do with them: a result is any finished file the manager holds (a
 * capture's merged pcap, one probe's part of it; other kinds join by a {@link
 * io.flowtrap.manager.sharing.ResultSource}), named by kind and id, with its file and SHA-256;
 * tags and a comment on each; share links that hand one over without a login until they expire
 * or are revoked, each open counted and kept. Kept in the data dir. May use {@code captures} (its
 * results), the errors, rest-api's records; no web part.
 */
package io.flowtrap.manager.sharing;
