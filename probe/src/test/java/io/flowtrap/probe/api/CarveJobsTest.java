package io.flowtrap.probe.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.StoreFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Carves from a real store (ops/demo-data replayed) into a real directory. */
@Tag("hostile-input")
class CarveJobsTest {
    @TempDir
    static Path storeDir;

    private static DemoStore demo;
    private static PcapStore store;
    private static EveAlert alert;

    @TempDir
    Path carveDir;

    private final AtomicInteger seals = new AtomicInteger();
    private CarveJobs jobs;

    @BeforeAll
    static void replayTheDemo() throws IOException {
        demo = DemoStore.replay(storeDir.resolve("store"));
        store = PcapStore.openReadOnly(demo.dir);
        alert = demo.storedAlert(store);
    }

    @AfterAll
    static void closeStore() throws IOException {
        store.close();
    }

    @BeforeEach
    void jobs() throws IOException {
        jobs = new CarveJobs(carveDir.resolve("carves"), store.extractor(), () -> {
            seals.incrementAndGet();
            return true;
        }, Duration.ofHours(1), Duration.ofSeconds(600));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String neverStoredAlert() {
        // A flow the demo capture never had (TEST-NET-3 addresses), at a time within the store's range.
        String time = alert.json().replaceAll("(?s).*\"timestamp\":\"([^\"]+)\".*", "$1");
        return "{\"timestamp\":\"" + time + "\",\"event_type\":\"alert\",\"src_ip\":\"203.0.113.7\",\"src_port\":4444,"
                + "\"dest_ip\":\"203.0.113.8\",\"dest_port\":80,\"proto\":\"TCP\","
                + "\"community_id\":\"1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"alert\":{\"signature_id\":1,\"signature\":\"x\"}}";
    }

    private String[] filesInCarveDir() throws IOException {
        try (Stream<Path> files = Files.list(carveDir.resolve("carves"))) {
            return files.map(f -> f.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void aCarveOfAnAlertedFlowIsExactlyWhatTheExtractorGivesWithItsSha256() throws Exception {
        byte[] expected = DemoStore.extract(store, alert);

        CarveJobs.Carve carve = jobs.carve("job-1", alert.json());

        Path file = jobs.file("job-1");
        assertThat(file).isEqualTo(carveDir.resolve("carves/job-1.pcap"));
        byte[] carved = Files.readAllBytes(file);
        assertThat(carved).isEqualTo(expected);
        assertThat(carve.job()).isEqualTo("job-1");
        assertThat(carve.result().outcome()).isEqualTo(ExtractionResult.Outcome.FOUND);
        assertThat(carve.result().packets()).isPositive();
        assertThat(carve.size()).isEqualTo(expected.length);
        assertThat(carve.sha256()).isEqualTo(sha256(expected));
        assertThat(carve.includesActiveSegment()).isTrue();
        assertThat(seals).hasValue(1); // the active segment is made readable before every carve
        assertThat(Instant.parse(carve.firstTimestamp())).isBeforeOrEqualTo(Instant.parse(carve.lastTimestamp()));
        assertThat(carve.firstTimestamp()).isEqualTo(Instant.ofEpochSecond(0, carve.result().firstTimestampNanos()).toString());
        assertThat(filesInCarveDir()).containsExactly("job-1.pcap"); // no temporary file left behind
    }

    @Test
    void aCarveAgainUnderTheSameNameReplacesTheFile() throws Exception {
        Files.writeString(carveDir.resolve("carves/job-2.pcap"), "stale");
        CarveJobs.Carve carve = jobs.carve("job-2", alert.json() + "\n");
        assertThat(Files.readAllBytes(jobs.file("job-2"))).isEqualTo(DemoStore.extract(store, alert));
        assertThat(carve.size()).isEqualTo(Files.size(jobs.file("job-2")));
    }

    @Test
    void aJobNameThatCouldBeAPathIsRefusedBeforeAnythingTouchesTheDisk() throws Exception {
        Path outside = carveDir.resolve("x.pcap");
        for (String job : new String[] {"../x", "..", "%2e%2e", "a/b", "", "a\u0000b"}) {
            assertThatThrownBy(() -> jobs.carve(job, alert.json()))
                    .isInstanceOf(CarveJobs.BadRequest.class)
                    .hasMessageContaining("invalid job name");
        }
        assertThat(seals).hasValue(0);
        assertThat(outside).doesNotExist();
        assertThat(filesInCarveDir()).isEmpty();
        assertThatThrownBy(() -> jobs.file("../x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whatIsNotAnAlertIsABadRequest() throws Exception {
        String flowEvent = "{\"timestamp\":\"2023-11-14T22:13:20.016584+0000\",\"event_type\":\"flow\","
                + "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"TCP\"}";
        assertThatThrownBy(() -> jobs.carve("j", flowEvent)).isInstanceOf(CarveJobs.BadRequest.class)
                .hasMessageContaining("not an alert");
        assertThatThrownBy(() -> jobs.carve("j", "{\"timestamp\": ")).isInstanceOf(CarveJobs.BadRequest.class)
                .hasMessageContaining("json");
        assertThatThrownBy(() -> jobs.carve("j", "")).isInstanceOf(CarveJobs.BadRequest.class);
        assertThat(seals).hasValue(0);
        assertThat(filesInCarveDir()).isEmpty();
    }

    @Test
    void anAlertWithoutCommunityIdIsCarvedByItsTuple() throws Exception {
        // Suricata leaves community_id out now and then; the parser computes it from the tuple
        String noCommunityId = alert.json().replaceAll("\"community_id\":\"[^\"]*\",?", "");
        assertThat(noCommunityId).doesNotContain("community_id");
        CarveJobs.Carve carve = jobs.carve("no-cid", noCommunityId);
        assertThat(carve.result().outcome()).isEqualTo(ExtractionResult.Outcome.FOUND);
        assertThat(Files.readAllBytes(jobs.file("no-cid"))).isEqualTo(DemoStore.extract(store, alert));
    }

    @Test
    void aFlowNeverStoredIsReportedAndLeavesNoFile() throws Exception {
        CarveJobs.Carve carve = jobs.carve("job-3", neverStoredAlert());
        assertThat(carve.result().outcome()).isIn(ExtractionResult.Outcome.NEVER_STORED, ExtractionResult.Outcome.NOT_FOUND);
        assertThat(carve.sha256()).isNull();
        assertThat(carve.size()).isZero();
        assertThat(jobs.file("job-3")).doesNotExist();
        assertThat(filesInCarveDir()).isEmpty();
    }

    @Test
    void carvesOlderThanTheRetentionAreDeletedWhenTheNextIsMade() throws Exception {
        jobs.carve("old", alert.json());
        jobs.carve("recent", alert.json());
        Files.writeString(carveDir.resolve("carves/notes.txt"), "not a carve");
        Files.setLastModifiedTime(jobs.file("old"), FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Files.setLastModifiedTime(jobs.file("recent"), FileTime.from(Instant.now().minus(Duration.ofMinutes(50))));
        Files.setLastModifiedTime(carveDir.resolve("carves/notes.txt"), FileTime.from(Instant.now().minus(Duration.ofDays(2))));

        jobs.carve("new", alert.json());

        assertThat(filesInCarveDir()).containsExactly("new.pcap", "notes.txt", "recent.pcap");
    }

    @Test
    void aCarveThatFindsNothingRemovesAnOlderCarveOfThatName() throws Exception {
        jobs.carve("reused", alert.json());
        assertThat(jobs.file("reused")).exists();

        jobs.carve("reused", neverStoredAlert());

        assertThat(jobs.file("reused")).doesNotExist();
    }

    @Test
    void temporaryFilesOfInterruptedCarvesAreDeletedWithTheRetention() throws Exception {
        Path stale = Files.writeString(carveDir.resolve("carves/.crashed123.partial"), "half a pcap");
        Path fresh = Files.writeString(carveDir.resolve("carves/.running456.partial"), "being written");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        jobs.carve("next", alert.json());

        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
    }

    /** Hostile input (issue 8, item 4): the carve directory has a quota; the oldest carves go first, counted. */
    @Test
    void overItsQuotaTheOldestCarvesAreRemovedFirstAndCounted() throws Exception {
        long size = DemoStore.extract(store, alert).length;
        CarveJobs quota = new CarveJobs(carveDir.resolve("quota"), store.extractor(), () -> true, Duration.ofHours(1),
                size * 5 / 2, Duration.ofSeconds(600), CarveJobs.CarveTimes.NONE);
        Instant t = Instant.now().minus(Duration.ofMinutes(10));
        for (String job : new String[] {"a", "b", "c", "d"}) {
            quota.carve(job, alert.json());
            // one minute apart, in the order made (file times are what the sweep orders by)
            Files.setLastModifiedTime(quota.file(job), FileTime.from(t = t.plus(Duration.ofMinutes(1))));
        }
        try (Stream<Path> files = Files.list(carveDir.resolve("quota"))) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted()).containsExactly("c.pcap", "d.pcap");
        }
        assertThat(quota.removedForQuota()).isEqualTo(2);
        assertThat(quota.bytesRemovedForQuota()).isEqualTo(2 * size);

        // a carve larger than the whole quota is still made (and everything older goes)
        CarveJobs tiny = new CarveJobs(carveDir.resolve("quota"), store.extractor(), () -> true, Duration.ofHours(1),
                size / 2, Duration.ofSeconds(600), CarveJobs.CarveTimes.NONE);
        CarveJobs.Carve big = tiny.carve("big", alert.json());
        assertThat(big.size()).isEqualTo(size);
        try (Stream<Path> files = Files.list(carveDir.resolve("quota"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("big.pcap");
        }
        assertThat(tiny.removedForQuota()).isEqualTo(2);
    }

    /** Hostile input (issue 8, item 9): carves are private to the probe's user and group. */
    @Test
    void carvesAndTheirDirectoryAreReadableByTheProbesUserAndGroupOnly() throws Exception {
        jobs.carve("private", alert.json());
        assertThat(Files.getPosixFilePermissions(carveDir.resolve("carves"))).isSubsetOf(StoreFiles.DIRECTORY_MODE);
        assertThat(Files.getPosixFilePermissions(jobs.file("private"))).isSubsetOf(StoreFiles.FILE_MODE);
    }
}
