/**
 * Off-heap memory for the large buffers the capture path walks (the look-back ring, the store's
 * hand-off): direct buffers backed by the kernel's transparent huge pages where it offers them,
 * asked for through {@code madvise} (JNA). May import java.*, JNA and slf4j only.
 */
package io.flowtrap.memory;
