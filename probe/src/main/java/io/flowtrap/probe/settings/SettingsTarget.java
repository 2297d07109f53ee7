package io.flowtrap.probe.settings;

import io.flowtrap.probe.config.DataSize;
import java.io.IOException;
import java.time.Duration;

/**
 * The running probe as the settings service sees it: what checks a change before anything is
 * touched, and what puts each setting in force. Called by one PUT at a time, never on the capture
 * thread; each apply method returns once the change is in force (or says why it is not).
 */
public interface SettingsTarget {

    /** How a change was applied: {@code now}, {@code at_restart} or {@code live_capture_only}, and what it did. */
    record Applied(String applied, String detail) {
        public static final String NOW = "now";
        public static final String AT_RESTART = "at_restart";
        public static final String LIVE_CAPTURE_ONLY = "live_capture_only";
    }

    /**
     * Checks sizes and ages as the store and the look-back will ({@code store.max_size} at least
     * two segments, segment and look-back sizes within their bounds, a positive age).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    void check(RuntimeSettings wanted);

    /**
     * Compiles {@code expression} with libpcap as the capture engine would.
     *
     * @throws IOException whose message is libpcap's reason
     */
    void checkFilter(String expression) throws IOException;

    /**
     * Puts the BPF filter in force on the live capture (a replay has none: {@code live_capture_only}).
     *
     * @throws IOException if the capture refused it; the old filter stays
     */
    Applied applyFilter(String expression) throws IOException;

    /**
     * Replaces the look-back ring by one of {@code size}, allocated off the capture thread and put
     * in use by it; what the old ring held is given up (counted).
     *
     * @throws IOException if the new ring could not be allocated or was not taken up in time
     */
    Applied applyLookbackSize(DataSize size) throws IOException;

    /** Arms flows on alerts from now on, or stops arming them. */
    Applied applyPcapExtractionOnAlerts(boolean on);

    /**
     * Gives the store new limits; lowering the size deletes the oldest segments at once (on the
     * store's writer thread, not the capture thread).
     *
     * @throws IOException if they could not be handed to the store's writer (nothing changed there)
     */
    Applied applyStoreLimits(DataSize maxSize, DataSize segmentSize, Duration segmentAge) throws IOException;
}
