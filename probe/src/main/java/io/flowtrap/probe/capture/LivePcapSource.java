package io.flowtrap.probe.capture;

import io.flowtrap.packet.PacketRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Timestamp;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;

/**
 * Live capture through libpcap (pcap4j): an interface, a BPF filter applied in the kernel, snaplen,
 * promiscuous mode, the kernel ring size, nanosecond timestamps. Each packet is copied into one
 * reused buffer; pcap4j itself allocates a byte array and a timestamp per packet (JNA), which is
 * the cost of using it — the probe's own path after this source allocates nothing.
 *
 * <p>Pull mode, non-blocking: libpcap's TPACKET_V3 read timeout does not fire while no packet at
 * all arrives, so a blocking read could never be stopped on a quiet wire. When the ring is empty
 * {@link #next} parks for {@value #IDLE_PARK_MICROS} µs and returns false, so the capture thread
 * can do its housekeeping. {@link #stop()} may be called from another
 * thread: it asks the capture thread to stop, and the handle is freed by whichever thread calls
 * close while no read is under way (the capture thread calls it again when it leaves its loop).
 */
public final class LivePcapSource implements LivePacketSource {
    private static final int READ_TIMEOUT_MILLIS = 100;
    private static final long IDLE_PARK_MICROS = 500;

    private final PcapHandle handle;
    private final int linkType;
    private final ByteBuffer buffer;
    private volatile boolean closed;
    private volatile boolean reading;
    private boolean released;
    private long droppedAtRelease;

    private LivePcapSource(PcapHandle handle, int snaplen) {
        this.handle = handle;
        this.linkType = handle.getDlt().value();
        this.buffer = ByteBuffer.allocate(snaplen);
    }

    /** Opens {@code interfaceName}; IOException naming the interface and libpcap's reason on failure. */
    public static LivePcapSource open(String interfaceName, String filter, int snaplen, boolean promiscuous, int bufferBytes)
            throws IOException {
        try {
            PcapHandle handle = new PcapHandle.Builder(interfaceName)
                    .snaplen(snaplen)
                    .promiscuousMode(promiscuous
                            ? PcapNetworkInterface.PromiscuousMode.PROMISCUOUS
                            : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(READ_TIMEOUT_MILLIS)
                    .bufferSize(bufferBytes)
                    .timestampPrecision(PcapHandle.TimestampPrecision.NANO)
                    .build();
            handle.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
            if (filter != null && !filter.isBlank()) {
                try {
                    handle.setFilter(filter, BpfProgram.BpfCompileMode.OPTIMIZE);
                } catch (PcapNativeException e) {
                    handle.close();
                    throw new IOException("BPF filter '" + filter + "' rejected: " + e.getMessage(), e);
                }
            }
            return new LivePcapSource(handle, snaplen);
        } catch (PcapNativeException | NotOpenException e) {
            throw new IOException("cannot capture on " + interfaceName + ": " + e.getMessage(), e);
        }
    }

    public int linkType() {
        return linkType;
    }

    @Override
    public boolean next(PacketRecord into) throws IOException {
        if (closed) {
            release();
            return false;
        }
        byte[] raw;
        Timestamp ts;
        Integer original;
        reading = true;
        try {
            raw = handle.getNextRawPacket();
            if (raw == null) {
                java.util.concurrent.locks.LockSupport.parkNanos(IDLE_PARK_MICROS * 1_000L);
                return false;
            }
            ts = handle.getTimestamp();
            original = handle.getOriginalLength();
        } catch (NotOpenException e) {
            if (closed) {
                return false; // closed by another thread between our check and the read
            }
            throw new IOException("capture handle closed", e);
        } finally {
            reading = false;
        }
        int length = Math.min(raw.length, buffer.capacity());
        buffer.put(0, raw, 0, length);
        long nanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
        into.set(buffer, 0, length, Math.max(original == null ? raw.length : original, length), nanos, linkType);
        return true;
    }

    /** Capture thread only: libpcap compiles {@code expression} for this handle and attaches it. */
    @Override
    public void filter(String expression) throws IOException {
        try {
            handle.setFilter(expression == null ? "" : expression, BpfProgram.BpfCompileMode.OPTIMIZE);
        } catch (PcapNativeException | NotOpenException e) {
            throw new IOException("BPF filter '" + expression + "' rejected: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean exhausted() {
        return closed;
    }

    /** Packets dropped by the kernel or the interface, as libpcap reports them (the last count once closed). */
    @Override
    public synchronized long dropped() {
        if (released) {
            return droppedAtRelease;
        }
        try {
            PcapStat stats = handle.getStats();
            return stats.getNumPacketsDropped() + stats.getNumPacketsDroppedByIf();
        } catch (PcapNativeException | NotOpenException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Asks the capture to stop (any thread); frees the handle unless a read is under way. */
    @Override
    public synchronized void stop() {
        closed = true;
        if (!reading) {
            release();
        }
    }

    private synchronized void release() {
        if (!released) {
            droppedAtRelease = dropped();
            released = true;
            handle.close();
        }
    }
}
