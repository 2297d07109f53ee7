package io.flowtrap.manager.extraction;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * The download cache's quota over the real job area (files under a temporary directory): which
 * pcaps it counts comes from the jobs' states as they are written and, after a restart, as read
 * back; making room reads only the files of the job it evicts.
 */
class ExtractionJobsCacheQuotaTest {
    private static final String A = "a".repeat(40);
    private static final String B = "b".repeat(40);
    private static final String C = "c".repeat(40);
    /** Each pcap's size: two fit the quota, three do not. */
    private static final int PCAP = 600;
    /** Retrievals are dated {@code T0} plus their fill byte in seconds: the order eviction goes by. */
    private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");

    @TempDir
    Path dir;

    private final List<Object> events = new ArrayList<>();

    private ExtractionJobs open() throws Exception {
        ExtractionProperties properties = new ExtractionProperties(dir, Duration.ofDays(1), Duration.ofSeconds(20),
                Duration.ofSeconds(60), new ExtractionProperties.Jobs(Duration.ofDays(7), 8, 64, Duration.ofSeconds(5),
                        DataSize.ofGigabytes(2), DataSize.ofBytes(PCAP * 5 / 2)));
        return new ExtractionJobs(properties, new ObjectMapper(), new SimpleMeterRegistry(), events::add);
    }

    @Test
    void theOldestPcapIsEvictedWhenANewOneOverTheQuotaIsRetrieved() throws Exception {
        ExtractionJobs jobs = open();
        retrieved(jobs, A, 1);
        retrieved(jobs, B, 2);
        assertThat(jobs.evictedPcaps()).isZero();

        retrieved(jobs, C, 3);

        assertThat(jobs.require(A).status()).isEqualTo("expired");
        assertThat(Files.exists(jobs.pcap(A))).isFalse();
        assertThat(jobs.require(B).status()).isEqualTo("available");
        assertThat(jobs.require(C).status()).isEqualTo("available");
        assertThat(jobs.evictedPcaps()).isEqualTo(1);
        assertThat(events).contains(new ExtractionJobs.JobChanged(A));
    }

    @Test
    void hostileInputAnotherJobsUnreadableStateDoesNotStopARetrievalWhichReadsOnlyTheJobItEvicts() throws Exception {
        ExtractionJobs jobs = open();
        retrieved(jobs, A, 1);
        retrieved(jobs, B, 2);
        Files.writeString(dir.resolve("jobs").resolve(B).resolve("job.json"), "{not json"); // B is kept, never read

        retrieved(jobs, C, 3);

        assertThat(jobs.require(A).status()).as("the oldest, evicted").isEqualTo("expired");
        assertThat(jobs.require(C).status()).isEqualTo("available");
        assertThat(Files.size(jobs.pcap(B))).as("B's pcap is still in the cache").isEqualTo(PCAP);
    }

    @Test
    void pcapsRetrievedBeforeARestartCountAgainstTheQuotaAfterIt() throws Exception {
        ExtractionJobs before = open();
        retrieved(before, A, 1);
        retrieved(before, B, 2);

        ExtractionJobs after = open();
        retrieved(after, C, 3);

        assertThat(after.require(A).status()).isEqualTo("expired");
        assertThat(after.require(B).status()).isEqualTo("available");
        assertThat(after.evictedPcaps()).isEqualTo(1);
    }

    @Test
    void aPcapThatIsGoneNoLongerCountsWhetherItsJobWasDeletedOrCarvedAgain() throws Exception {
        ExtractionJobs jobs = open();
        retrieved(jobs, A, 1);
        retrieved(jobs, B, 2);
        assertThat(jobs.delete(A, "ana")).isTrue();
        retrieved(jobs, C, 3);
        assertThat(jobs.evictedPcaps()).as("B and C fit once A is deleted").isZero();

        carve(jobs, B, 4); // carved again: its old pcap is gone, the new one not retrieved yet
        retrieved(jobs, A, 5);
        assertThat(jobs.evictedPcaps()).as("C and A fit while B is being carved again").isZero();

        retrieve(jobs, B, 4);
        assertThat(jobs.evictedPcaps()).isEqualTo(1);
        assertThat(jobs.require(C).status()).as("C, retrieved before A and B, evicted").isEqualTo("expired");
        assertThat(jobs.require(A).status()).isEqualTo("available");
        assertThat(jobs.require(B).status()).isEqualTo("available");
    }

    /** Job {@code id} uploaded, carved and retrieved: a pcap of {@code PCAP} bytes of {@code fill}. */
    private static void retrieved(ExtractionJobs jobs, String id, int fill) throws Exception {
        jobs.create(id, "sensor-1", "{\"alert\": {\"signature_id\": 9}}", "ana");
        carve(jobs, id, fill);
        retrieve(jobs, id, fill);
    }

    private static void carve(ExtractionJobs jobs, String id, int fill) throws Exception {
        jobs.recordCarve(id, new Job.Carve("sensor-1", 3, PCAP - 24 - 3 * 16, PCAP, sha(fill), "t0", "t1", Instant.now()));
    }

    private static void retrieve(ExtractionJobs jobs, String id, int fill) throws Exception {
        Path temporary = jobs.temporaryPcap(id);
        byte[] bytes = new byte[PCAP];
        Arrays.fill(bytes, (byte) fill);
        Files.write(temporary, bytes);
        jobs.recordRetrieved(id, temporary, new Job.Retrieved(PCAP, sha(fill), T0.plusSeconds(fill)));
    }

    private static String sha(int fill) {
        return String.format("%064x", fill);
    }
}
