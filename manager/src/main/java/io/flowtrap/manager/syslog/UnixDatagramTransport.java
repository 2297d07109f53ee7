package io.flowtrap.manager.syslog;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Datagrams to a local UNIX socket such as {@code /dev/log}, as syslog(3) sends them. Java's own
 * UNIX-domain channels are stream sockets only, so the calls go through JNA. Each message is sent
 * to the path (no connect), so a syslog daemon that restarts and makes its socket anew is reached
 * again at once; {@code MSG_DONTWAIT} keeps a full socket from blocking the caller.
 */
final class UnixDatagramTransport implements SyslogTransport {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sockaddr_un: sa_family_t (2 bytes), then sun_path[108]. */
    private static final int SUN_PATH = 108;

    static {
        Native.register(UnixDatagramTransport.class, "c");
    }

    private static native int socket(int domain, int type, int protocol);

    private static native long sendto(int fd, byte[] buffer, long length, int flags, Pointer address, int addressLength);

    private static native int close(int fd);

    private static native String strerror(int errno);

    private final String path;
    private final Memory address = new Memory(2 + SUN_PATH);
    private final int fd;
    private boolean closed;

    UnixDatagramTransport(String path) throws IOException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) {
            throw new IOException("syslog socket path longer than " + (SUN_PATH - 1) + " bytes: " + path);
        }
        this.path = path;
        address.clear();
        address.setShort(0, (short) AF_UNIX);
        address.write(2, name, 0, name.length);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM): " + strerror(Native.getLastError()));
        }
    }

    @Override
    public synchronized String send(byte[] message, int length) {
        if (closed) {
            return "closed";
        }
        long sent = sendto(fd, message, length, MSG_DONTWAIT | MSG_NOSIGNAL, address, 2 + SUN_PATH);
        return sent == length ? null : sent < 0 ? strerror(Native.getLastError()) : "sent " + sent + " of " + length + " bytes";
    }

    @Override
    public String describe() {
        return "unix:" + path;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            close(fd);
        }
    }
}
