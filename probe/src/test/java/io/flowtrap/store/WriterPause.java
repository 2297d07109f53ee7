package io.flowtrap.store;

/**
 * For tests outside the store package: holds a store's real writer thread still, so that a test
 * can make the writer fall behind exactly (see {@link PcapStore#pauseWriter}). Test code only.
 */
public final class WriterPause {
    private WriterPause() {}

    /** Returns once the writer takes nothing more from the hand-off. */
    public static void pause(PcapStore store) throws InterruptedException {
        store.pauseWriter();
    }

    public static void resume(PcapStore store) {
        store.resumeWriter();
    }
}
