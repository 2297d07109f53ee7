/**
 * Packets as the probe sees them: the reusable record a source hands over ({@link
 * io.flowtrap.packet.PacketRecord}), the in-place header decoder, the canonical flow key, Community
 * ID v1 and the flow resolver that sends IP fragments to their first fragment's flow. Hot-path code:
 * nothing here allocates per packet. May import the JDK only (no pcap4j, Spring, Chronicle, and no
 * other io.flowtrap package).
 */
package io.flowtrap.packet;
