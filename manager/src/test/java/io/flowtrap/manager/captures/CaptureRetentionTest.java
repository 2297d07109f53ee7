package io.flowtrap.manager.captures;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.CaptureSummary;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.probes.ProbeRegistry;
import io.flowtrap.manager.probes.ProbesProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Retention by age and by total size, on captures a previous run left on disk (real files, the
 * service as the manager starts it; the count limit and a user's delete: CapturesIT).
 */
class CaptureRetentionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    /** A finished capture that ended {@code ago} before now, with a pcap of {@code bytes} bytes. */
    private void finished(String id, Duration ago, int bytes) throws Exception {
        Instant ended = Instant.now().minus(ago);
        CaptureStore store = new CaptureStore(data.resolve("captures"), JSON);
        Capture c = new Capture(id, "c-" + id, "", "grant", "udp", List.of("sensor-1"), 60, 0, List.of(), Capture.State.DONE,
                ended.minusSeconds(60).toString(), ended.minusSeconds(60).toString(), ended.toString(), "stopped", 0L, 1L,
                id + ".pcap", null, null, List.of(new CaptureAnswer.ProbeResult("sensor-1", 1, bytes - 40, null, null, null, null)),
                CaptureSummary.of(id + ".pcap", bytes, 1, bytes - 40, 0, 0, "0".repeat(64)), null, null);
        store.save(c);
        Files.write(store.result(id), new byte[bytes]);
    }

    private Captures start(Duration maxAge, long maxTotalBytes) throws Exception {
        CapturesProperties properties = new CapturesProperties(data, new CapturesProperties.Captures(Duration.ofSeconds(300), 100,
                Duration.ofDays(7), Duration.ofMillis(50), Duration.ofSeconds(10), 100, maxAge, DataSize.ofBytes(maxTotalBytes)));
        // no probe, and no Elasticsearch: the registry reads its store only when Spring's schedule loads it
        Captures captures = new Captures(properties, new ProbeRegistry(new ProbesProperties(List.of(), Duration.ofSeconds(5),
                Duration.ofSeconds(2)), new SimpleMeterRegistry(), null, null), JSON, event -> {
                    if (event instanceof Audited a) {
                        told.add(a);
                    } else {
                        deletions.add((CaptureDeleted) event);
                    }
                });
        captures.resume(); // what the application's start does once it is up
        return captures;
    }

    /** What the captures told the audit trail of, in order. */
    private final List<Audited> told = new CopyOnWriteArrayList<>();
    /** The deletions the captures told the rest of the manager of (for the results' labels and share links). */
    private final List<CaptureDeleted> deletions = new CopyOnWriteArrayList<>();

    private Audited awaitTold(String action, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            for (Audited a : told) {
                if (a.action().equals(action) && id.equals(a.details().get("id"))) {
                    return a;
                }
            }
            assertThat(System.nanoTime()).as("%s of %s told the audit trail", action, id).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static CaptureAnswer awaitState(Captures captures, String id, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        CaptureAnswer c = captures.get(id);
        while (!c.state().equals(state)) {
            assertThat(System.nanoTime()).as("capture %s %s, not %s", id, c.state(), state).isLessThan(deadline);
            Thread.sleep(20);
            c = captures.get(id);
        }
        return c;
    }

    @Test
    void capturesOlderThanMaxAgeLoseTheirPcapsAndSaySo() throws Exception {
        finished("aaaaaaaaaaa1", Duration.ofHours(3), 1000);
        finished("aaaaaaaaaaa2", Duration.ofMinutes(10), 1000);
        try (Captures captures = start(Duration.ofHours(1), 1L << 30)) {
            CaptureAnswer old = awaitState(captures, "aaaaaaaaaaa1", "deleted");
            assertThat(old.deleted().reason()).contains("flowtrap.captures.max-age (PT1H)");
            assertThat(Files.exists(data.resolve("captures/aaaaaaaaaaa1/capture.pcap"))).isFalse();
            CaptureAnswer young = captures.get("aaaaaaaaaaa2");
            assertThat(young.state()).isEqualTo("done");
            assertThat(Instant.parse(young.expires())).isAfter(Instant.now());
            assertThat(captures.list(null, null).retention().totalBytes()).isEqualTo(1000);
            Audited deletion = awaitTold("capture.delete", "aaaaaaaaaaa1");
            assertThat(deletion.user()).isEqualTo("system");
            assertThat((String) deletion.details().get("reason")).contains("flowtrap.captures.max-age (PT1H)");
            assertThat(told).noneMatch(a -> "aaaaaaaaaaa2".equals(a.details().get("id")));
            // told on the same thread right after the audit entry
            for (long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos(); deletions.isEmpty(); Thread.sleep(20)) {
                assertThat(System.nanoTime()).as("the deletion told").isLessThan(deadline);
            }
            assertThat(deletions).singleElement().satisfies(d -> {
                assertThat(d.id()).isEqualTo("aaaaaaaaaaa1");
                assertThat(d.by()).isEqualTo("system");
                assertThat(d.reason()).contains("flowtrap.captures.max-age (PT1H)");
            });
        }
    }

    @Test
    void theOldestGoWhileAllPcapsTogetherExceedMaxTotalSize() throws Exception {
        finished("bbbbbbbbbbb1", Duration.ofMinutes(30), 4000);
        finished("bbbbbbbbbbb2", Duration.ofMinutes(20), 4000);
        finished("bbbbbbbbbbb3", Duration.ofMinutes(10), 4000);
        try (Captures captures = start(Duration.ofDays(1), 9000)) {
            assertThat(awaitState(captures, "bbbbbbbbbbb1", "deleted").deleted().reason())
                    .contains("flowtrap.captures.max-total-size (9000 bytes)");
            assertThat(captures.get("bbbbbbbbbbb2").state()).isEqualTo("done");
            assertThat(captures.get("bbbbbbbbbbb3").state()).isEqualTo("done");
            assertThat(captures.list(null, null).retention().totalBytes()).isEqualTo(8000);
            assertThat((String) awaitTold("capture.delete", "bbbbbbbbbbb1").details().get("reason")).contains("max-total-size");
        }
    }
}
