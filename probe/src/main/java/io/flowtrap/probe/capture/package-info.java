/**
 * Where packets come from: the {@link io.flowtrap.probe.capture.PacketSource} seam and its file
 * replay implementation. May import io.flowtrap.packet, io.flowtrap.pcap and pcap4j; nothing from
 * the flow table, look-back or store.
 */
package io.flowtrap.probe.capture;
