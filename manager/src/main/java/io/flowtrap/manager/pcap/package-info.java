/**
 * Pcap files the manager makes out of others, shared by the features that make results (captures,
 * searches, results): merging by packet time as mergecap does (with editcap-style duplicate
 * removal), and filtering by a tcpdump expression through libpcap (JNA). Uses java.* and JNA only.
 */
package io.flowtrap.manager.pcap;
