package io.flowtrap.manager.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.extraction.ExtractionJobs;
import io.flowtrap.manager.extraction.ExtractionProperties;
import io.flowtrap.manager.extraction.Job;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.util.unit.DataSize;

/**
 * The pcap chain's jobs as results, with the real job area (files under a temporary directory) and
 * the jobs' events delivered by a Spring context as in the manager: what the jobs do (a deletion,
 * a new upload under the same id, a pcap expired or evicted, retrieved again) is what the next list
 * and find say, however often they were asked before.
 */
class ExtractionResultsTest {
    private static final String A = "a".repeat(40);
    private static final String B = "b".repeat(40);
    /** Each pcap's size: two of them exceed the cache quota, so retrieving one evicts the other. */
    private static final int PCAP = 600;

    @TempDir
    Path dir;

    private AnnotationConfigApplicationContext context;
    private ExtractionJobs jobs;
    private ExtractionResults results;

    /** The job area under {@link #dir}; a sweep ({@link ExtractionJobs#expire}) expires every pcap retrieved so far. */
    private void start() {
        ExtractionProperties properties = new ExtractionProperties(dir, Duration.ofNanos(1), Duration.ofSeconds(20),
                Duration.ofSeconds(60), new ExtractionProperties.Jobs(Duration.ofDays(7), 8, 64, Duration.ofSeconds(5),
                        DataSize.ofGigabytes(2), DataSize.ofBytes(PCAP * 3 / 2)));
        context = new AnnotationConfigApplicationContext();
        context.registerBean(ObjectMapper.class, () -> new ObjectMapper());
        context.registerBean(SimpleMeterRegistry.class, () -> new SimpleMeterRegistry());
        context.registerBean(ExtractionProperties.class, () -> properties);
        context.registerBean(ExtractionJobs.class);
        context.registerBean(ExtractionResults.class);
        context.refresh();
        jobs = context.getBean(ExtractionJobs.class);
        results = context.getBean(ExtractionResults.class);
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void aDeletedJobIsNotFoundAndItsIdUploadedAgainIsTheNewAlert() throws Exception {
        start();
        retrieved(A, "first signature", (byte) 1);
        assertThat(results.all()).extracting(Result::name).containsExactly("first signature: 10.0.0.1:1234 → 192.0.2.7:80 TCP");
        assertThat(results.find(ExtractionResults.KIND, A).file()).isEqualTo(jobs.pcap(A));

        assertThat(jobs.delete(A, "ana")).isTrue();
        assertThatThrownBy(() -> results.find(ExtractionResults.KIND, A)).isInstanceOfSatisfying(DomainException.class,
                e -> assertThat(e.kind()).as(e.detail()).isEqualTo(DomainException.Kind.NOT_FOUND));
        assertThat(results.all()).isEmpty();

        jobs.create(A, "sensor-1", alert("second signature"), "bob");
        assertThatThrownBy(() -> results.find(ExtractionResults.KIND, A)).as("uploaded, not carved yet")
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.kind()).isEqualTo(DomainException.Kind.NOT_FOUND));
        carveAndRetrieve(A, (byte) 2);
        Result again = results.find(ExtractionResults.KIND, A);
        assertThat(again.name()).startsWith("second signature: ");
        assertThat(again.analyst()).isEqualTo("bob");
        assertThat(again.sha256()).isEqualTo(sha(2));
        assertThat(results.all()).extracting(Result::analyst).containsExactly("bob");
    }

    @Test
    void aPcapExpiredOrEvictedIsShownExpiredAndRetrievedAgainIsShownAvailable() throws Exception {
        start();
        retrieved(A, "one", (byte) 1);
        assertThat(results.find(ExtractionResults.KIND, A).expired()).isNull();

        retrieved(B, "two", (byte) 2); // over the quota with A's: A's pcap is evicted
        Result evicted = results.find(ExtractionResults.KIND, A);
        assertThat(evicted.expired()).as("A evicted for B").isNotNull();
        assertThat(evicted.file()).isNull();
        assertThat(evicted.gone()).contains("expired");
        assertThat(results.find(ExtractionResults.KIND, B).expired()).isNull();

        jobs.expire(); // the download retention is over for B's pcap too
        assertThat(results.all()).extracting(Result::id, r -> r.expired() != null).containsExactlyInAnyOrder(
                Tuple.tuple(A, true), Tuple.tuple(B, true));

        carveAndRetrieve(A, (byte) 3);
        Result back = results.find(ExtractionResults.KIND, A);
        assertThat(back.expired()).isNull();
        assertThat(back.gone()).isNull();
        assertThat(back.sha256()).isEqualTo(sha(3));
        assertThat(Files.size(back.file())).isEqualTo(PCAP);
    }

    /** Job {@code id} uploaded for an alert of {@code signature}, carved and retrieved (a pcap of {@code fill} bytes). */
    private void retrieved(String id, String signature, byte fill) throws Exception {
        jobs.create(id, "sensor-1", alert(signature), "ana");
        carveAndRetrieve(id, fill);
    }

    private void carveAndRetrieve(String id, byte fill) throws Exception {
        jobs.recordCarve(id, new Job.Carve("sensor-1", 3, PCAP - 24 - 3 * 16, PCAP, sha(fill), "t0", "t1", Instant.now()));
        Path temporary = jobs.temporaryPcap(id);
        byte[] bytes = new byte[PCAP];
        Arrays.fill(bytes, fill);
        Files.write(temporary, bytes);
        jobs.recordRetrieved(id, temporary, new Job.Retrieved(PCAP, sha(fill), Instant.now()));
    }

    private static String sha(int fill) {
        return String.format("%064x", fill);
    }

    private static String alert(String signature) {
        return "{\"timestamp\": \"2026-12-02T01:00:00.000000+0000\", \"flow_id\": 42, \"src_ip\": \"10.0.0.1\", \"src_port\": 1234,"
                + " \"dest_ip\": \"192.0.2.7\", \"dest_port\": 80, \"proto\": \"TCP\", \"alert\": {\"signature\": \"" + signature
                + "\", \"signature_id\": 9}}";
    }
}
