package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.alert.EveLineDispatcher;
import io.flowtrap.probe.alert.EveUnixSocketListener;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.pipeline.CapturePipeline;
import java.io.ByteArrayOutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood of real Suricata 7 EVE alert lines (ops/demo-data/demo-eve.json, its 91 alerts repeated
 * to {@value #ALERTS}) written into the probe's EVE unix socket as fast as one client can write,
 * through the real listener and dispatcher into a real capture engine's inbox, drained by a
 * capture thread that polls as the live loop does. Every alert sent must arrive and be counted,
 * none lost to a full inbox, and the client must never be held for long: a Suricata writing this
 * way would drop events whenever its socket buffer stayed full. Prints the rate it reached.
 */
class EveSocketFloodIT {
    private static final int ALERTS = 200_000;
    private static final int WRITE_BYTES = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void everyAlertOfAFloodIsDeliveredAndCounted() throws Exception {
        List<String> alertLines = Files.readAllLines(Tools.REPO.resolve("ops/demo-data/demo-eve.json")).stream()
                .filter(l -> l.contains("\"event_type\":\"alert\"")).toList();
        assertThat(alertLines).isNotEmpty();
        ByteArrayOutputStream flood = new ByteArrayOutputStream();
        for (int i = 0; i < ALERTS; i++) {
            flood.writeBytes((alertLines.get(i % alertLines.size()) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        byte[] bytes = flood.toByteArray();

        AlertIntakeCounters counters = new AlertIntakeCounters();
        try (CapturePipeline pipeline = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("1GB"), DataSize.parse("64MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(0, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), counters)) {
            CaptureEngine engine = pipeline.engine();
            AtomicBoolean done = new AtomicBoolean();
            Thread capture = new Thread(() -> {
                try {
                    while (!done.get()) {
                        engine.idle(0); // drains the inbox; the live loop does this after each empty poll
                        LockSupport.parkNanos(1_000_000); // a live source's empty read waits about this long
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "flood-capture");
            capture.start();
            Path socket = dir.resolve("eve.sock");
            long maxWriteNanos = 0;
            long elapsed;
            try (EveUnixSocketListener listener = new EveUnixSocketListener(socket,
                    new EveLineDispatcher(new EveAlertParser(), engine::submit, counters))) {
                listener.start();
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    long start = System.nanoTime();
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) {
                        b.limit(Math.min(bytes.length, b.position() + WRITE_BYTES));
                        long t = System.nanoTime();
                        client.write(b);
                        maxWriteNanos = Math.max(maxWriteNanos, System.nanoTime() - t);
                        b.limit(bytes.length);
                    }
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    while (counters.delivered() + counters.inboxFull() + counters.malformed() < ALERTS
                            && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    elapsed = System.nanoTime() - start;
                }
            } finally {
                done.set(true);
                capture.join(10_000);
            }
            engine.finish(); // settles the alerts still pending (their flows never came: unknown)

            System.out.printf("EVE flood: %d alert lines (%d bytes) in %.3f s = %.0f lines/s, %.1f MB/s;"
                            + " longest single %d-byte write blocked %.1f ms%n", ALERTS, bytes.length, elapsed / 1e9,
                    ALERTS / (elapsed / 1e9), bytes.length / (elapsed / 1e9) / 1e6, WRITE_BYTES, maxWriteNanos / 1e6);
            assertThat(counters.malformed()).isZero();
            assertThat(counters.sinkFailures()).isZero();
            assertThat(counters.inboxFull()).as("alerts lost to a full inbox").isZero();
            assertThat(counters.delivered()).as("alerts delivered").isEqualTo(ALERTS);
            // each delivered alert reached the capture thread and got exactly one outcome
            assertThat(counters.matched() + counters.duplicate() + counters.late() + counters.unknown()).isEqualTo(ALERTS);
            assertThat(maxWriteNanos).as("longest blocked write (ns)").isLessThan(TimeUnit.SECONDS.toNanos(2));
        }
    }
}
