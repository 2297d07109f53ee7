package io.flowtrap.probe.capture;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The C library calls the ring capture makes, bound by JNA's direct mapping (no argument arrays,
 * no allocation for primitive and pointer arguments). Only {@link LinuxPacketSocket} calls them;
 * the meaning of each argument is the Linux man page's. {@code size_t}, {@code off_t} and
 * {@code nfds_t} are passed as {@code long}: the ring engine runs on 64-bit Linux only (checked
 * by {@link LinuxPacketSocket}). After a failed call, {@link Native#getLastError()} holds errno.
 */
final class Libc {
    static {
        Native.register(Libc.class, "c");
    }

    private Libc() {}

    static native int socket(int domain, int type, int protocol);

    static native int setsockopt(int fd, int level, int name, Pointer value, int length);

    static native int getsockopt(int fd, int level, int name, Pointer value, Pointer length);

    static native int bind(int fd, Pointer address, int length);

    static native int getsockname(int fd, Pointer address, Pointer length);

    static native int if_nametoindex(String name);

    static native Pointer mmap(Pointer address, long length, int protection, int flags, int fd, long offset);

    static native int munmap(Pointer address, long length);

    static native int poll(Pointer fds, long count, int timeoutMillis);

    static native int close(int fd);

    static native String strerror(int errno);

    static native long sysconf(int name);
}
