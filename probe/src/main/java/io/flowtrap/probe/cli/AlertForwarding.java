package io.flowtrap.probe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.probe.alert.EveAlert;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's path to the manager: each alert the probe receives, and a flow record for each
 * alerted flow once it ends (what the store holds of it), go into the spool, and the shipper
 * delivers the spool to the manager's ingest. Without {@code manager.url} it does
 * nothing. Thread-safe ({@link EventSpool#append} is).
 */
final class AlertForwarding implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertForwarding.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventSpool spool;
    private final SpoolShipper shipper;

    private AlertForwarding(EventSpool spool, SpoolShipper shipper) {
        this.spool = spool;
        this.shipper = shipper;
    }

    static AlertForwarding start(ProbeSettings settings) throws IOException {
        ProbeSettings.Manager manager = settings.manager();
        if (manager.url() == null) {
            return new AlertForwarding(null, null);
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
            config = new SpoolConfig(ingest, token, manager.caCertificate(), settings.name());
        } catch (IllegalArgumentException e) {
            throw CliFailure.badInput("manager: " + e.getMessage(), e);
        }
        Files.createDirectories(manager.spoolDir());
        EventSpool spool = new EventSpool(manager.spoolDir());
        SpoolShipper shipper;
        try {
            shipper = new SpoolShipper(spool, config).start();
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
        log.info("alerts are spooled in {} and shipped to {}", manager.spoolDir(), ingest);
        return new AlertForwarding(spool, shipper);
    }

    /** Whether alerts and flow records go anywhere (manager.url is set). */
    boolean active() {
        return spool != null;
    }

    void accept(EveAlert alert) {
        if (spool != null) {
            spool.append(EventSpool.ALERT, alert.json());
        }
    }

    /** A flow record: what the store holds of an alerted flow that ended. */
    void accept(CaptureEngine.StoredFlow flow) {
        if (spool == null) {
            return;
        }
        ObjectNode record = JSON.createObjectNode()
                .put("community_id", flow.communityId())
                .put("first_ts", instant(flow.firstStoredNanos()))
                .put("last_ts", instant(flow.lastSeenNanos()))
                .put("packets", flow.storedPackets())
                .put("bytes", flow.storedBytes())
                .put("flow_packets", flow.flowPackets())
                .put("from_flow_start", flow.fromFlowStart())
                .put("end", flow.end().name().toLowerCase(Locale.ROOT));
        spool.append(EventSpool.FLOW, record.toString());
    }

    private static String instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
    }

    @Override
    public void close() {
        if (shipper != null) {
            shipper.close();
            log.info("shipper: {} shipped, {} rejected, {} failed deliveries; backlog {}", shipper.shipped(),
                    shipper.rejected(), shipper.failures(), shipper.backlog());
        }
        if (spool != null) {
            spool.close();
        }
    }
}
