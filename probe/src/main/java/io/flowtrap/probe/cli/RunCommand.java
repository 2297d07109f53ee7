package io.flowtrap.probe.cli;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.alert.MalformedAlertException;
import io.flowtrap.probe.alert.EveFileTailer;
import io.flowtrap.probe.alert.EveLineDispatcher;
import io.flowtrap.probe.alert.EveUnixSocketListener;
import io.flowtrap.probe.capture.LivePacketSource;
import io.flowtrap.probe.capture.BpfCompiler;
import io.flowtrap.probe.capture.LiveSources;
import io.flowtrap.probe.metrics.ProbeMetrics;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CaptureCounters;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.pipeline.AlertSchedule;
import io.flowtrap.probe.pipeline.Replay;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.api.CarveJobs;
import io.flowtrap.probe.api.ProbeApiServer;
import io.flowtrap.probe.settings.RuntimeSettings;
import io.flowtrap.probe.settings.SavedSettings;
import io.flowtrap.probe.settings.SettingsFile;
import io.flowtrap.probe.settings.SettingsService;
import io.flowtrap.probe.trigger.TriggerService;
import io.flowtrap.probe.trigger.TriggerSet;
import io.flowtrap.probe.trigger.TriggersFile;
import io.flowtrap.api.tls.PemTls;
import io.flowtrap.pcap.PcapFormatException;
import io.flowtrap.store.BackpressurePolicy;
import io.flowtrap.store.PcapStore;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code run}: the probe daemon. Captures live on the configured interface, takes Suricata's alerts
 * from the EVE unix socket it listens on and/or a tailed eve.json, and keeps alerted flows in the
 * store until SIGTERM/SIGINT, when it ends every flow and seals the store. With
 * {@code capture.pcap-file} it replays a capture with its recorded alerts instead, then stays up.
 * Serves the probe API when {@code api.listen} is set. Prints {@code flowtrap-probe: api URL} once
 * the API listens and {@code flowtrap-probe: ready} once capture and alert intake are up (for a
 * replay: once the capture has been replayed). The live source is the one {@code capture.engine}
 * names ({@link LiveSources}). Every {@value #STATUS_SECONDS} s of a live capture it
 * logs a status line with every loss, and when capture ends it prints one summary line,
 * {@code flowtrap-probe: capture ended packets=N dropped=N freezes=N stored=N armed=N
 * alerts_received=N ...} (key=value pairs; scripts parse it, so pairs are only ever added at the end).
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the probe: live capture, alerts from Suricata, the store.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
    private static final int STATUS_SECONDS = 10;
    private static final long STATUS_INTERVAL_NANOS = Duration.ofSeconds(STATUS_SECONDS).toNanos();
    /** How often the capture loop asks the source for its losses (a system call: never per packet). */
    private static final long SOURCE_STATS_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, description = "The probe's settings (YAML; see ops/probe/probe.yaml).")
    Path config;

    /** How long a carve waits for the store's writer to make the active segment readable. */
    private static final long READABLE_TIMEOUT_NANOS = Duration.ofSeconds(3).toNanos();
    private static final long IDLE_SLEEP_MILLIS = 50;
    /** What trigger filters are compiled for: Ethernet frames of any length a pcap can hold. */
    private static final int DLT_EN10MB = 1;
    private static final int SNAPLEN = 262144;

    private volatile boolean stopping;
    /** How settings changes reach the running parts; set before the API starts. */
    private RunningProbeSettings runtime;
    private volatile LivePacketSource liveSource;

    @Override
    public Integer call() throws Exception {
        ProbeSettings fileSettings;
        try {
            fileSettings = ProbeSettings.read(config);
        } catch (IOException | IllegalArgumentException e) {
            throw CliFailure.badInput(config + ": " + e.getMessage(), e);
        }
        SettingsFile settingsFile = new SettingsFile(fileSettings.settingsFile());
        SavedSettings started = startingSettings(fileSettings, settingsFile);
        ProbeSettings settings;
        try {
            settings = started.settings().over(fileSettings);
        } catch (IllegalArgumentException e) {
            throw CliFailure.badInput(settingsFile.path() + ": " + e.getMessage(), e);
        }
        ProbeSettings.Capture capture = settings.capture();
        boolean replay = capture.pcapFile() != null;
        if (!replay && (capture.interfaceName() == null || capture.interfaceName().isBlank())) {
            throw CliFailure.badInput(config + ": set capture.interface-name (live) or capture.pcap-file (replay)");
        }
        ProbeSettings.Alerts alerts = settings.alerts();
        if (alerts.eveSocket() == null && alerts.eveFile() == null) {
            throw CliFailure.badInput(config + ": set alerts.eve-socket and/or alerts.eve-file, or nothing is ever armed");
        }
        if (replay && (alerts.eveFile() == null || alerts.eveSocket() != null)) {
            throw CliFailure.badInput(config + ": a replay (capture.pcap-file) takes its alerts from alerts.eve-file only");
        }
        AlertIntakeCounters counters = new AlertIntakeCounters();
        CountDownLatch stopped = new CountDownLatch(1);
        // live: the capture loop never waits for the store's writer (a full hand-off loses packets, counted);
        // a replay has no wire to lose packets from, so it waits and stores them all
        BackpressurePolicy backpressure = replay ? BackpressurePolicy.WAIT : BackpressurePolicy.DROP;
        try (CapturePipeline pipeline = CapturePipeline.open(settings.store(), settings.flows(), settings.lookback(), counters,
                backpressure)) {
            if (!pipeline.store().recoveryReport().clean()) {
                log.warn("store recovery: {}", String.join("; ", pipeline.store().recoveryReport().actions()));
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stopping = true;
                LivePacketSource live = liveSource;
                if (live != null) {
                    live.stop();
                }
                try {
                    stopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "flowtrap-shutdown"));
            pipeline.engine().pcapExtractionOnAlerts(settings.alerts().pcapExtractionOnAlerts());
            runtime = new RunningProbeSettings(pipeline.engine(), pipeline.flows(), pipeline.store(), settings.capture(), !replay);
            AlertForwarding forwarding = AlertForwarding.start(settings);
            if (forwarding.active()) {
                pipeline.engine().onStoredFlow(forwarding::accept);
            }
            ProbeMetrics metrics = new ProbeMetrics(pipeline.engine().counters(), counters, pipeline.store());
            if (forwarding.active()) {
                metrics.bindSpool(forwarding.shipper(), forwarding::unspooled);
            }
            ProbeApiServer api;
            TriggerService triggers;
            try {
                triggers = startTriggers(settings, pipeline);
            } catch (IOException e) {
                forwarding.close();
                throw CliFailure.badInput(settings.triggersFile() + ": " + e.getMessage(), e);
            }
            try {
                api = startApi(settings, pipeline, metrics, new SettingsService(settings.name(), settingsFile, started, runtime),
                        triggers);
            } catch (IOException | RuntimeException e) {
                triggers.close();
                forwarding.close();
                throw e;
            }
            try {
                if (replay) {
                    replay(settings, pipeline, counters, forwarding);
                } else {
                    live(settings, pipeline, counters, forwarding);
                }
            } finally {
                try {
                    forwarding.recordsMayWait(); // the capture has ended
                    pipeline.engine().finish(); // ends every flow while their records can still be spooled
                    summary(pipeline.engine().counters().snapshot(), counters, pipeline.store());
                } finally {
                    forwarding.close();
                }
                if (api != null) {
                    api.close();
                }
                triggers.close();
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    /**
     * The run-time settings to start with: those a PUT saved last in the settings file, over the
     * config file's (logged, with each one that differs), else the config file's as version 0.
     */
    private SavedSettings startingSettings(ProbeSettings fileSettings, SettingsFile settingsFile) {
        RuntimeSettings fromConfig = RuntimeSettings.of(fileSettings);
        SavedSettings saved;
        try {
            saved = settingsFile.read();
        } catch (IOException e) {
            throw CliFailure.badInput(e.getMessage() + " (fix it, or remove it to start with the settings of " + config
                    + ")", e);
        }
        if (saved == null) {
            return SavedSettings.fromConfigFile(fromConfig);
        }
        Map<String, Object> file = fromConfig.values();
        List<String> differ = new ArrayList<>();
        saved.settings().values().forEach((name, value) -> {
            if (!value.equals(file.get(name))) {
                differ.add(name + " " + value + " (" + config.getFileName() + ": " + file.get(name) + ")");
            }
        });
        log.info("settings: using {} (version {}, applied through the probe API at {}) over {}: {}", settingsFile.path(),
                saved.version(), saved.updatedAt(), config, differ.isEmpty() ? "the same values" : String.join(", ", differ));
        return saved;
    }

    /**
     * Puts the saved triggers that have not expired in force and keeps the set for the probe API.
     * Filters are compiled for Ethernet frames: the ring engine's, and any Ethernet interface's or
     * file's (on another link type a filter trigger matches no packet; a watchlist works on any).
     */
    private static TriggerService startTriggers(ProbeSettings settings, CapturePipeline pipeline) throws IOException {
        CaptureEngine engine = pipeline.engine();
        return TriggerService.start(settings.name(), new TriggersFile(settings.triggersFile()),
                expression -> BpfCompiler.compile(expression, DLT_EN10MB, SNAPLEN), new TriggerService.Target() {
                    @Override
                    public void useTriggers(TriggerSet set) {
                        engine.useTriggers(set);
                    }

                    @Override
                    public long flowsArmedBy(int bit) {
                        return engine.flowsArmedBy(bit);
                    }
                }, Clock.systemUTC());
    }

    /** Starts the probe API if {@code api.listen} is set; null otherwise. */
    private ProbeApiServer startApi(ProbeSettings settings, CapturePipeline pipeline, ProbeMetrics metrics,
            SettingsService settingsService, TriggerService triggers) throws IOException {
        ProbeSettings.Api api = settings.api();
        if (api.listen() == null) {
            return null;
        }
        String token;
        try {
            token = Files.readString(api.tokenFile()).strip();
        } catch (IOException e) {
            throw CliFailure.badInput(config + ": api.token-file: cannot read " + api.tokenFile() + ": " + e.getMessage(), e);
        }
        if (token.isEmpty()) {
            throw CliFailure.badInput(config + ": api.token-file " + api.tokenFile() + " is empty");
        }
        SSLContext tls = api.tlsCertificate() == null ? null : PemTls.server(api.tlsCertificate(), api.tlsKey());
        PcapStore store = pipeline.store();
        // the store's writer makes what was handed to it so far readable, without sealing; the capture thread is not asked
        CarveJobs carves = new CarveJobs(api.carveDir(), store.extractor(),
                () -> store.awaitReadable(store.requestReadable(), READABLE_TIMEOUT_NANOS), api.carveRetention(),
                api.carveQuota().bytes(), settings.flows().longestIdleTimeout(), metrics::recordCarve);
        metrics.carveDirectory(carves::removedForQuota, carves::bytesRemovedForQuota);
        InetSocketAddress address;
        try {
            address = api.address();
        } catch (IllegalArgumentException e) {
            throw CliFailure.badInput(config + ": " + e.getMessage(), e);
        }
        ProbeApiServer server = new ProbeApiServer(settings.name(), address, tls, token, store, carves,
                new ProbeApiServer.Endpoints(new ProbeApiServer.MetricsText(ProbeMetrics.CONTENT_TYPE, metrics::scrape),
                        settingsService, triggers, expression -> BpfCompiler.compile(expression, DLT_EN10MB, SNAPLEN)));
        server.start();
        spec.commandLine().getOut().printf("flowtrap-probe: api %s://%s:%d%n", tls == null ? "http" : "https",
                address.getHostString(), server.port());
        return server;
    }

    /** Replays capture.pcap-file with the alerts of alerts.eve-file, then serves until stopped. */
    private void replay(ProbeSettings settings, CapturePipeline pipeline, AlertIntakeCounters counters,
            AlertForwarding forwarding) throws IOException {
        forwarding.recordsMayWait(); // a replay waits for the store, and so for the spool
        Path pcap = settings.capture().pcapFile();
        AlertSchedule schedule = AlertSchedule.read(settings.alerts().eveFile(), Duration.ZERO, new EveAlertParser(), counters);
        long packets;
        try {
            // whole microseconds: EVE timestamps have no finer digits, so alerts move exactly as packets do
            long shift = settings.capture().replayClock().equals("now")
                    ? (System.currentTimeMillis() * 1_000_000L - lastTimestamp(pcap)) / 1_000 * 1_000 : 0;
            schedule = schedule.shifted(shift);
            for (EveAlert alert : schedule.alerts()) {
                forwarding.accept(alert);
            }
            try (OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(pcap);
                    OfflinePcapSource twin = Replay.resolvingAheadHelps() ? OfflinePcapSource.asFastAsPossible(pcap) : null) {
                packets = twin != null
                        ? Replay.runResolvingAhead(source, twin, schedule, pipeline, shift)
                        : Replay.run(source, schedule, pipeline, shift);
            }
        } catch (PcapFormatException | MalformedAlertException e) {
            throw CliFailure.badInput(pcap + ": " + e.getMessage(), e);
        }
        var c = pipeline.engine().counters().snapshot();
        log.info("replayed {} packets of {}: {} flows armed, {} packets stored; alerts {}", packets, pcap, c.armedFlows(),
                c.storedPackets(), counters);
        ready();
        CaptureEngine engine = pipeline.engine();
        while (!stopping) {
            engine.idle(System.currentTimeMillis() * 1_000_000L);
            try {
                Thread.sleep(IDLE_SLEEP_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The newest packet time in a capture file (one pass over it). */
    private static long lastTimestamp(Path pcap) throws IOException {
        long last = 0;
        try (OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(pcap)) {
            PacketRecord packet = new PacketRecord();
            while (!source.exhausted()) {
                if (source.next(packet)) {
                    last = Math.max(last, packet.timestampNanos());
                }
            }
        }
        return last;
    }

    private void live(ProbeSettings settings, CapturePipeline pipeline, AlertIntakeCounters counters,
            AlertForwarding forwarding) throws Exception {
        ProbeSettings.Capture capture = settings.capture();
        ProbeSettings.Alerts alerts = settings.alerts();
        try (LivePacketSource source = LiveSources.open(capture)) {
            liveSource = source;
            CaptureEngine engine = pipeline.engine();
            engine.useMonotonicTimers(); // packet timestamps follow the wall clock, which can step
            EveLineDispatcher dispatcher = new EveLineDispatcher(new EveAlertParser(), forwarding.armThenSpool(engine::submit),
                    counters);
            EveUnixSocketListener socket = null;
            EveFileTailer tailer = null;
            if (alerts.eveSocket() != null) {
                Files.createDirectories(alerts.eveSocket().toAbsolutePath().getParent());
                socket = new EveUnixSocketListener(alerts.eveSocket(), dispatcher);
                socket.start();
            }
            if (alerts.eveFile() != null) {
                tailer = new EveFileTailer(alerts.eveFile(), alerts.eveFileFromStart()
                        ? EveFileTailer.StartPosition.BEGINNING : EveFileTailer.StartPosition.END,
                        Duration.ofMillis(200), dispatcher);
                Thread tailerThread = new Thread(tailer, "eve-file-tailer");
                tailerThread.setDaemon(true);
                tailerThread.start();
            }
            log.info("capturing on {} (filter '{}'), store {}, alerts from {}{}", capture.interfaceName(), capture.filter(),
                    settings.store().dir(), alerts.eveSocket() == null ? "" : alerts.eveSocket(),
                    alerts.eveFile() == null ? "" : " " + alerts.eveFile());
            ready();
            try {
                captureLoop(source, engine, pipeline, counters, forwarding);
            } finally {
                if (socket != null) {
                    socket.close();
                }
                if (tailer != null) {
                    tailer.close();
                }
                source.stop(); // closing the pipeline then ends every flow and seals the store
            }
        }
    }

    private void ready() {
        spec.commandLine().getOut().println("flowtrap-probe: ready");
        spec.commandLine().getOut().flush();
    }

    private void captureLoop(LivePacketSource source, CaptureEngine engine, CapturePipeline pipeline,
            AlertIntakeCounters counters, AlertForwarding forwarding) throws IOException {
        PacketRecord packet = new PacketRecord();
        long nextStatus = System.nanoTime() + STATUS_INTERVAL_NANOS;
        long nextSourceStats = System.nanoTime() + SOURCE_STATS_INTERVAL_NANOS;
        while (!stopping && !source.exhausted()) {
            if (source.next(packet)) {
                engine.onPacket(packet);
            } else {
                engine.idle(System.currentTimeMillis() * 1_000_000L);
            }
            long now = System.nanoTime();
            if (now >= nextSourceStats) {
                nextSourceStats = now + SOURCE_STATS_INTERVAL_NANOS;
                engine.sourceLosses(source.dropped(), source.freezes());
                runtime.takeFilterChange(source); // a filter a PUT asked for: swapped in between two packets
            }
            if (now >= nextStatus) {
                nextStatus = now + STATUS_INTERVAL_NANOS;
                status(engine.counters().snapshot(), counters, pipeline.store(), forwarding);
            }
        }
        engine.sourceLosses(source.dropped(), source.freezes()); // published by finish()
    }

    /** The periodic status line: what was captured, and every loss. */
    private static void status(CaptureCounters.Snapshot c, AlertIntakeCounters alerts, PcapStore store,
            AlertForwarding forwarding) {
        log.info("packets {} bytes {} flows {} armed {} stored {} ({} bytes); losses: kernel drops {} freezes {}"
                        + " look-back evicted waiting {} too large {} blocked {} flow evictions {} store backlog {} store write lost {}"
                        + " ({} bytes){};"
                        + " alerts received {} matched {} late {} unknown {} duplicate {} unarmed {}; EVE lost {} (malformed {}"
                        + " inbox full {} sink failures {}); {}",
                c.packets(), c.bytes(), c.flowsTracked(), c.armedFlows(), c.storedPackets(), c.storedBytes(),
                c.kernelDrops(), c.ringFreezes(), c.lookbackEvictedWaiting(), c.lookbackTooLarge(), c.lookbackBlocked(),
                c.flowEvictions(), store.backlogDroppedPackets(), store.writeLostPackets(), store.writeLostBytes(),
                storeWriting(store),
                alerts.delivered(), alerts.matched(), alerts.late(), alerts.unknown(), alerts.duplicate(), alerts.unarmed(),
                alerts.lost(), alerts.malformed(), alerts.inboxFull(), alerts.sinkFailures(), forwarding.describe());
    }

    /**
     * Nothing while the store writes and its disk has had room; else since when it cannot write (a
     * full disk), and how many segments a full disk made it rotate out, for the status line.
     */
    private static String storeWriting(PcapStore store) {
        long since = store.writingFailedSinceMillis();
        long forRoom = store.rotatedForRoomSegments();
        return (forRoom == 0 ? "" : ", store rotated out " + forRoom + " segments for room (disk smaller than store.max-size)")
                + (since == 0 ? "" : ", STORE NOT WRITING since " + java.time.Instant.ofEpochMilli(since)
                        + " (full disk or I/O error; retried every second)");
    }

    /** The one line printed when capture ends; its first pairs are a contract with ops/bench. */
    private void summary(CaptureCounters.Snapshot c, AlertIntakeCounters alerts, PcapStore store) {
        spec.commandLine().getOut().printf("flowtrap-probe: capture ended packets=%d dropped=%d freezes=%d stored=%d"
                        + " armed=%d alerts_received=%d bytes=%d stored_bytes=%d lookback_evicted_waiting=%d"
                        + " lookback_too_large=%d flow_evictions=%d alerts_matched=%d alerts_late=%d alerts_unknown=%d"
                        + " alerts_duplicate=%d eve_lost=%d store_backlog_dropped=%d store_write_lost=%d"
                        + " store_write_lost_bytes=%d alerts_unarmed=%d lookback_blocked=%d%n",
                c.packets(), c.kernelDrops(), c.ringFreezes(), c.storedPackets(), c.armedFlows(), alerts.delivered(),
                c.bytes(), c.storedBytes(), c.lookbackEvictedWaiting(), c.lookbackTooLarge(), c.flowEvictions(),
                alerts.matched(), alerts.late(), alerts.unknown(), alerts.duplicate(), alerts.lost(),
                store.backlogDroppedPackets(), store.writeLostPackets(), store.writeLostBytes(), alerts.unarmed(),
                c.lookbackBlocked());
        spec.commandLine().getOut().flush();
    }
}
