package io.flowtrap.probe.capture;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteOrder;

/**
 * One Linux {@code AF_PACKET} socket with a TPACKET_V3 receive ring, set up the way libpcap does
 * (pcap-linux.c): opened with protocol 0 so that it sees nothing until it is bound to its
 * interface with {@code ETH_P_ALL}; {@code PACKET_VERSION}, {@code PACKET_RESERVE}, the optional
 * BPF filter ({@code SO_ATTACH_FILTER}) and {@code PACKET_RX_RING} before the bind, so that no
 * packet reaches it unfiltered or outside the ring; promiscuous mode by membership
 * ({@code PACKET_MR_PROMISC}, undone by the kernel when the socket closes). Owns the byte layout
 * of the structures it passes to the kernel (offsets as in {@code <linux/if_packet.h>},
 * {@code <linux/filter.h>}, {@code <poll.h>}, 64-bit Linux):
 * <pre>
 * tpacket_req3      28 B: u32 block_size @0, block_nr @4, frame_size @8, frame_nr @12,
 *                         retire_blk_tov (ms) @16, sizeof_priv @20, feature_req_word @24
 * sockaddr_ll       20 B: u16 family @0, be16 protocol @2, i32 ifindex @4, u16 hatype @8,
 *                         u8 pkttype @10, u8 halen @11, u8 addr[8] @12
 * packet_mreq       16 B: i32 ifindex @0, u16 type @4, u16 alen @6, u8 address[8] @8
 * sock_fprog        16 B: u16 len @0, pointer to sock_filter[len] @8 (sock_filter: 8 B each)
 * tpacket_stats_v3  12 B: u32 packets @0 (received + dropped), drops @4, freeze_q_cnt @8;
 *                         the kernel zeroes them on each read, so this class adds them up
 * pollfd             8 B: i32 fd @0, i16 events @4, i16 revents @6
 * </pre>
 * The ring's own layout (blocks and frames) is {@link PacketRingSource}'s.
 *
 * <p>Thread-safety: set-up, {@link #poll} and {@link #close} belong to the capture thread; the
 * statistics ({@link #drops()}, {@link #freezes()}, {@link #packets()}) may be read from any
 * thread, also after {@link #close} (they then keep the last totals).
 */
final class LinuxPacketSocket implements AutoCloseable {
    static final int TPACKET_V3 = 2;
    /** Bytes kept free in front of each frame's MAC header: room to put back a 4-byte 802.1Q tag. */
    static final int RESERVE = 4;

    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final short ETH_P_ALL = 0x0003;
    private static final int SOL_SOCKET = 1;
    private static final int SO_ERROR = 4;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int SO_DETACH_FILTER = 27;
    private static final int ENOENT = 2;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_ADD_MEMBERSHIP = 1;
    private static final int PACKET_RX_RING = 5;
    private static final int PACKET_STATISTICS = 6;
    private static final int PACKET_VERSION = 10;
    private static final int PACKET_RESERVE = 12;
    private static final int PACKET_MR_PROMISC = 1;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final short POLLIN = 0x001;
    private static final short POLLERR = 0x008;
    private static final short POLLHUP = 0x010;
    private static final short POLLNVAL = 0x020;
    private static final int EINTR = 4;

    private final String interfaceName;
    private final int fd;
    private final Memory pollFd = new Memory(8);
    private final Memory stats = new Memory(12);
    private final Memory statsLength = new Memory(4);
    private Pointer ring;
    private long ringBytes;
    private boolean closed;
    private long packets;
    private long drops;
    private long freezes;

    private LinuxPacketSocket(String interfaceName, int fd) {
        this.interfaceName = interfaceName;
        this.fd = fd;
        pollFd.setInt(0, fd);
        pollFd.setShort(4, (short) (POLLIN | POLLERR));
    }

    /**
     * Opens the socket on {@code interfaceName} with a ring of {@code geometry}, the optional BPF
     * program (null: every packet) and promiscuous mode if asked; maps the ring and binds.
     *
     * @return the open socket; {@link #ring()} is the mapped ring
     * @throws IOException naming the interface, the call that failed and errno's text
     */
    static LinuxPacketSocket open(String interfaceName, RingGeometry geometry, SocketFilter filter, boolean promiscuous)
            throws IOException {
        requireLinux();
        int ifindex = Libc.if_nametoindex(interfaceName);
        if (ifindex == 0) {
            throw new IOException("cannot capture on " + interfaceName + ": no such interface (" + lastError() + ")");
        }
        int fd = Libc.socket(AF_PACKET, SOCK_RAW, 0);
        if (fd < 0) {
            throw new IOException("cannot capture on " + interfaceName + ": socket(AF_PACKET): " + lastError());
        }
        LinuxPacketSocket socket = new LinuxPacketSocket(interfaceName, fd);
        try {
            socket.setInt(SOL_PACKET, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION TPACKET_V3");
            socket.setInt(SOL_PACKET, PACKET_RESERVE, RESERVE, "PACKET_RESERVE");
            if (filter != null) {
                socket.attach(filter);
            }
            Memory request = new Memory(28);
            request.setInt(0, geometry.blockSize());
            request.setInt(4, geometry.blockCount());
            request.setInt(8, geometry.frameSize());
            request.setInt(12, geometry.frameCount());
            request.setInt(16, geometry.retireTimeoutMillis());
            request.setInt(20, 0);
            request.setInt(24, 0);
            socket.set(SOL_PACKET, PACKET_RX_RING, request, 28, "PACKET_RX_RING " + geometry);
            socket.ringBytes = geometry.ringBytes();
            Pointer mapped = Libc.mmap(null, socket.ringBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (Pointer.nativeValue(mapped) == -1L) {
                throw socket.failure("mmap of " + socket.ringBytes + " bytes");
            }
            socket.ring = mapped;
            Memory address = new Memory(20);
            address.clear();
            address.setShort(0, (short) AF_PACKET);
            address.setShort(2, networkOrder(ETH_P_ALL));
            address.setInt(4, ifindex);
            if (Libc.bind(fd, address, 20) != 0) {
                throw socket.failure("bind");
            }
            if (promiscuous) {
                Memory membership = new Memory(16);
                membership.clear();
                membership.setInt(0, ifindex);
                membership.setShort(4, (short) PACKET_MR_PROMISC);
                socket.set(SOL_PACKET, PACKET_ADD_MEMBERSHIP, membership, 16, "PACKET_ADD_MEMBERSHIP PACKET_MR_PROMISC");
            }
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Replaces the socket's BPF program (null: none, every packet); the kernel swaps it atomically.
     * Any thread; fails once the socket is closed.
     */
    synchronized void filter(SocketFilter filter) throws IOException {
        if (closed) {
            throw new IOException("capture on " + interfaceName + " has stopped");
        }
        if (filter != null) {
            attach(filter);
        } else if (Libc.setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, new Memory(4), 4) != 0
                && Native.getLastError() != ENOENT) { // ENOENT: there was none
            throw failure("setsockopt(SO_DETACH_FILTER)");
        }
    }

    private void attach(SocketFilter filter) throws IOException {
        Memory program = new Memory(16);
        program.clear();
        program.setShort(0, (short) filter.instructionCount());
        program.setPointer(8, filter.instructions());
        set(SOL_SOCKET, SO_ATTACH_FILTER, program, 16, "SO_ATTACH_FILTER");
    }

    /** IOException unless this is 64-bit Linux, where the layouts here hold; before any libc call. */
    static void requireLinux() throws IOException {
        if (!Platform.isLinux() || Native.POINTER_SIZE != 8) {
            throw new IOException("the ring capture engine needs 64-bit Linux; use capture.engine: pcap");
        }
    }

    /** The interface's ARPHRD_* hardware type, from the bound address ({@code sll_hatype}). */
    int hardwareType() throws IOException {
        Memory address = new Memory(20);
        address.clear();
        Memory length = new Memory(4);
        length.setInt(0, 20);
        if (Libc.getsockname(fd, address, length) != 0) {
            throw failure("getsockname");
        }
        return Short.toUnsignedInt(address.getShort(8));
    }

    /** The mapped ring, {@code geometry.ringBytes()} long; valid until {@link #close}. */
    Pointer ring() {
        return ring;
    }

    /**
     * Waits up to {@code timeoutMillis} for the ring to have a block for user space (capture thread).
     *
     * @return true if the kernel says a block is ready, false on timeout or a signal
     * @throws IOException if the socket reports an error (the interface went down, ...)
     */
    boolean poll(int timeoutMillis) throws IOException {
        pollFd.setShort(6, (short) 0);
        int n = Libc.poll(pollFd, 1, timeoutMillis);
        if (n < 0) {
            int errno = Native.getLastError();
            if (errno == EINTR) {
                return false;
            }
            throw new IOException("capture on " + interfaceName + ": poll: " + Libc.strerror(errno));
        }
        short revents = pollFd.getShort(6);
        if ((revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
            throw new IOException("capture on " + interfaceName + ": socket error: " + pendingError());
        }
        return n > 0 && (revents & POLLIN) != 0;
    }

    /** Packets dropped because the ring was full, since the socket was bound (any thread). */
    synchronized long drops() {
        readStatistics();
        return drops;
    }

    /** Times the kernel froze the ring's queue because no block was free (any thread). */
    synchronized long freezes() {
        readStatistics();
        return freezes;
    }

    /** Packets that passed the filter, captured or dropped, since the socket was bound (any thread). */
    synchronized long packets() {
        readStatistics();
        return packets;
    }

    private void readStatistics() {
        if (closed) {
            return;
        }
        statsLength.setInt(0, 12);
        if (Libc.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, stats, statsLength) == 0) {
            packets += Integer.toUnsignedLong(stats.getInt(0));
            drops += Integer.toUnsignedLong(stats.getInt(4));
            freezes += Integer.toUnsignedLong(stats.getInt(8));
        }
    }

    /** Unmaps the ring and closes the socket, keeping the final statistics; idempotent (capture thread). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        readStatistics();
        closed = true;
        if (ring != null) {
            Libc.munmap(ring, ringBytes);
            ring = null;
        }
        Libc.close(fd);
    }

    private void setInt(int level, int name, int value, String what) throws IOException {
        Memory v = new Memory(4);
        v.setInt(0, value);
        set(level, name, v, 4, what);
    }

    private void set(int level, int name, Pointer value, int length, String what) throws IOException {
        if (Libc.setsockopt(fd, level, name, value, length) != 0) {
            throw failure("setsockopt(" + what + ")");
        }
    }

    private IOException failure(String call) {
        return new IOException("cannot capture on " + interfaceName + ": " + call + ": " + lastError());
    }

    private String pendingError() {
        Memory error = new Memory(4);
        Memory length = new Memory(4);
        length.setInt(0, 4);
        if (Libc.getsockopt(fd, SOL_SOCKET, SO_ERROR, error, length) != 0) {
            return lastError();
        }
        int errno = error.getInt(0);
        return errno == 0 ? "poll reported an error, none pending" : Libc.strerror(errno) + " (errno " + errno + ")";
    }

    private static short networkOrder(short value) {
        return ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? value : Short.reverseBytes(value);
    }

    private static String lastError() {
        int errno = Native.getLastError();
        return Libc.strerror(errno) + " (errno " + errno + ")";
    }
}
