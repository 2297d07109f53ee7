package io.flowtrap.probe.spool;

import io.flowtrap.store.SmallFileSystem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input (issue 8, item 4): the spool on a real 8 MB tmpfs (mounted here, as root), filled to
 * the last byte by a file of the test's. Events that do not fit are refused at once and counted, never
 * written half (the queue's files are memory-mapped: a write into a page with no space behind it would
 * fault); once the filler is gone the spool takes events again by itself, and the shipper delivers
 * every event the spool took, in order.
 */
@Tag("hostile-input")
class SpoolFullDiskIT {
    private static final String TOKEN = "k";

    @TempDir
    Path work;

    private SmallFileSystem small;
    private Path fs;


    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        small = SmallFileSystem.mount(work.resolve("fs"), "8m");
        fs = small.path();
    }

    @AfterEach
    void unmount() throws Exception {
        small.close(); // lazy: the queue's mappings go when they are collected
    }

    private static String alert(int n) {
        return "{\"timestamp\":\"2026-11-22T10:00:00.000000+0000\",\"event_type\":\"alert\",\"n\":" + n
                + ",\"alert\":{\"signature\":\"" + "x".repeat(500) + "\"}}";
    }

    /** Writes into {@code filler} until the file system says it is full; the bytes written. */
    private static long fillUp(Path filler) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).containsIgnoringCase("space");
        }
        return written;
    }

    @Test
    @Timeout(120)
    void hostileInputAFullSpoolDiskRefusesAndCountsWhatDoesNotFitAndSpoolsAgainByItselfWhenSpaceReturns() throws Exception {
        Path dir = Files.createDirectories(fs.resolve("spool"));
        try (ManagerStandIn manager = ManagerStandIn.http(ManagerStandIn.always(200));
             EventSpool spool = new EventSpool(dir, RollCycles.FAST_DAILY, 1 << 20)) {
            SpoolConfig config = new SpoolConfig(URI.create(manager.url().toString()), TOKEN, null, 50, "probe-full",
                    Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(5));
            try (SpoolShipper shipper = new SpoolShipper(spool, config).start()) {
                for (int i = 0; i < 100; i++) {
                    assertThat(spool.append(EventSpool.ALERT, alert(i))).isTrue();
                }
                SpoolShipperTest.await("the first 100 delivered", Duration.ofSeconds(20), () -> shipper.shipped() == 100);

                Path filler = fs.resolve("filler");
                long filled = fillUp(filler);
                assertThat(Files.getFileStore(dir).getUsableSpace()).as("after %d bytes of filler", filled).isLessThan(1 << 20);
                for (int i = 100; i < 150; i++) {
                    assertThat(spool.append(EventSpool.ALERT, alert(i))).as("event %d on a full disk", i).isFalse();
                }
                assertThat(spool.lost()).isEqualTo(50);
                assertThat(spool.appended()).isEqualTo(100);

                Files.delete(filler); // space returns: nothing to restart, nothing to tell the spool
                for (int i = 150; i < 250; i++) {
                    assertThat(spool.append(EventSpool.ALERT, alert(i))).as("event %d with room again", i).isTrue();
                }
                SpoolShipperTest.await("everything the spool took delivered", Duration.ofSeconds(20),
                        () -> shipper.shipped() == 200);
                List<Integer> expected = new ArrayList<>(IntStream.range(0, 100).boxed().toList());
                expected.addAll(IntStream.range(150, 250).boxed().toList());
                assertThat(manager.acceptedEvents().stream().map(e -> e.get("n").asInt()).toList()).isEqualTo(expected);
                assertThat(spool.lost()).as("only what did not fit is lost, and counted").isEqualTo(50);
                assertThat(shipper.failures()).isZero();
                assertThat(shipper.deadLettered()).isZero();
            }
        }
    }
}
