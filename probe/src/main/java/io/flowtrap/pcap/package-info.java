/**
 * The pcap and pcapng file formats: layout constants ({@link io.flowtrap.pcap.PcapFormat}) and a
 * memory-mapped, allocation-free reader ({@link io.flowtrap.pcap.PcapFileReader}). Plain Java: this
 * package may import {@code io.flowtrap.packet.PacketRecord} and the JDK only — no pcap4j, Spring or
 * Chronicle.
 */
package io.flowtrap.pcap;
