package io.flowtrap.probe.cli;

import io.flowtrap.probe.capture.CaptureFilters;
import io.flowtrap.probe.capture.LivePacketSource;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.flow.FlowTable;
import io.flowtrap.probe.lookback.LookbackRing;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.settings.RuntimeSettings;
import io.flowtrap.probe.settings.SettingsTarget;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.StoreConfig;
import io.flowtrap.store.StoreStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How {@code run} puts a settings change in force, each part on the thread that owns it, none of
 * it costing the capture thread anything per packet: arming is one volatile flag the engine reads
 * per alert; the store's limits go to the store's writer thread, which rotates; a new look-back
 * ring is allocated here and swapped in by the capture thread at its housekeeping; a BPF filter waits
 * in a slot the capture loop looks at once a second ({@link #takeFilterChange}), so the capture
 * thread swaps it between two packets (libpcap's handle is not safe to change under a read).
 */
final class RunningProbeSettings implements SettingsTarget {
    private static final long LOOKBACK_MIN = 64 * 1024;
    private static final long LOOKBACK_MAX = Integer.MAX_VALUE - 7; // what LookbackRing takes
    private static final long STORE_TIMEOUT_SECONDS = 10;
    /** The capture loop looks once a second; this leaves it room on a loaded machine. */
    private static final long FILTER_TIMEOUT_SECONDS = 10;
    /** The capture thread's housekeeping runs once a second of its timer clock. */
    private static final long LOOKBACK_TIMEOUT_SECONDS = 10;

    private record FilterChange(String expression, CompletableFuture<Void> done) {}

    private final CaptureEngine engine;
    private final FlowTable flows;
    private final PcapStore store;
    private final ProbeSettings.Capture capture;
    private final boolean live;
    private final AtomicReference<FilterChange> pendingFilter = new AtomicReference<>();

    /** @param live whether the probe captures an interface (a replay has no filter to change) */
    RunningProbeSettings(CaptureEngine engine, FlowTable flows, PcapStore store, ProbeSettings.Capture capture,
            boolean live) {
        this.engine = engine;
        this.flows = flows;
        this.store = store;
        this.capture = capture;
        this.live = live;
    }

    @Override
    public void check(RuntimeSettings wanted) {
        long lookback = wanted.lookbackSize().bytes();
        if (lookback < LOOKBACK_MIN || lookback > LOOKBACK_MAX) {
            throw new IllegalArgumentException(RuntimeSettings.LOOKBACK_SIZE + " must be between 64KB and 2GB, not "
                    + wanted.lookbackSize());
        }
        storeConfig(wanted.storeMaxSize(), wanted.segmentSize(), wanted.segmentAge());
    }

    private StoreConfig storeConfig(DataSize maxSize, DataSize segmentSize, Duration segmentAge) {
        StoreConfig now = store.config();
        try {
            return new StoreConfig(maxSize.bytes(), segmentSize.bytes(), segmentAge, now.snaplen(), now.writeBufferBytes());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("store: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkFilter(String expression) throws IOException {
        CaptureFilters.check(expression, capture);
    }

    @Override
    public Applied applyFilter(String expression) throws IOException {
        if (!live) {
            return new Applied(Applied.LIVE_CAPTURE_ONLY, "the probe replays a file (capture.pcap-file), which is not"
                    + " filtered; saved for when it captures live");
        }
        FilterChange change = new FilterChange(expression, new CompletableFuture<>());
        if (!pendingFilter.compareAndSet(null, change)) {
            throw new IOException("another filter change is waiting for the capture thread"); // PUTs are serialised
        }
        try {
            change.done().get(FILTER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            if (pendingFilter.compareAndSet(change, null)) {
                throw new IOException("the capture thread did not take the filter within " + FILTER_TIMEOUT_SECONDS
                        + " s (is capture running?)", e);
            }
            awaitTaken(change); // it took it just now
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pendingFilter.compareAndSet(change, null);
            throw new IOException("interrupted while the capture thread took the filter", e);
        }
        return new Applied(Applied.NOW, expression.isBlank() ? "every packet is captured"
                : "compiled by libpcap and attached to the capture");
    }

    private static void awaitTaken(FilterChange change) throws IOException {
        try {
            change.done().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the capture thread took the filter", e);
        }
    }

    /**
     * Capture thread, once a second: puts a waiting filter change in force on {@code source}. One
     * volatile read when there is none.
     */
    void takeFilterChange(LivePacketSource source) {
        FilterChange change = pendingFilter.get();
        if (change == null || !pendingFilter.compareAndSet(change, null)) {
            return;
        }
        try {
            source.filter(change.expression());
            change.done().complete(null);
        } catch (IOException | RuntimeException e) {
            change.done().completeExceptionally(e);
        }
    }

    @Override
    public Applied applyLookbackSize(DataSize size) throws IOException {
        LookbackRing ring;
        try {
            ring = new LookbackRing(size.bytes(), flows::waitingForAlert); // allocated here, not on the capture thread
        } catch (OutOfMemoryError e) {
            throw new IOException("no memory for a look-back ring of " + size + " (" + e.getMessage() + ")", e);
        }
        CompletableFuture<Void> done = engine.useLookback(ring);
        try {
            done.get(LOOKBACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the capture thread did not take the new look-back ring within " + LOOKBACK_TIMEOUT_SECONDS
                    + " s (is capture running?)", e);
        } catch (ExecutionException | CancellationException e) {
            throw new IOException("the new look-back ring was not taken up: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the capture thread took the new look-back ring", e);
        }
        return new Applied(Applied.NOW, "a new ring of " + size + " is in use; the packets the old one held for flows not"
                + " yet alerted were given up (counted: flowtrap_lookback_evicted_waiting_total): such a flow, alerted"
                + " later, is stored from its next packet");
    }

    @Override
    public Applied applyPcapExtractionOnAlerts(boolean on) {
        engine.pcapExtractionOnAlerts(on);
        return new Applied(Applied.NOW, on ? "each alert arms its flow" : "alerts are still forwarded to the manager;"
                + " none arms a flow (counted: flowtrap_alerts_unarmed_total); flows armed before are stored until they end");
    }

    @Override
    public Applied applyStoreLimits(DataSize maxSize, DataSize segmentSize, Duration segmentAge) throws IOException {
        StoreConfig wanted = storeConfig(maxSize, segmentSize, segmentAge);
        StoreStatus before = store.status();
        try {
            long ticket = store.reconfigure(wanted);
            if (!store.awaitReconfigured(ticket, TimeUnit.SECONDS.toNanos(STORE_TIMEOUT_SECONDS))) {
                // asked for all the same: the writer takes them up before its next batch, whenever that is
                return new Applied(Applied.NOW, "handed to the store's writer, which had not taken them up within "
                        + STORE_TIMEOUT_SECONDS + " s (it does before its next batch): see GET /api/v1/store");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the store's writer took the new limits", e);
        }
        StoreStatus after = store.status();
        long segments = after.rotatedSegments() - before.rotatedSegments();
        long bytes = after.rotatedBytes() - before.rotatedBytes();
        return new Applied(Applied.NOW, segments == 0
                ? "in force; the store (" + after.totalBytes() + " bytes) fits, nothing deleted"
                : segments + " segments (" + bytes + " bytes) deleted at once to fit; the store holds " + after.totalBytes()
                        + " bytes");
    }
}
