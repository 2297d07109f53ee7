package io.flowtrap.probe.pipeline;

import io.flowtrap.pcap.PcapFormat;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.flow.FlowTable;
import io.flowtrap.probe.flow.FlowTimeouts;
import io.flowtrap.probe.lookback.LookbackRing;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.StoreConfig;
import java.io.Closeable;
import java.io.IOException;

/**
 * One capture path assembled from settings: the flow table, the look-back ring, the store (opened,
 * so recovered) and the engine over them. Closing it ends every flow and seals the store.
 * Not thread-safe: built and closed by the thread that captures.
 */
public final class CapturePipeline implements Closeable {
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

    public static CapturePipeline open(
            ProbeSettings.Store storeSettings,
            ProbeSettings.Flows flowSettings,
            ProbeSettings.Lookback lookbackSettings,
            AlertIntakeCounters alertCounters)
            throws IOException {
        StoreConfig config = new StoreConfig(
                storeSettings.maxSize().bytes(),
                storeSettings.segmentSize().bytes(),
                storeSettings.segmentAge(),
                PcapFormat.MAX_SNAPLEN);
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
        PcapStore store = PcapStore.open(storeSettings.dir(), config);
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

    /** Ends all flows, flushes and seals the active segment. */
    @Override
    public void close() throws IOException {
        try {
            engine.finish();
        } finally {
            store.close();
        }
    }
}
