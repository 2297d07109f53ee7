package io.flowtrap.memory;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The C calls this package makes, by JNA's direct mapping (no argument arrays, no allocation).
 * Loading it fails with a {@link LinkageError} where JNA or the C library cannot be bound; callers
 * catch that and go on without the advice. After a failed call {@link Native#getLastError()} holds errno.
 */
final class Madvise {
    static {
        Native.register(Madvise.class, Platform.C_LIBRARY_NAME);
    }

    /** The size of a base page, for aligning an address down to one. */
    static final long PAGE_SIZE = getpagesize();

    private Madvise() {}

    static native int madvise(Pointer address, long length, int advice);

    private static native int getpagesize();
}
