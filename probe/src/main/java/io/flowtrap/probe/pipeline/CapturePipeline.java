package io.flowtrap.probe.pipeline;

import io.flowtrap.pcap.PcapFormat;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.flow.FlowTable;
import io.flowtrap.probe.flow.FlowTimeouts;
import io.flowtrap.probe.lookback.LookbackRing;
import io.flowtrap.store.BackpressurePolicy;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.StoreConfig;
import io.flowtrap.store.WriteFailureListener;
import java.io.Closeable;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One capture path assembled from settings: the flow table, the look-back ring, the store (opened,
 * so recovered, its writer thread started, its write failures logged) and the engine over them.
 * Closing it ends every flow and seals the store. Not thread-safe: built and closed by the thread
 * that captures.
 */
public final class CapturePipeline implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(CapturePipeline.class);

    private final PcapStore store;
    private final FlowTable flows;
    private final CaptureEngine engine;
    private final AlertIntakeCounters alertCounters;

    private CapturePipeline(PcapStore store, FlowTable flows, LookbackRing ring, AlertIntakeCounters alertCounters) {
        this.store = store;
        this.flows = flows;
        this.alertCounters = alertCounters;
        this.engine = new CaptureEngine(flows, ring, store, alertCounters);
    }

    /** A pipeline for a replay: the store waits for room rather than lose a packet ({@link BackpressurePolicy#WAIT}). */
    public static CapturePipeline open(
            ProbeSettings.Store storeSettings,
            ProbeSettings.Flows flowSettings,
            ProbeSettings.Lookback lookbackSettings,
            AlertIntakeCounters alertCounters)
            throws IOException {
        return open(storeSettings, flowSettings, lookbackSettings, alertCounters, BackpressurePolicy.WAIT);
    }

    /**
     * A pipeline whose store does {@code backpressure} when its writer is behind: {@code DROP} for a
     * live capture (never wait: lose and count), {@code WAIT} for a replay (store everything).
     */
    public static CapturePipeline open(
            ProbeSettings.Store storeSettings,
            ProbeSettings.Flows flowSettings,
            ProbeSettings.Lookback lookbackSettings,
            AlertIntakeCounters alertCounters,
            BackpressurePolicy backpressure)
            throws IOException {
        StoreConfig config = new StoreConfig(
                storeSettings.maxSize().bytes(),
                storeSettings.segmentSize().bytes(),
                storeSettings.segmentAge(),
                PcapFormat.MAX_SNAPLEN,
                storeSettings.writeBuffer().bytes());
        FlowTimeouts timeouts = new FlowTimeouts(
                flowSettings.tcpNew(),
                flowSettings.tcpEstablished(),
                flowSettings.tcpClosed(),
                flowSettings.udp(),
                flowSettings.icmp(),
                flowSettings.other());
        // Allocate the large parts before opening the store, so a bad size fails before any recovery.
        FlowTable flows = new FlowTable(flowSettings.maxFlows(), timeouts);
        LookbackRing ring = new LookbackRing(lookbackSettings.size().bytes(), flows::waitingForAlert);
        PcapStore store = PcapStore.open(storeSettings.dir(), config, backpressure, new WriteFailureLog(storeSettings));
        log.info("store {}: {}", storeSettings.dir(), store.writeMode());
        return new CapturePipeline(store, flows, ring, alertCounters);
    }

    public CaptureEngine engine() {
        return engine;
    }

    public PcapStore store() {
        return store;
    }

    public FlowTable flows() {
        return flows;
    }

    public AlertIntakeCounters alertCounters() {
        return alertCounters;
    }

    /**
     * Logs the store's write failures and its rotations for room on a full disk: one line when an
     * episode starts, one when it ends.
     */
    private record WriteFailureLog(ProbeSettings.Store settings) implements WriteFailureListener {
        @Override
        public void writingFailed(Exception cause) {
            log.error("store {}: writing failed ({}); packets are lost, counted, until it works again", settings.dir(),
                    cause.toString());
        }

        @Override
        public void writingAgain(long failures, long lostPackets) {
            log.warn("store {}: writing again after {} failures that lost {} packets", settings.dir(), failures,
                    lostPackets);
        }

        @Override
        public void rotatingForRoom(long storeBytes, long maxSizeBytes, Exception cause) {
            log.warn("store {}: no room on its disk at {} bytes, below store.max-size {} ({}); the oldest segments are"
                    + " rotated out for room from now on (counted: flowtrap_store_rotated_disk_full_*)", settings.dir(),
                    storeBytes, maxSizeBytes, cause.toString());
        }

        @Override
        public void rotatingForRoomEnded(long segments, long bytes) {
            log.info("store {}: store.max-size rotates the store again; {} segments ({} bytes) were rotated out for room"
                    + " meanwhile", settings.dir(), segments, bytes);
        }
    }

    /** Ends all flows, waits for the store's writer, and seals the active segment. */
    @Override
    public void close() throws IOException {
        try {
            engine.finish();
        } finally {
            store.close();
        }
    }
}
