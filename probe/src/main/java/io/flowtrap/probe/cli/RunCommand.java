package io.flowtrap.probe.cli;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.alert.MalformedAlertException;
import io.flowtrap.probe.alert.EveFileTailer;
import io.flowtrap.probe.alert.EveLineDispatcher;
import io.flowtrap.probe.alert.EveUnixSocketListener;
import io.flowtrap.probe.capture.LivePcapSource;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.pipeline.AlertSchedule;
import io.flowtrap.probe.pipeline.Replay;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.api.CarveJobs;
import io.flowtrap.probe.api.ProbeApiServer;
import io.flowtrap.api.tls.PemTls;
import io.flowtrap.pcap.PcapFormatException;
import io.flowtrap.store.PcapStore;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * replay: once the capture has been replayed); when a live capture ends, {@code flowtrap-probe:
 * capture ended packets=N dropped=N ...} (key=value, read by ops/bench/run live).
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the probe: live capture, alerts from Suricata, the store.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
    private static final long STATUS_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, description = "The probe's settings (YAML; see ops/probe/probe.yaml).")
    Path config;

    /** How long a carve waits for the capture thread to seal the active segment. */
    private static final long SEAL_TIMEOUT_NANOS = Duration.ofSeconds(3).toNanos();
    private static final long IDLE_SLEEP_MILLIS = 50;

    private volatile boolean stopping;
    private volatile LivePcapSource liveSource;

    @Override
    public Integer call() throws Exception {
        ProbeSettings settings;
        try {
            settings = ProbeSettings.read(config);
        } catch (IOException | IllegalArgumentException e) {
            throw CliFailure.badInput(config + ": " + e.getMessage(), e);
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
        try (CapturePipeline pipeline = CapturePipeline.open(settings.store(), settings.flows(), settings.lookback(), counters)) {
            if (!pipeline.store().recoveryReport().clean()) {
                log.warn("store recovery: {}", String.join("; ", pipeline.store().recoveryReport().actions()));
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stopping = true;
                LivePcapSource live = liveSource;
                if (live != null) {
                    live.stop();
                }
                try {
                    stopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "flowtrap-shutdown"));
            AlertForwarding forwarding = AlertForwarding.start(settings);
            if (forwarding.active()) {
                pipeline.engine().onStoredFlow(forwarding::accept);
            }
            ProbeApiServer api;
            try {
                api = startApi(settings, pipeline);
            } catch (IOException | RuntimeException e) {
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
                    pipeline.engine().finish(); // ends every flow while their records can still be spooled
                } finally {
                    forwarding.close();
                }
                if (api != null) {
                    api.close();
                }
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    /** Starts the probe API if {@code api.listen} is set; null otherwise. */
    private ProbeApiServer startApi(ProbeSettings settings, CapturePipeline pipeline) throws IOException {
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
        CaptureEngine engine = pipeline.engine();
        PcapStore store = pipeline.store();
        CarveJobs carves = new CarveJobs(api.carveDir(), store.extractor(), () -> store.status().activePackets() == 0
                || engine.awaitSeal(engine.requestSeal(), SEAL_TIMEOUT_NANOS), api.carveRetention());
        InetSocketAddress address;
        try {
            address = api.address();
        } catch (IllegalArgumentException e) {
            throw CliFailure.badInput(config + ": " + e.getMessage(), e);
        }
        ProbeApiServer server = new ProbeApiServer(settings.name(), address, tls, token, store, carves);
        server.start();
        spec.commandLine().getOut().printf("flowtrap-probe: api %s://%s:%d%n", tls == null ? "http" : "https",
                address.getHostString(), server.port());
        return server;
    }

    /** Replays capture.pcap-file with the alerts of alerts.eve-file, then serves until stopped. */
    private void replay(ProbeSettings settings, CapturePipeline pipeline, AlertIntakeCounters counters,
            AlertForwarding forwarding) throws IOException {
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
            try (OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(pcap)) {
                packets = Replay.run(source, schedule, pipeline, shift);
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
        try (LivePcapSource source = LivePcapSource.open(capture.interfaceName(), capture.filter(), capture.snaplen(),
                capture.promiscuous(), (int) Math.min(Integer.MAX_VALUE, capture.buffer().bytes()))) {
            liveSource = source;
            CaptureEngine engine = pipeline.engine();
            EveLineDispatcher dispatcher = new EveLineDispatcher(new EveAlertParser(), alert -> {
                forwarding.accept(alert);
                engine.submit(alert);
            }, counters);
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
                captureLoop(source, engine, pipeline, counters);
                captureEnded(source, engine, counters);
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

    /**
     * The last word on a live capture, one key=value line on stdout for scripts (ops/bench/run live):
     * what the capture thread saw and what the kernel dropped. Freezes: libpcap does not report them.
     */
    private void captureEnded(LivePcapSource source, CaptureEngine engine, AlertIntakeCounters counters) {
        engine.counters().publish(); // this is the capture thread: the snapshot is then exact
        var c = engine.counters().snapshot();
        spec.commandLine().getOut().printf("flowtrap-probe: capture ended packets=%d dropped=%d freezes=0 stored=%d armed=%d"
                + " alerts_received=%d%n", c.packets(), source.dropped(), c.storedPackets(), c.armedFlows(),
                counters.delivered());
        spec.commandLine().getOut().flush();
    }

    private void ready() {
        spec.commandLine().getOut().println("flowtrap-probe: ready");
        spec.commandLine().getOut().flush();
    }

    private void captureLoop(LivePcapSource source, CaptureEngine engine, CapturePipeline pipeline,
            AlertIntakeCounters counters) throws IOException {
        PacketRecord packet = new PacketRecord();
        long nextStatus = System.nanoTime() + STATUS_INTERVAL_NANOS;
        while (!stopping && !source.exhausted()) {
            if (source.next(packet)) {
                engine.onPacket(packet);
            } else {
                engine.idle(System.currentTimeMillis() * 1_000_000L);
            }
            if (System.nanoTime() >= nextStatus) {
                nextStatus = System.nanoTime() + STATUS_INTERVAL_NANOS;
                var c = engine.counters().snapshot();
                log.info("packets {} dropped {} flows {} armed {} stored {} ({} bytes); alerts {}", c.packets(),
                        source.dropped(), pipeline.flows().size(), c.armedFlows(), c.storedPackets(), c.storedBytes(),
                        counters);
            }
        }
    }
}
