package io.flowtrap.probe.capture;

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
}
