package io.flowtrap.store;

/**
 * Told by the store's writer thread when writing starts failing (a full disk, a read-only file
 * system) and when it works again: once per episode, never per packet. Called on the writer
 * thread; must not block. The counts stay readable at any time on {@link PcapStore}.
 */
public interface WriteFailureListener {
    WriteFailureListener NONE = new WriteFailureListener() {
        @Override
        public void writingFailed(Exception cause) {}

        @Override
        public void writingAgain(long failures, long lostPackets) {}
    };

    /** The first failure of an episode; packets are lost until {@link #writingAgain}. */
    void writingFailed(Exception cause);

    /** A segment was written again after {@code failures} failures that lost {@code lostPackets} packets. */
    void writingAgain(long failures, long lostPackets);
}
