package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input (issue 8, item 4): rotation keeps the disk under {@code max-size} plus one segment,
 * counting what the kernel still holds for deleted files. The store lives alone on a real tmpfs
 * mounted for the test, so the file system's own used-bytes figure (statfs, which counts the pages
 * of a deleted file as long as a mapping holds them) is the judge, next to {@code du} of the
 * directory and {@code lsof +L1} of this JVM (open or mapped files whose last link is gone). Carves
 * between the rounds map segment after segment; before {@link Segments} released mappings at
 * rotation, each carved segment's blocks stayed held after its deletion until a garbage collection.
 */
@Tag("hostile-input")
class StoreDiskBoundIT {
    private static final long KB = 1024;
    private static final long MAX = 2048 * KB;
    private static final long SEGMENT = 256 * KB;

    @TempDir
    Path work;

    private SmallFileSystem small;
    private Path fs;

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return out + "\nexit " + p.exitValue();
    }

    @BeforeEach
    void mountFileSystemOfItsOwn() throws Exception {
        small = SmallFileSystem.mount(work.resolve("fs"), "16m");
        fs = small.path();
    }

    @AfterEach
    void unmount() throws Exception {
        // lazy: the verifier's pcap reader (io.flowtrap.pcap) leaves its read windows to the collector;
        // the store itself holds nothing once closed, which the test checks before the verifier runs
        small.close();
    }

    /** Every file under {@code dir} this JVM has open or mapped (lsof -p). */
    private static List<String> held(Path dir) throws Exception {
        String out = run("lsof", "-n", "-p", Long.toString(ProcessHandle.current().pid()));
        return out.lines().filter(line -> line.contains(dir.toString())).toList();
    }

    /** Files this JVM holds open or mapped whose last link is gone, under {@code dir} (lsof +L1). */
    private static List<String> heldButDeleted(Path dir) throws Exception {
        // -a: files that are both this process's and unlinked (lsof ORs its selections otherwise)
        String out = run("lsof", "-n", "-a", "+L1", "-p", Long.toString(ProcessHandle.current().pid()));
        List<String> held = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.contains(dir.toString())) {
                held.add(line);
            }
        }
        return held;
    }

    private static long usedOnFileSystem(Path dir) throws Exception {
        FileStore store = Files.getFileStore(dir);
        return store.getTotalSpace() - store.getUnallocatedSpace();
    }

    private static long du(Path dir) throws Exception {
        String out = run("du", "-s", "--block-size=1", dir.toString());
        return Long.parseLong(out.substring(0, out.indexOf('\t')));
    }

    @Test
    @Timeout(300)
    void aStoreFilledFourTimesOverWithCarvesBetweenNeverHoldsMoreThanItsLimitPlusOneSegment() throws Exception {
        Path dir = fs.resolve("store");
        StoreConfig config = new StoreConfig(MAX, SEGMENT, Duration.ofHours(1), 65535);
        List<StoreFixture.Stored> written = new ArrayList<>();
        long ts = StoreFixture.T0;
        long worstUsed = 0;
        long worstDu = 0;
        int carved = 0;
        try (PcapStore s = PcapStore.open(dir, config)) {
            for (int round = 0; round < 110; round++) {
                // ~76 KB of 4 flows per round: 8.3 MB in all, four times the limit
                written.addAll(StoreFixture.append(s, round * 4, 4, 100, round, ts));
                ts = written.get(written.size() - 1).ts() + 1;
                assertThat(s.awaitReadable(s.requestReadable(), TimeUnit.SECONDS.toNanos(10))).isTrue();
                for (int back : new int[] {0, 3, 9}) { // this round's flow (active segment) and older ones (sealed)
                    int flow = Math.max(0, round - back) * 4;
                    List<StoreFixture.Stored> got = StoreFixture.carve(s, flow, work);
                    if (back == 0) {
                        assertThat(StoreFixture.same(got, StoreFixture.expected(written, flow))).as("round %d", round)
                                .isTrue();
                    }
                    carved += got.isEmpty() ? 0 : 1;
                }
                long used = usedOnFileSystem(dir);
                long onDisk = du(dir);
                worstUsed = Math.max(worstUsed, used);
                worstDu = Math.max(worstDu, onDisk);
                assertThat(used).as("round %d: bytes used on the store's file system (deleted but mapped included)", round)
                        .isLessThanOrEqualTo(MAX + SEGMENT);
                assertThat(onDisk).as("round %d: du of the store", round).isLessThanOrEqualTo(MAX + SEGMENT);
                if (round % 10 == 9) {
                    assertThat(heldButDeleted(dir)).as("round %d: deleted segments still held", round).isEmpty();
                }
            }
            assertThat(s.status().rotatedSegments()).as("rotation ran").isGreaterThan(20);
            assertThat(s.mappingsReleased()).as("mappings released explicitly").isPositive();
            assertThat(carved).isGreaterThan(200);
            assertThat(heldButDeleted(dir)).isEmpty();
        }
        assertThat(held(dir)).as("after close, nothing of the store is open or mapped").isEmpty();
        System.out.printf("StoreDiskBoundIT: limit %d + segment %d; worst used on the file system %d, worst du %d%n",
                MAX, SEGMENT, worstUsed, worstDu);
        assertThat(new StoreVerifier().verify(dir).clean()).isTrue();
    }
}
