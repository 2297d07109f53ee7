package io.flowtrap.probe.capture;

import java.io.IOException;

/**
 * A packet source on a live interface ({@link LivePcapSource}, {@link PacketRingSource}): it never
 * runs out by itself, so it can be asked to stop from another thread (a shutdown hook).
 */
public interface LivePacketSource extends PacketSource {

    /**
     * Asks the capture to stop; safe from any thread. The capture thread's next {@link #next} call
     * returns false and {@link #exhausted()} turns true; resources are freed on the capture thread
     * (or by {@link #close()}).
     */
    void stop();

    /**
     * Replaces the BPF filter (blank: every packet) from the next packet the kernel takes on;
     * capture thread only, between packets (a filter is never changed under a read).
     *
     * @throws IOException with libpcap's or the kernel's reason; the old filter then stays
     */
    void filter(String expression) throws IOException;
}
