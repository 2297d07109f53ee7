/**
 * What arms flows besides IDS alerts: BPF filters (run by the probe's own interpreter over packets
 * it holds) and watchlists of addresses (a longest-prefix trie), gathered in the set in force that
 * the capture thread tests each new flow with. May import io.flowtrap.packet only.
 */
package io.flowtrap.probe.trigger;
