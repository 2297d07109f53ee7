package io.flowtrap.probe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.probe.alert.AlertSink;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.pipeline.BoundedInbox;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.spool.EventSpool;
import io.flowtrap.probe.spool.SpoolConfig;
import io.flowtrap.probe.spool.SpoolShipper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import net.openhft.chronicle.queue.RollCycles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's path to the manager: each alert the probe receives, and a flow record for each
 * alerted flow once it ends (what the store holds of it), go into the spool, and the shipper
 * delivers the spool to the manager's ingest. Without {@code manager.url} it does
 * nothing. It never throws at its callers: an event the spool cannot take (a full disk, a failure of
 * the queue) is counted in {@link #unspooled()} and the caller goes on (the alert has armed its flow
 * already). Thread-safe ({@link EventSpool#append} is).
 *
 * <p>Flow records are told on the capture thread as flows end; that thread must never wait on a disk
 * (the spool's queue is a memory-mapped file, and each write first asks the file system for room),
 * so it only puts the record in a bounded inbox, and a thread of its own builds the JSON and spools
 * it. A record the inbox has no room for is counted as unspooled, never waited for. A flow a
 * watchlist armed also makes a watchlist event ({@link WatchlistEvents}) on that thread, spooled
 * after its flow record.
 */
final class AlertForwarding implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertForwarding.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Flow records that may wait for the spooling thread: a few seconds of flows ending. */
    static final int FLOW_RECORDS_WAITING = 1 << 14;
    /** How long the spooling thread sleeps when no record waits: the latency a flow record may get. */
    private static final long FLOW_SPOOLER_IDLE_NANOS = 20_000_000L;

    private final EventSpool spool;
    private final SpoolShipper shipper;
    private final AtomicLong spoolFailures = new AtomicLong();
    private final BoundedInbox<CaptureEngine.StoredFlow> flowRecords;
    private final AtomicLong flowRecordsRefused = new AtomicLong();
    private final Thread flowSpooler;
    private volatile boolean closing;
    private boolean recordsMayWait; // the capture thread's own

    AlertForwarding(EventSpool spool, SpoolShipper shipper, int flowRecordsWaiting) {
        this.spool = spool;
        this.shipper = shipper;
        this.flowRecords = spool == null ? null : new BoundedInbox<>(flowRecordsWaiting);
        this.flowSpooler = spool == null ? null : new Thread(this::spoolFlowRecords, "flowtrap-flow-records");
        if (flowSpooler != null) {
            flowSpooler.setDaemon(true);
            flowSpooler.start();
        }
    }

    static AlertForwarding start(ProbeSettings settings) throws IOException {
        ProbeSettings.Manager manager = settings.manager();
        if (manager.url() == null) {
            return new AlertForwarding(null, null, 0);
        }
        String token;
        try {
            token = Files.readString(manager.tokenFile()).strip();
        } catch (IOException e) {
            throw CliFailure.badInput("manager.token-file: cannot read " + manager.tokenFile() + ": " + e.getMessage(), e);
        }
        URI ingest;
        SpoolConfig config;
        try {
            ingest = URI.create(manager.url().replaceAll("/+$", "") + "/api/ingest/events");
            config = new SpoolConfig(ingest, token, manager.caCertificate(), settings.name())
                    .withDeadLetters(manager.deadLetterAttempts(), manager.deadLetterAge(), manager.deadLetterMaxSize().bytes());
        } catch (IllegalArgumentException e) {
            throw CliFailure.badInput("manager: " + e.getMessage(), e);
        }
        Files.createDirectories(manager.spoolDir());
        EventSpool spool = new EventSpool(manager.spoolDir(), RollCycles.FAST_DAILY, manager.spoolMinFree().bytes());
        SpoolShipper shipper;
        try {
            shipper = new SpoolShipper(spool, config).start();
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
        log.info("alerts are spooled in {} and shipped to {}", manager.spoolDir(), ingest);
        return new AlertForwarding(spool, shipper, FLOW_RECORDS_WAITING);
    }

    /** Whether alerts and flow records go anywhere (manager.url is set). */
    boolean active() {
        return spool != null;
    }

    /**
     * The sink the daemon's EVE intake delivers to: each alert goes to {@code arm} (the capture
     * engine) first and is spooled after, so arming never waits on, or fails with, the spool.
     */
    AlertSink armThenSpool(AlertSink arm) {
        return alert -> {
            arm.accept(alert);
            accept(alert);
        };
    }

    void accept(EveAlert alert) {
        if (spool != null) {
            append(EventSpool.ALERT, alert.json());
        }
    }

    private void append(String kind, String json) {
        try {
            spool.append(kind, json);
        } catch (RuntimeException e) {
            if (spoolFailures.getAndIncrement() == 0) {
                log.error("cannot spool a {} event (counted; later failures are counted, not logged)", kind, e);
            }
        }
    }

    /**
     * Events that could not be spooled (a full disk, a failing queue, flow records beyond what may
     * wait for the spooling thread): lost to the manager, counted.
     */
    long unspooled() {
        return spool == null ? 0 : spool.lost() + spoolFailures.get() + flowRecordsRefused.get();
    }

    /** The spool, or null without manager.url. */
    EventSpool spool() {
        return spool;
    }

    /** The shipper, or null without manager.url. */
    SpoolShipper shipper() {
        return shipper;
    }

    /** The spool's part of the status line. */
    String describe() {
        if (spool == null) {
            return "spool off";
        }
        return "spool: unspooled " + unspooled() + " shipped " + shipper.shipped() + " backlog " + shipper.backlog()
                + " dead letters " + shipper.deadLettered() + " (lost " + shipper.deadLetters().overflowed() + ")"
                + " delivery failures " + shipper.failures();
    }

    /**
     * A flow record: what the store holds of an alerted flow that ended. Called on the capture
     * thread: queued for the spooling thread, never written here.
     */
    void accept(CaptureEngine.StoredFlow flow) {
        if (spool == null || flowRecords.offer(flow)) {
            return;
        }
        if (recordsMayWait) { // a replay, or the last flows ending at once: no packet waits on this thread
            while (!flowRecords.offer(flow)) {
                LockSupport.unpark(flowSpooler);
                LockSupport.parkNanos(this, 1_000_000L);
            }
            return;
        }
        if (flowRecordsRefused.getAndIncrement() == 0) {
            log.warn("flow records end faster than they can be spooled ({} waiting): the ones that find no room"
                    + " are counted as unspooled; later ones are counted, not logged", flowRecords.capacity());
        }
    }

    /**
     * Lets the records of flows ended from now on wait for room instead of being lost: for a replay
     * (which waits for the store too), and once a live capture has ended, before every flow is ended
     * at once. Call on the capture thread.
     */
    void recordsMayWait() {
        recordsMayWait = true;
    }

    /** The spooling thread: takes flow records as they come, until closed and drained. */
    private void spoolFlowRecords() {
        while (true) {
            CaptureEngine.StoredFlow flow = flowRecords.poll();
            if (flow != null) {
                spoolFlowRecord(flow);
            } else if (closing) {
                // close() set it after the last record was queued (the capture has ended), so what the
                // poll above missed is visible now
                while ((flow = flowRecords.poll()) != null) {
                    spoolFlowRecord(flow);
                }
                return;
            } else {
                LockSupport.parkNanos(this, FLOW_SPOOLER_IDLE_NANOS);
            }
        }
    }

    private void spoolFlowRecord(CaptureEngine.StoredFlow flow) {
        ObjectNode record = JSON.createObjectNode()
                .put("community_id", flow.communityId())
                .put("first_ts", instant(flow.firstStoredNanos()))
                .put("last_ts", instant(flow.lastSeenNanos()))
                .put("packets", flow.storedPackets())
                .put("bytes", flow.storedBytes())
                .put("flow_packets", flow.flowPackets())
                .put("from_flow_start", flow.fromFlowStart())
                .put("end", flow.end().name().toLowerCase(Locale.ROOT));
        ArrayNode armedBy = record.putArray("armed_by");
        flow.armedBy().forEach(armedBy::add);
        append(EventSpool.FLOW, record.toString());
        for (String event : WatchlistEvents.of(flow)) {
            append(EventSpool.WATCHLIST, event);
        }
    }

    private static String instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
    }

    @Override
    public void close() {
        if (flowSpooler != null) {
            closing = true; // the capture has ended: no record comes after this
            LockSupport.unpark(flowSpooler);
            try {
                flowSpooler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (shipper != null) {
            shipper.close();
            log.info("shipper: {} shipped, {} rejected ({} in the dead letters), {} failed deliveries; backlog {};"
                    + " {} events could not be spooled", shipper.shipped(), shipper.rejected(), shipper.deadLettered(),
                    shipper.failures(), shipper.backlog(), unspooled());
        }
        if (spool != null) {
            spool.close();
        }
    }
}
