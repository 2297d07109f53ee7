package io.flowtrap.memory;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct buffers on 2 MB transparent huge pages. The look-back ring is walked at random (an armed
 * flow's chain) and, with the hand-off, streamed through at the packet rate: on 4 KB pages each of
 * those touches a different page and most miss the TLB (256 MB is 65,536 pages; a core's TLB holds
 * a few thousand), on 2 MB pages 128 pages cover the ring. The JVM's {@code UseTransparentHugePages}
 * covers only its heap, so these buffers ask the kernel themselves: the buffer is cut from a direct
 * buffer 2 MB larger at a 2 MB boundary, marked {@code MADV_HUGEPAGE} (so new faults and
 * khugepaged use huge pages) and then {@code MADV_COLLAPSE}d (Linux 6.1+: the pages the JVM's
 * zeroing already faulted in are made huge now, at allocation, not minutes later). Where the
 * kernel says no (THP {@code never}, another OS, an older kernel, no free huge page), the buffer
 * is an ordinary direct buffer, which works the same, only slower; the outcome is logged once per
 * buffer. Freed by the garbage collector like any direct buffer. Thread-safe.
 */
public final class HugePageBuffers {
    private static final Logger log = LoggerFactory.getLogger(HugePageBuffers.class);
    static final long HUGE_PAGE = 2L << 20;
    private static final int MADV_HUGEPAGE = 14;
    private static final int MADV_COLLAPSE = 25;
    private static final Path THP_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    private static final boolean OFFERED = offered();

    private HugePageBuffers() {}

    /** What {@link #allocate} came to: the buffer, and whether the kernel put it on huge pages now. */
    public record Allocation(ByteBuffer buffer, boolean hugePages) {}

    /**
     * A zeroed direct buffer of {@code capacity} bytes (big-endian, as {@link ByteBuffer#allocateDirect}),
     * on huge pages where the kernel grants them; {@code what} names it in the log.
     */
    public static Allocation allocate(String what, int capacity) {
        if (!OFFERED || capacity < HUGE_PAGE || capacity > Integer.MAX_VALUE - HUGE_PAGE) {
            return new Allocation(ByteBuffer.allocateDirect(capacity), false);
        }
        ByteBuffer raw = ByteBuffer.allocateDirect((int) (capacity + HUGE_PAGE));
        long address = Pointer.nativeValue(Native.getDirectBufferPointer(raw));
        long aligned = (address + HUGE_PAGE - 1) & -HUGE_PAGE;
        long length = capacity & -HUGE_PAGE; // whole huge pages inside the buffer; the tail stays on small pages
        int offset = (int) (aligned - address);
        ByteBuffer buffer = raw.position(offset).limit(offset + capacity).slice();
        boolean huge = false;
        try {
            Pointer start = new Pointer(aligned);
            if (Madvise.madvise(start, length, MADV_HUGEPAGE) != 0) {
                log.info("{}: {} MB on small pages (madvise MADV_HUGEPAGE: errno {})", what, capacity >> 20, Native.getLastError());
            } else if (Madvise.madvise(start, length, MADV_COLLAPSE) != 0) {
                log.info("{}: {} MB marked for huge pages, which khugepaged makes over time (MADV_COLLAPSE: errno {})", what,
                        capacity >> 20, Native.getLastError());
            } else {
                huge = true;
                log.info("{}: {} MB on transparent huge pages", what, capacity >> 20);
            }
        } catch (LinkageError e) {
            log.info("{}: {} MB on small pages (no madvise here: {})", what, capacity >> 20, e.toString());
        }
        return new Allocation(buffer, huge);
    }

    /** Linux, and its transparent huge pages not switched off. */
    private static boolean offered() {
        if (!Platform.isLinux()) {
            return false;
        }
        try {
            return !Files.readString(THP_ENABLED).contains("[never]");
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
