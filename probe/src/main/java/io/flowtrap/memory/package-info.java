/**
 * Memory the capture path walks: off-heap buffers for the large rings (the look-back ring, the
 * store's hand-off) on the kernel's transparent huge pages where it offers them, and the page tables
 * of a mapped capture file filled ahead of its reader; both asked for through {@code madvise} (JNA).
 * May import java.*, JNA and slf4j only.
 */
package io.flowtrap.memory;
