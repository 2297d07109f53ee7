/**
 * What arms flows besides IDS alerts: BPF filters (run by the probe's own interpreter over packets
 * it holds) and watchlists of addresses (a longest-prefix trie), gathered in the set in force that
 * the capture thread tests each new flow with (these import io.flowtrap.packet only); and the
 * service the probe API manages them through, with their documents (schemas, Jackson) and the file
 * that keeps them across restarts (the config package's StateFile).
 */
package io.flowtrap.probe.trigger;
