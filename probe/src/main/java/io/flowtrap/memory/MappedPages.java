package io.flowtrap.memory;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.MappedByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the page tables of a memory-mapped file on a background thread, ahead of the thread that
 * reads it. A fresh mapping costs its reader a page fault each time it reaches memory the kernel has
 * not mapped yet (16 pages at a time around the fault): a replay as fast as possible spent about 6 % of
 * its capture thread's time in those faults (async-profiler, ingest benchmark, 2026-12-01).
 * {@code madvise(MADV_POPULATE_READ)} (Linux 5.14+) maps the whole region in one call, reading from
 * the disk what the page cache does not hold yet; run on a daemon thread it takes both the faults and
 * any disk wait off the reader. Where the kernel or the platform refuses, nothing changes (the reader
 * faults as before), logged once. At most two regions wait; a newer one pushes out the oldest, which
 * its reader has passed by then. Thread-safe.
 */
public final class MappedPages {
    private static final Logger log = LoggerFactory.getLogger(MappedPages.class);
    private static final int MADV_POPULATE_READ = 22;
    private static final AtomicBoolean refusalLogged = new AtomicBoolean();
    private static final ThreadPoolExecutor populator = populator();

    private MappedPages() {}

    /** Asks the background thread to map all of {@code region} in; returns at once. */
    public static void populateAhead(MappedByteBuffer region) {
        if (Platform.isLinux() && region.capacity() > 0) {
            populator.execute(() -> populate(region));
        }
    }

    /** Maps all of {@code region} in now; whether the kernel did (false: refused, logged once). */
    static boolean populate(MappedByteBuffer region) {
        try {
            long address = Pointer.nativeValue(Native.getDirectBufferPointer(region));
            long start = address & -Madvise.PAGE_SIZE; // a mapping's buffer may begin inside its first page
            if (Madvise.madvise(new Pointer(start), region.capacity() + (address - start), MADV_POPULATE_READ) == 0) {
                return true;
            }
            refused("errno " + Native.getLastError());
        } catch (LinkageError e) {
            refused(e.toString());
        }
        return false;
    }

    private static void refused(String why) {
        if (refusalLogged.compareAndSet(false, true)) {
            log.info("mapped files are read with page faults (madvise MADV_POPULATE_READ, Linux 5.14+: {})", why);
        }
    }

    private static ThreadPoolExecutor populator() {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(2), r -> {
            Thread t = new Thread(r, "flowtrap-page-populator");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardOldestPolicy());
    }
}
