package io.flowtrap.probe.cli;

import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.spool.EventSpool;
import io.flowtrap.probe.spool.SpoolConfig;
import io.flowtrap.probe.spool.SpoolShipper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's path for alerts to the manager: each alert the probe receives goes into the spool,
 * and the shipper delivers the spool to the manager's ingest. Without {@code manager.url} it does
 * nothing. Thread-safe ({@link EventSpool#append} is).
 */
final class AlertForwarding implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertForwarding.class);

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

    void accept(EveAlert alert) {
        if (spool != null) {
            spool.append(EventSpool.ALERT, alert.json());
        }
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
