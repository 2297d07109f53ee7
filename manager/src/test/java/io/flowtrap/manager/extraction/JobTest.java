package io.flowtrap.manager.extraction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.manager.errors.DomainException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    private static final Job.Carve CARVE = new Job.Carve("sensor-1", 10, 1000, 1264, "ab".repeat(32), "t0", "t1", T);
    private static final Job.Retrieved RETRIEVED = new Job.Retrieved(1264, "ab".repeat(32), T.plusSeconds(1));

    @Test
    void theChainsStepsInOrderGoThroughEveryStatus() {
        Job job = Job.uploaded("j1", "sensor-1", "ana", T);
        assertThat(job.status()).isEqualTo("pending");
        job = job.withCarve(CARVE);
        assertThat(job.status()).isEqualTo("pending");
        job = job.withRetrieved(RETRIEVED);
        assertThat(job.status()).isEqualTo("available");
        job = job.expiredAt(T.plusSeconds(60));
        assertThat(job.status()).isEqualTo("expired");
        assertThat(job.withRetrieved(RETRIEVED).status()).as("an expired pcap is retrieved again").isEqualTo("available");
        assertThat(job.withCarve(CARVE).status()).as("a new carve starts over").isEqualTo("pending");
        assertThat(List.of(job, job.withRetrieved(RETRIEVED), job.withCarve(CARVE), job.withFailure(new Job.Failure(null, "e", "d", T))))
                .as("who uploaded the alert, kept by every step").extracting(Job::askedBy).containsOnly("ana");
    }

    @Test
    void aFailedCarveDropsWhatWasCarvedAndANewCarveReplacesTheFailure() {
        Job failed = Job.uploaded("j1", "sensor-1", "ana", T).withCarve(CARVE).withRetrieved(RETRIEVED)
                .withFailure(new Job.Failure(DomainException.Kind.GONE, "flow rotated out of the store", "gone", T));
        assertThat(failed.status()).isEqualTo("failed");
        assertThat(failed.carve()).isNull();
        assertThat(failed.retrieved()).isNull();
        assertThat(failed.withCarve(CARVE).failure()).isNull();
    }

    @Test
    void nothingIsRetrievedBeforeACarveNorAfterAFailure() {
        Job uploaded = Job.uploaded("j1", "sensor-1", "ana", T);
        assertThatThrownBy(() -> uploaded.withRetrieved(RETRIEVED)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("j1").hasMessageContaining("nothing carved");
        Job failed = uploaded.withFailure(new Job.Failure(DomainException.Kind.PROBE_FAILED, "probe unreachable", "x", T));
        assertThatThrownBy(() -> failed.withRetrieved(RETRIEVED)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void onlyTheCarveItselfIsRetrieved() {
        Job carved = Job.uploaded("j1", "sensor-1", "ana", T).withCarve(CARVE);
        assertThatThrownBy(() -> carved.withRetrieved(new Job.Retrieved(1263, RETRIEVED.sha256(), T)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not the carve");
        assertThatThrownBy(() -> carved.withRetrieved(new Job.Retrieved(1264, "cd".repeat(32), T)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not the carve");
    }

    @Test
    void onlyARetrievedPcapExpiresAndOnlyOnce() {
        Job carved = Job.uploaded("j1", "sensor-1", "ana", T).withCarve(CARVE);
        assertThatThrownBy(() -> carved.expiredAt(T)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nothing retrieved");
        Job expired = carved.withRetrieved(RETRIEVED).expiredAt(T);
        assertThatThrownBy(() -> expired.expiredAt(T.plusSeconds(1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expired already");
    }

    @Test
    void aFailureReadFromAnOlderJobFileWithoutAKindIsTheProbes() {
        assertThat(new Job.Failure(null, "probe error", "x", T).kind()).isEqualTo(DomainException.Kind.PROBE_FAILED);
    }
}
