package io.flowtrap.probe.cli;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.alert.EveFileTailer;
import io.flowtrap.probe.alert.EveLineDispatcher;
import io.flowtrap.probe.alert.EveUnixSocketListener;
import io.flowtrap.probe.capture.LivePcapSource;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.pipeline.CapturePipeline;
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
 * store until SIGTERM/SIGINT, when it ends every flow and seals the store. Prints
 * {@code flowtrap-probe: ready} on stdout once capture and alert intake are up.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the probe: live capture, alerts from Suricata, the store.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
    private static final long STATUS_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, description = "The probe's settings (YAML; see ops/probe/probe.yaml).")
    Path config;

    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        ProbeSettings settings;
        try {
            settings = ProbeSettings.read(config);
        } catch (IOException | IllegalArgumentException e) {
            throw CliFailure.badInput(config + ": " + e.getMessage(), e);
        }
        ProbeSettings.Capture capture = settings.capture();
        if (capture.interfaceName() == null || capture.interfaceName().isBlank()) {
            throw CliFailure.badInput(config + ": capture.interface-name is required");
        }
        ProbeSettings.Alerts alerts = settings.alerts();
        if (alerts.eveSocket() == null && alerts.eveFile() == null) {
            throw CliFailure.badInput(config + ": set alerts.eve-socket and/or alerts.eve-file, or nothing is ever armed");
        }
        AlertIntakeCounters counters = new AlertIntakeCounters();
        CountDownLatch stopped = new CountDownLatch(1);
        try (CapturePipeline pipeline = CapturePipeline.open(settings.store(), settings.flows(), settings.lookback(), counters);
                LivePcapSource source = LivePcapSource.open(capture.interfaceName(), capture.filter(), capture.snaplen(),
                        capture.promiscuous(), (int) Math.min(Integer.MAX_VALUE, capture.buffer().bytes()))) {
            if (!pipeline.store().recoveryReport().clean()) {
                log.warn("store recovery: {}", String.join("; ", pipeline.store().recoveryReport().actions()));
            }
            CaptureEngine engine = pipeline.engine();
            EveLineDispatcher dispatcher = new EveLineDispatcher(new EveAlertParser(), engine::submit, counters);
            EveUnixSocketListener socket = null;
            EveFileTailer tailer = null;
            Thread tailerThread = null;
            if (alerts.eveSocket() != null) {
                Files.createDirectories(alerts.eveSocket().toAbsolutePath().getParent());
                socket = new EveUnixSocketListener(alerts.eveSocket(), dispatcher);
                socket.start();
            }
            if (alerts.eveFile() != null) {
                tailer = new EveFileTailer(alerts.eveFile(), alerts.eveFileFromStart()
                        ? EveFileTailer.StartPosition.BEGINNING : EveFileTailer.StartPosition.END,
                        Duration.ofMillis(200), dispatcher);
                tailerThread = new Thread(tailer, "eve-file-tailer");
                tailerThread.setDaemon(true);
                tailerThread.start();
            }
            Thread shutdown = new Thread(() -> {
                stopping = true;
                source.stop();
                try {
                    stopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "flowtrap-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdown);
            log.info("capturing on {} (filter '{}'), store {}, alerts from {}{}", capture.interfaceName(), capture.filter(),
                    settings.store().dir(), alerts.eveSocket() == null ? "" : alerts.eveSocket(),
                    alerts.eveFile() == null ? "" : " " + alerts.eveFile());
            spec.commandLine().getOut().println("flowtrap-probe: ready");
            spec.commandLine().getOut().flush();
            try {
                captureLoop(source, engine, pipeline, counters);
            } finally {
                if (socket != null) {
                    socket.close();
                }
                if (tailer != null) {
                    tailer.close();
                }
                source.stop(); // closing the pipeline then ends every flow and seals the store
            }
        } finally {
            stopped.countDown();
        }
        return 0;
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
