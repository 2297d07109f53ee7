package io.flowtrap.store;

/**
 * Told by the store's writer thread when writing starts failing (a full disk, a read-only file
 * system) and when it works again, and when a disk without room makes it rotate segments out
 * before the size limit: once per episode, never per packet. Called on the writer thread; must not
 * block. The counts stay readable at any time on {@link PcapStore}.
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

    /**
     * The file system had no room ({@code cause}) with the store at {@code storeBytes} on disk, below its
     * size limit {@code maxSizeBytes}: from now on the oldest sealed segments are rotated out to
     * make room (nothing is lost for it), until the size limit is what rotates again.
     */
    default void rotatingForRoom(long storeBytes, long maxSizeBytes, Exception cause) {}

    /** The size limit rotates the store again; {@code segments} segments of {@code bytes} were rotated out for room meanwhile. */
    default void rotatingForRoomEnded(long segments, long bytes) {}
}
