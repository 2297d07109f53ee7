package io.flowtrap.probe.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.capture.OfflinePcapSource;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.AlertSchedule;
import io.flowtrap.probe.pipeline.CaptureCounters;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.probe.pipeline.Replay;
import io.flowtrap.store.SmallFileSystem;
import io.flowtrap.store.BackpressurePolicy;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.Segment;
import io.flowtrap.store.StoreVerifier;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input (issue 8, item 4): the whole probe pipeline (flow table, look-back, alert matching,
 * store) over ops/demo-data with its Suricata alerts, its store on a real 1 MB tmpfs that is
 * already full. The probe keeps capturing and matching exactly as on a roomy disk, never waits
 * (the live policy: lose and count), says in its metrics that the store does not write and what
 * it lost in packets and bytes, and writes again by itself once there is room: a second replay,
 * an hour of packet time later, is stored. Every packet handed to the store is stored or counted.
 * And on a disk smaller than {@code store.max-size}: the probe goes on as on a roomy disk, the
 * store rotates its oldest segments out for room, loses nothing, and its metrics say so apart.
 */
@Tag("hostile-input")
class StoreFullDiskIT {
    @TempDir
    Path work;

    private SmallFileSystem small;
    private Path fs;

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }

    @BeforeEach
    void mountTinyFileSystem() throws Exception {
        small = SmallFileSystem.mount(work.resolve("fs"), "1m");
        fs = small.path();
    }

    @AfterEach
    void unmount() throws Exception {
        small.close(); // lazy: the verifier's pcap reader leaves its windows to the collector
    }

    private static Path demo() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("ops/demo-data"))) {
            dir = dir.getParent();
        }
        return dir.resolve("ops/demo-data");
    }

    private static ProbeSettings.Store store(Path dir) {
        return store(dir, "512KB");
    }

    private static ProbeSettings.Store store(Path dir, String maxSize) {
        return new ProbeSettings.Store(dir, DataSize.parse(maxSize), DataSize.parse("64KB"), Duration.ofHours(1));
    }

    private static ProbeSettings.Flows flows() {
        return new ProbeSettings.Flows(0, null, null, null, null, null, null);
    }

    private static ProbeSettings.Lookback lookback() {
        return new ProbeSettings.Lookback(DataSize.parse("16MB"));
    }

    private static void replay(CapturePipeline pipeline, AlertIntakeCounters counters, long shift) throws Exception {
        AlertSchedule schedule = AlertSchedule.read(demo().resolve("demo-eve.json"), Duration.ZERO, new EveAlertParser(),
                counters).shifted(shift);
        try (OfflinePcapSource source = OfflinePcapSource.asFastAsPossible(demo().resolve("demo.pcap"))) {
            Replay.run(source, schedule, pipeline, shift);
        }
        pipeline.engine().idle(Long.MAX_VALUE / 4); // publishes the counters
    }

    private static Map<String, Double> scrape(ProbeMetrics metrics) {
        Map<String, Double> m = new HashMap<>();
        for (String line : metrics.scrape().split("\n")) {
            if (!line.startsWith("#") && !line.isBlank() && !line.contains("{")) {
                String[] f = line.split(" ");
                m.put(f[0], Double.parseDouble(f[1]));
            }
        }
        return m;
    }

    @Test
    @Timeout(180)
    void onAFullDiskTheProbeCapturesAndMatchesAsUsualCountsWhatItCouldNotStoreAndResumesByItself() throws Exception {
        // the reference: the same replay on a roomy disk
        AlertIntakeCounters roomyAlerts = new AlertIntakeCounters();
        CaptureCounters.Snapshot roomy;
        try (CapturePipeline p = CapturePipeline.open(store(work.resolve("roomy")), flows(), lookback(), roomyAlerts,
                BackpressurePolicy.DROP)) {
            replay(p, roomyAlerts, 0);
            p.store().flush();
            roomy = p.engine().counters().snapshot();
            assertThat(p.store().writeLostPackets()).isZero();
        }
        assertThat(roomy.armedFlows()).isPositive();

        Path filler = fs.resolve("filler");
        Files.write(filler, new byte[(int) Files.getFileStore(fs).getUsableSpace() - 48 * 1024]);
        AlertIntakeCounters alerts = new AlertIntakeCounters();
        Path dir = fs.resolve("store");
        try (CapturePipeline p = CapturePipeline.open(store(dir), flows(), lookback(), alerts, BackpressurePolicy.DROP)) {
            PcapStore store = p.store();
            ProbeMetrics metrics = new ProbeMetrics(p.engine().counters(), alerts, store);
            replay(p, alerts, 0);
            store.flush();
            CaptureCounters.Snapshot full = p.engine().counters().snapshot();
            assertThat(full.packets()).as("captured as on a roomy disk").isEqualTo(roomy.packets());
            assertThat(full.armedFlows()).as("flows armed as on a roomy disk").isEqualTo(roomy.armedFlows());
            assertThat(alerts.matched()).as("alerts matched as on a roomy disk").isEqualTo(roomyAlerts.matched());
            assertThat(full.storedPackets()).as("handed to the store as on a roomy disk").isEqualTo(roomy.storedPackets());

            Map<String, Double> m = scrape(metrics);
            assertThat(m.get("flowtrap_store_writing")).as("the store says it does not write").isZero();
            assertThat(m.get("flowtrap_store_write_failures_total")).isPositive();
            assertThat(m.get("flowtrap_store_write_lost_packets_total")).isPositive();
            assertThat(m.get("flowtrap_store_write_lost_bytes_total")).isPositive();
            assertThat(m.get("flowtrap_store_backlog_dropped_packets_total")).isZero();
            assertThat(store.status().packets() + store.writeLostPackets())
                    .as("every packet handed to the store is in it (written or in the writer's buffer) or counted lost")
                    .isEqualTo(full.storedPackets());

            Files.delete(filler);
            // nothing asks: the writer tries again by itself a second after its last failure, with what it buffered
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!store.writing() && System.nanoTime() < deadline) {
                Thread.sleep(20); // polls the state the writer thread publishes
            }
            assertThat(store.writing()).as("writing again once there is room, by itself").isTrue();
            replay(p, alerts, TimeUnit.HOURS.toNanos(1)); // the wire goes on
            store.flush();
            assertThat(scrape(metrics).get("flowtrap_store_writing")).isEqualTo(1.0);
            long lost = store.writeLostPackets();
            CaptureCounters.Snapshot after = p.engine().counters().snapshot();
            assertThat(store.status().packets() + lost).isEqualTo(after.storedPackets());
            assertThat(alerts.matched()).isEqualTo(2 * roomyAlerts.matched());
        }
        assertThat(new StoreVerifier().verify(dir).clean()).isTrue();
        try (PcapStore s = PcapStore.openReadOnly(dir)) {
            long onDisk = 0;
            for (Segment segment : s.status().segments()) {
                onDisk += run("tshark", "-r", segment.pcap().toString(), "-T", "fields", "-e", "frame.number").lines()
                        .filter(line -> line.matches("\\d+")).count(); // tshark's warnings about root go to the same stream
            }
            assertThat(onDisk).as("tshark reads what the store says it holds").isEqualTo(s.status().packets())
                    .isGreaterThanOrEqualTo(roomy.storedPackets()); // the second replay, at least, is stored
        }
    }

    @Test
    @Timeout(180)
    void onADiskSmallerThanMaxSizeTheStoreRotatesOutItsOldestSegmentsForRoomAndTheProbeLosesNothing() throws Exception {
        AlertIntakeCounters roomyAlerts = new AlertIntakeCounters();
        CaptureCounters.Snapshot roomy;
        try (CapturePipeline p = CapturePipeline.open(store(work.resolve("roomy"), "64MB"), flows(), lookback(), roomyAlerts,
                BackpressurePolicy.DROP)) {
            replay(p, roomyAlerts, 0);
            p.store().flush();
            roomy = p.engine().counters().snapshot();
        }
        long capacity = Files.getFileStore(fs).getTotalSpace();
        int replays = (int) (3 * capacity / roomy.storedBytes()) + 2; // the disk filled three times over
        AlertIntakeCounters alerts = new AlertIntakeCounters();
        Path dir = fs.resolve("store");
        try (CapturePipeline p = CapturePipeline.open(store(dir, "64MB"), flows(), lookback(), alerts, BackpressurePolicy.DROP)) {
            PcapStore store = p.store();
            ProbeMetrics metrics = new ProbeMetrics(p.engine().counters(), alerts, store);
            for (int r = 1; r <= replays; r++) {
                replay(p, alerts, (r - 1) * TimeUnit.HOURS.toNanos(1)); // the wire goes on, hour after hour
                store.flush();
                CaptureCounters.Snapshot now = p.engine().counters().snapshot();
                assertThat(now.packets()).as("replay %d: captured as on a roomy disk", r).isEqualTo(r * roomy.packets());
                assertThat(now.armedFlows()).as("replay %d: armed as on a roomy disk", r).isEqualTo(r * roomy.armedFlows());
                assertThat(alerts.matched()).as("replay %d", r).isEqualTo(r * roomyAlerts.matched());
                assertThat(now.storedPackets()).as("replay %d", r).isEqualTo(r * roomy.storedPackets());
                Map<String, Double> m = scrape(metrics);
                assertThat(m.get("flowtrap_store_writing")).as("replay %d: writing", r).isEqualTo(1.0);
                assertThat(m.get("flowtrap_store_write_failures_total")).as("replay %d", r).isZero();
                assertThat(m.get("flowtrap_store_write_lost_packets_total")).as("replay %d: nothing lost", r).isZero();
                assertThat(m.get("flowtrap_store_backlog_dropped_packets_total")).as("replay %d", r).isZero();
                assertThat(m.get("flowtrap_store_bytes")).as("replay %d: the store fits its disk", r).isLessThanOrEqualTo(capacity);
                FileStore disk = Files.getFileStore(fs);
                assertThat(disk.getTotalSpace() - disk.getUnallocatedSpace()).isLessThanOrEqualTo(capacity);
            }
            Map<String, Double> m = scrape(metrics);
            assertThat(m.get("flowtrap_store_max_bytes")).isGreaterThan(10.0 * capacity);
            assertThat(m.get("flowtrap_store_rotated_disk_full_segments_total")).as("rotated out for room").isGreaterThan(10);
            assertThat(m.get("flowtrap_store_rotated_disk_full_bytes_total")).isGreaterThan(capacity);
            assertThat(m.get("flowtrap_store_rotated_segments_total")).as("every rotation was for room")
                    .isEqualTo(m.get("flowtrap_store_rotated_disk_full_segments_total"));
        }
        assertThat(new StoreVerifier().verify(dir).clean()).isTrue();
        try (PcapStore s = PcapStore.openReadOnly(dir)) {
            assertThat(s.status().segments()).hasSizeGreaterThan(4);
            for (Segment segment : s.status().segments()) {
                long read = run("tcpdump", "-nn", "-r", segment.pcap().toString()).lines()
                        .filter(line -> !line.isBlank() && !line.startsWith("reading from file")).count();
                assertThat(read).as("tcpdump reads %s whole", segment.pcap()).isEqualTo(segment.packets());
            }
        }
    }
}
