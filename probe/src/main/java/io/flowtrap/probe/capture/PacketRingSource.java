package io.flowtrap.probe.capture;

import io.flowtrap.packet.PacketRecord;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Live capture from the Linux kernel's TPACKET_V3 packet ring ({@link LinuxPacketSocket}), read in
 * place: no system call, copy or allocation per packet. The kernel fills blocks of packets in
 * memory shared with us; we walk a block the kernel has handed over, hand each packet out as a
 * {@link PacketRecord} pointing into the mapped block, and give the block back when the
 * {@link #next} call after its last packet comes (so a record stays valid until the next call, as
 * the seam says). Only when the block we wait for is not ready do we {@code poll}, for at most
 * {@value #POLL_TIMEOUT_MILLIS} ms, and then return false so the capture thread can do its
 * housekeeping. libpcap, Suricata's af-packet runmode and Stenographer read the same ring.
 *
 * <p><b>The ring layout relied on</b> ({@code <linux/if_packet.h>}, 64-bit Linux, host byte
 * order; the structures passed to system calls are {@link LinuxPacketSocket}'s):
 * <pre>
 * ring              tp_block_nr blocks of tp_block_size bytes, back to back from the mmap
 *                   start; each block page-aligned (the kernel allocates them so); one ByteBuffer
 *                   view per block, made at open, so rings beyond 2 GB work
 * tpacket_block_desc  u32 version @0, u32 offset_to_priv @4, then tpacket_hdr_v1 @8:
 *                   u32 block_status @8 (TP_STATUS_KERNEL 0: the kernel's; TP_STATUS_USER 1: ours;
 *                   read with acquire, given back with a release store of 0), u32 num_pkts @12,
 *                   u32 offset_to_first_pkt @16 (from the block start), u32 blk_len @20,
 *                   u64 seq_num @24, ts_first_pkt @32, ts_last_pkt @40
 * tpacket3_hdr      (one per packet, 16-byte aligned in the block; offsets from the header)
 *                   u32 tp_next_offset @0 (to the next packet's header; 0 for the last),
 *                   u32 tp_sec @4, u32 tp_nsec @8, u32 tp_snaplen @12 (bytes captured),
 *                   u32 tp_len @16 (bytes on the wire), u32 tp_status @20, u16 tp_mac @24 (the
 *                   frame's first byte), u16 tp_net @26, then hv1: u32 tp_rxhash @28,
 *                   u32 tp_vlan_tci @32, u16 tp_vlan_tpid @36; header 48 bytes
 * sockaddr_ll       at TPACKET_ALIGN(48) = 48 from the header: u8 sll_pkttype @10 of it
 * frame             at tp_mac; at least PACKET_RESERVE (4) free bytes before it, which is where
 *                   the MAC addresses move to when a VLAN tag is put back
 * </pre>
 *
 * <p><b>VLAN tags.</b> On receive the kernel takes a frame's outermost 802.1Q/802.1ad tag off and
 * reports it beside the frame: {@code tp_vlan_tci}, valid when it is non-zero or {@code tp_status}
 * has TP_STATUS_VLAN_VALID (0x10), and its TPID {@code tp_vlan_tpid}, valid when non-zero or with
 * TP_STATUS_VLAN_TPID_VALID (0x40), else 0x8100. Exactly as libpcap does (pcap-linux.c), when the
 * frame has at least its 12 MAC bytes, they move back 4 bytes into the reserved headroom and
 * TPID + TCI are written behind them, in the mapped block; captured and wire length grow by 4.
 * An inner tag (QinQ) was never taken off, so the frame comes out as it was sent.
 *
 * <p><b>The BPF filter</b> ({@link SocketFilter}) runs in the kernel on the frame with its
 * outermost tag already taken off; libpcap's {@code vlan} keyword reads the kernel's ancillary
 * VLAN data on Linux, which a filter compiled here cannot, so it is refused. Captured length is
 * at most the snaplen (the compiled filter truncates in the kernel; without one we cut here, as
 * libpcap does). As libpcap does, on a loopback interface the outgoing copy of each packet is
 * skipped (each is seen twice there).
 *
 * <p><b>Threads.</b> One capture thread calls {@link #next}. {@link #dropped()}, {@link #freezes()}
 * and {@link #stop()} are safe from any thread. {@link #close()} frees the ring when called by the
 * capture thread, before any read, or once the capture thread has ended; from another thread
 * while the capture thread lives it only stops, and the capture thread frees the ring at its next
 * call (unmapping memory a record may still point into would crash the JVM).
 */
public final class PacketRingSource implements LivePacketSource {
    static final int POLL_TIMEOUT_MILLIS = 50;

    private static final int BLOCK_STATUS = 8;
    private static final int BLOCK_NUM_PACKETS = 12;
    private static final int BLOCK_FIRST_PACKET = 16;
    private static final int TP_NEXT_OFFSET = 0;
    private static final int TP_SEC = 4;
    private static final int TP_NSEC = 8;
    private static final int TP_SNAPLEN = 12;
    private static final int TP_LEN = 16;
    private static final int TP_STATUS = 20;
    private static final int TP_MAC = 24;
    private static final int TP_VLAN_TCI = 32;
    private static final int TP_VLAN_TPID = 36;
    private static final int SLL_PKTTYPE = 48 + 10;
    private static final int TP_STATUS_KERNEL = 0;
    private static final int TP_STATUS_USER = 1;
    static final int TP_STATUS_VLAN_VALID = 1 << 4;
    static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;
    private static final int PACKET_OUTGOING = 4;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int MAC_ADDRESSES = 12;
    static final int VLAN_TAG = 4;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int ARPHRD_ETHER = 1;
    private static final int ARPHRD_LOOPBACK = 772;
    private static final int SC_PAGESIZE = 30;
    private static final VarHandle BLOCK_WORD = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final String interfaceName;
    private final LinuxPacketSocket socket;
    private final RingGeometry geometry;
    private final ByteBuffer[] blocks;
    private final int snaplen;
    private final boolean loopback;
    private int current;
    private ByteBuffer held;
    private int remaining;
    private int nextPacket;
    private Thread captureThread;
    private volatile boolean stopRequested;
    private volatile boolean released;

    private PacketRingSource(String interfaceName, LinuxPacketSocket socket, RingGeometry geometry, int snaplen,
            boolean loopback) {
        this.interfaceName = interfaceName;
        this.socket = socket;
        this.geometry = geometry;
        this.snaplen = snaplen;
        this.loopback = loopback;
        this.blocks = new ByteBuffer[geometry.blockCount()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = socket.ring().getByteBuffer((long) i * geometry.blockSize(), geometry.blockSize())
                    .order(ByteOrder.nativeOrder());
        }
    }

    /**
     * Opens a ring of about {@code bufferBytes} on the Ethernet (or loopback) interface
     * {@code interfaceName}, with the BPF {@code filter} (blank: none).
     *
     * @throws IOException naming the interface and the reason (not Ethernet, no permission, a
     *     filter libpcap rejects, no memory for the ring, ...)
     */
    public static PacketRingSource open(String interfaceName, String filter, int snaplen, boolean promiscuous,
            long bufferBytes) throws IOException {
        LinuxPacketSocket.requireLinux();
        RingGeometry geometry;
        try {
            geometry = RingGeometry.forBuffer(bufferBytes, snaplen, (int) Libc.sysconf(SC_PAGESIZE));
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot capture on " + interfaceName + ": " + e.getMessage(), e);
        }
        SocketFilter compiled = SocketFilter.compile(filter, snaplen);
        LinuxPacketSocket socket = LinuxPacketSocket.open(interfaceName, geometry, compiled, promiscuous);
        int type;
        try {
            type = socket.hardwareType();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        if (type != ARPHRD_ETHER && type != ARPHRD_LOOPBACK) {
            socket.close();
            throw new IOException("cannot capture on " + interfaceName + " with the ring engine: link type " + type
                    + " is not Ethernet; use capture.engine: pcap");
        }
        return new PacketRingSource(interfaceName, socket, geometry, snaplen, type == ARPHRD_LOOPBACK);
    }

    /** The ring's shape, for the start-up log. */
    public String geometry() {
        return geometry.toString();
    }

    @Override
    public boolean next(PacketRecord into) throws IOException {
        if (captureThread == null && !claim()) {
            return false;
        }
        if (stopRequested) {
            release();
            return false;
        }
        while (true) {
            if (remaining == 0 && !nextBlock()) {
                return false;
            }
            ByteBuffer block = held;
            int header = nextPacket;
            remaining--;
            nextPacket = header + block.getInt(header + TP_NEXT_OFFSET);
            if (loopback && block.get(header + SLL_PKTTYPE) == PACKET_OUTGOING) {
                continue;
            }
            read(block, header, snaplen, into);
            return true;
        }
    }

    /**
     * Gives the block just read back to the kernel and takes the next one if the kernel has handed
     * it over, polling once if not (an empty block, which the kernel should not hand over, goes
     * straight back). False if no block became ready within the poll timeout.
     */
    private boolean nextBlock() throws IOException {
        if (held != null) {
            BLOCK_WORD.setRelease(held, BLOCK_STATUS, TP_STATUS_KERNEL);
            held = null;
            current = current + 1 == blocks.length ? 0 : current + 1;
        }
        ByteBuffer block = blocks[current];
        if (!handedOver(block) && (!socket.poll(POLL_TIMEOUT_MILLIS) || !handedOver(block))) {
            return false;
        }
        held = block;
        remaining = block.getInt(BLOCK_NUM_PACKETS);
        nextPacket = block.getInt(BLOCK_FIRST_PACKET);
        return remaining > 0 || nextBlock();
    }

    private static boolean handedOver(ByteBuffer block) {
        return ((int) BLOCK_WORD.getAcquire(block, BLOCK_STATUS) & TP_STATUS_USER) != 0;
    }

    /**
     * Fills {@code into} with the packet whose tpacket3_hdr is at {@code header} in {@code block},
     * putting back the VLAN tag the kernel took off. Package-private for the unit test, which lays
     * out a frame in a heap buffer.
     */
    static void read(ByteBuffer block, int header, int snaplen, PacketRecord into) {
        int status = block.getInt(header + TP_STATUS);
        int captured = block.getInt(header + TP_SNAPLEN);
        int wire = block.getInt(header + TP_LEN);
        int frame = header + Short.toUnsignedInt(block.getShort(header + TP_MAC));
        int tci = block.getInt(header + TP_VLAN_TCI);
        if ((tci != 0 || (status & TP_STATUS_VLAN_VALID) != 0) && captured >= MAC_ADDRESSES) {
            int tpid = Short.toUnsignedInt(block.getShort(header + TP_VLAN_TPID));
            if (tpid == 0 && (status & TP_STATUS_VLAN_TPID_VALID) == 0) {
                tpid = ETH_P_8021Q;
            }
            frame = insertVlanTag(block, frame, tpid, tci);
            captured += VLAN_TAG;
            wire += VLAN_TAG;
        }
        long nanos = Integer.toUnsignedLong(block.getInt(header + TP_SEC)) * 1_000_000_000L
                + Integer.toUnsignedLong(block.getInt(header + TP_NSEC));
        into.set(block, frame, Math.min(captured, snaplen), wire, nanos, LINKTYPE_ETHERNET);
    }

    /** Moves the 12 MAC bytes at {@code frame} back 4 bytes and writes TPID + TCI behind them; the new frame start. */
    private static int insertVlanTag(ByteBuffer block, int frame, int tpid, int tci) {
        long first8 = block.getLong(frame);
        int last4 = block.getInt(frame + 8);
        int tagged = frame - VLAN_TAG;
        block.putLong(tagged, first8);
        block.putInt(tagged + 8, last4);
        block.put(tagged + MAC_ADDRESSES, (byte) (tpid >>> 8));
        block.put(tagged + MAC_ADDRESSES + 1, (byte) tpid);
        block.put(tagged + MAC_ADDRESSES + 2, (byte) (tci >>> 8));
        block.put(tagged + MAC_ADDRESSES + 3, (byte) tci);
        return tagged;
    }

    /**
     * Capture thread only: compiles {@code expression} as at open and has the kernel swap it in for
     * the socket's filter (one {@code setsockopt}; frames already in the ring stay).
     */
    @Override
    public void filter(String expression) throws IOException {
        socket.filter(SocketFilter.compile(expression, snaplen));
    }

    @Override
    public boolean exhausted() {
        return stopRequested || released;
    }

    /** Packets the kernel dropped because no block of the ring was free (any thread). */
    @Override
    public long dropped() {
        return socket.drops();
    }

    /** Times the kernel froze the ring's queue, every block being full (any thread). */
    @Override
    public long freezes() {
        return socket.freezes();
    }

    /** Packets that passed the filter, captured or dropped (any thread). */
    public long received() {
        return socket.packets();
    }

    @Override
    public void stop() {
        stopRequested = true;
    }

    @Override
    public synchronized void close() {
        Thread reader = captureThread;
        if (reader == null || reader == Thread.currentThread() || !reader.isAlive()) {
            release();
        } else {
            stopRequested = true;
        }
    }

    /** The first read: this thread becomes the capture thread, unless the ring was already freed. */
    private synchronized boolean claim() {
        if (released) {
            return false;
        }
        captureThread = Thread.currentThread();
        return true;
    }

    private synchronized void release() {
        if (!released) {
            released = true;
            stopRequested = true;
            held = null;
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "ring on " + interfaceName + ": " + geometry;
    }
}
