package io.flowtrap.probe.capture;

import io.flowtrap.memory.MappedPages;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * Replays a pcap or pcapng file ({@link PcapFileReader}): as fast as possible, or paced in real
 * time × a speed factor from the packets' own timestamps (the first packet goes at once; each later
 * one waits until {@code (ts - firstTs) / speed} has passed since). Allocates nothing per packet.
 *
 * <p>One capture thread calls {@link #next}; {@link #close()} may come from another thread.
 */
public final class OfflinePcapSource implements PacketSource {
    private final PcapFileReader reader;
    private final double speed;
    private volatile boolean closed;
    private boolean exhausted;
    private long firstTimestamp = Long.MIN_VALUE;
    private long startNanoTime;

    private OfflinePcapSource(PcapFileReader reader, double speed) {
        this.reader = reader;
        this.speed = speed;
        reader.onWindowMapped(MappedPages::populateAhead); // the page faults of reading the file, off the capture thread
    }

    /** Replays {@code file} as fast as it can be read. */
    public static OfflinePcapSource asFastAsPossible(Path file) throws IOException {
        return new OfflinePcapSource(PcapFileReader.open(file), 0);
    }

    /** Replays {@code file} at {@code speed} times real time (1.0 = as captured). */
    public static OfflinePcapSource paced(Path file, double speed) throws IOException {
        if (!(speed > 0) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("speed must be a positive finite factor, not " + speed);
        }
        return new OfflinePcapSource(PcapFileReader.open(file), speed);
    }

    @Override
    public boolean next(PacketRecord into) throws IOException {
        if (closed || exhausted) {
            exhausted = true;
            return false;
        }
        if (!reader.next(into)) {
            exhausted = true;
            return false;
        }
        if (speed > 0) {
            pace(into.timestampNanos());
        }
        return true;
    }

    private void pace(long ts) {
        if (firstTimestamp == Long.MIN_VALUE) {
            firstTimestamp = ts;
            startNanoTime = System.nanoTime();
            return;
        }
        long due = startNanoTime + (long) ((ts - firstTimestamp) / speed);
        long wait;
        while ((wait = due - System.nanoTime()) > 0 && !closed) {
            LockSupport.parkNanos(wait);
        }
    }

    /** The reader underneath, for its torn-tail and offset state. */
    public PcapFileReader reader() {
        return reader;
    }

    @Override
    public boolean exhausted() {
        return exhausted || closed;
    }

    @Override
    public long dropped() {
        return 0;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        reader.close();
    }
}
