package io.flowtrap.probe.capture;

import io.flowtrap.packet.PacketRecord;
import java.io.IOException;

/**
 * The narrow seam between where packets come from and what the probe does with them (gopacket's
 * {@code ReadPacketData}): live capture and file replay are two implementations.
 *
 * <p>Called by exactly one capture thread; implementations need not be thread-safe, except
 * {@link #close()}, which another thread may call to stop a blocked {@link #next}.
 */
public interface PacketSource extends AutoCloseable {

    /**
     * Fills {@code into} with the next packet, allocating nothing in steady state.
     *
     * @return true if a packet was read; false at the end of a file, or when a live source had no
     *     packet within its read timeout (call again) — {@link #exhausted()} tells the two apart
     * @throws IOException on a read error or a malformed file (with the byte offset in the message)
     */
    boolean next(PacketRecord into) throws IOException;

    /** True once the source can give no more packets (end of file, or closed). */
    boolean exhausted();

    /** Packets the kernel or the capture library dropped so far (0 for files). */
    long dropped();

    /**
     * Times the kernel froze the capture ring's queue because user space had not given a block
     * back, each a moment when arriving packets were dropped (TPACKET_V3's {@code tp_freeze_q_cnt});
     * 0 for sources without such a ring. Safe to call from another thread where {@link #dropped()} is.
     */
    default long freezes() {
        return 0;
    }

    @Override
    void close() throws IOException;
}
