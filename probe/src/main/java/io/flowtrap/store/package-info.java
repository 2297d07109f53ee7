/**
 * The conditional pcap store: one directory of segments, each a standard nanosecond pcap file plus
 * our flow index, owned by {@link io.flowtrap.store.Segments} (listing, sealed list, the mappings
 * extraction reads through); a manifest, rotation by total size, crash recovery, and per-flow
 * extraction (the segment being written included); its own writer thread, fed by the capturing
 * thread through a bounded lock-free hand-off, that outlives a full disk. Files 0640, directories
 * 0750 ({@link io.flowtrap.store.StoreFiles}). The
 * on-disk layouts are documented in {@link io.flowtrap.store.SegmentIndex} (index),
 * {@link io.flowtrap.pcap.PcapFormat} (pcap) and {@link io.flowtrap.store.StoreManifest}.
 *
 * <p>May import java.*, io.flowtrap.pcap, io.flowtrap.packet and io.flowtrap.memory (the hand-off on
 * huge pages) only: no Spring, pcap4j, Jackson.
 */
package io.flowtrap.store;
