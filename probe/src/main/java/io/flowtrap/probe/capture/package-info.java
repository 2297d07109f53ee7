/**
 * Where packets come from: the {@link io.flowtrap.probe.capture.PacketSource} seam, file replay,
 * and live capture by libpcap or by the Linux kernel's TPACKET_V3 ring (its system calls through
 * JNA), chosen by {@link io.flowtrap.probe.capture.LiveSources}. May import io.flowtrap.packet,
 * io.flowtrap.pcap, the probe's settings, pcap4j, JNA and slf4j; nothing from the flow table,
 * look-back or store.
 */
package io.flowtrap.probe.capture;
