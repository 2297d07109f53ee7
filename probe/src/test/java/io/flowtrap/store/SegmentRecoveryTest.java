package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damage injected into a store's files; recovery must cut exactly the damage and rebuild what is derived. */
class SegmentRecoveryTest {
    private static final StoreConfig CONFIG = new StoreConfig(1L << 30, 64 * 1024, Duration.ofHours(1), 65535);

    @TempDir
    Path dir;

    /** Writes a sealed store of a few segments and returns it. */
    private Path sealedStore(String name, long seed) throws IOException {
        Path store = dir.resolve(name);
        try (PcapStore s = PcapStore.open(store, CONFIG)) {
            StoreFixture.append(s, 20, 600, seed, StoreFixture.T0);
        }
        return store;
    }

    private static List<Long> recordEnds(Path pcap) throws IOException {
        List<Long> ends = new ArrayList<>();
        try (PcapFileReader reader = PcapFileReader.open(pcap)) {
            PacketRecord p = new PacketRecord();
            while (reader.next(p)) {
                ends.add(reader.validLength());
            }
        }
        return ends;
    }

    private static Path firstSegment(Path store, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(store)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().findFirst().orElseThrow();
        }
    }

    @Test
    void aTornActiveSegmentIsCutToItsLastWholeRecordAtEveryPosition() throws IOException {
        Path template = sealedStore("template", 1);
        Path pcap = firstSegment(template, ".pcap");
        byte[] whole = Files.readAllBytes(pcap);
        List<Long> ends = recordEnds(pcap);
        Random random = new Random(5);
        for (int round = 0; round < 25; round++) {
            int cut = 24 + random.nextInt(whole.length - 24);
            Path store = Files.createDirectories(dir.resolve("torn-" + round));
            long sequence = 7;
            Files.write(store.resolve(Segment.activeName(sequence)), java.util.Arrays.copyOf(whole, cut));
            long expectedLength = 24;
            int expectedPackets = 0;
            for (long end : ends) {
                if (end <= cut) {
                    expectedLength = end;
                    expectedPackets++;
                }
            }
            try (PcapStore s = PcapStore.open(store, CONFIG)) {
                if (expectedPackets == 0) {
                    assertThat(s.status().segments()).as("cut at %d", cut).isEmpty();
                    assertThat(store.resolve(Segment.activeName(sequence))).doesNotExist();
                    continue;
                }
                Segment seg = s.status().segments().get(0);
                assertThat(seg.pcapBytes()).as("cut at %d", cut).isEqualTo(expectedLength);
                assertThat(seg.packets()).isEqualTo(expectedPackets);
                assertThat(s.recoveryReport().bytesCut()).isEqualTo(cut - expectedLength);
            }
            assertThat(new StoreVerifier().verify(store).clean()).isTrue();
        }
    }

    @Test
    void theZerosOfAPaddedDirectWriteACrashLeftAreCutLikeATornTail() throws IOException {
        Path template = sealedStore("padded-template", 3);
        Path pcap = firstSegment(template, ".pcap");
        byte[] whole = Files.readAllBytes(pcap);
        List<Long> ends = recordEnds(pcap);
        // a crash between SegmentWriter's padded write of its last part block and the cut back to the true length
        int padded = (whole.length + 4095) & -4096;
        padded = padded - whole.length < 64 ? padded + 4096 : padded; // zeros enough for whole records of them
        Path store = Files.createDirectories(dir.resolve("padded"));
        Files.write(store.resolve(Segment.activeName(3)), java.util.Arrays.copyOf(whole, padded));
        try (PcapStore s = PcapStore.open(store, CONFIG)) {
            Segment seg = s.status().segments().get(0);
            assertThat(seg.pcapBytes()).isEqualTo(whole.length);
            assertThat(seg.packets()).isEqualTo(ends.size());
            assertThat(s.recoveryReport().bytesCut()).isEqualTo(padded - whole.length);
            assertThat(Files.readAllBytes(seg.pcap())).isEqualTo(whole);
        }
        assertThat(new StoreVerifier().verify(store).clean()).isTrue();
    }

    @Test
    void garbageAfterASealedSegmentIsCutAndItsIndexRebuiltIdentical() throws IOException {
        Path store = sealedStore("store", 2);
        Path pcap = firstSegment(store, ".pcap");
        Path index = firstSegment(store, ".idx");
        byte[] pcapBefore = Files.readAllBytes(pcap);
        byte[] indexBefore = Files.readAllBytes(index);
        Random random = new Random(6);
        byte[] garbage = new byte[1 + random.nextInt(3000)];
        random.nextBytes(garbage);
        Files.write(pcap, garbage, java.nio.file.StandardOpenOption.APPEND);
        assertThat(new StoreVerifier().verify(store).clean()).isFalse();
        try (PcapStore s = PcapStore.open(store, CONFIG)) {
            assertThat(s.recoveryReport().indexesRebuilt()).isEqualTo(1);
        }
        assertThat(Files.readAllBytes(pcap)).isEqualTo(pcapBefore);
        assertThat(Files.readAllBytes(index)).isEqualTo(indexBefore);
    }

    @Test
    void aFlippedIndexByteIsDetectedAndTheIndexRebuiltIdentical() throws IOException {
        Path store = sealedStore("store", 3);
        Path index = firstSegment(store, ".idx");
        byte[] before = Files.readAllBytes(index);
        Random random = new Random(8);
        for (int round = 0; round < 10; round++) {
            int at = random.nextInt(before.length);
            try (RandomAccessFile f = new RandomAccessFile(index.toFile(), "rw")) {
                f.seek(at);
                f.write(before[at] ^ (1 + random.nextInt(255)));
            }
            assertThat(new StoreVerifier().verify(store).clean()).as("flip at %d", at).isFalse();
            try (PcapStore s = PcapStore.open(store, CONFIG)) {
                assertThat(s.recoveryReport().indexesRebuilt()).isEqualTo(1);
            }
            assertThat(Files.readAllBytes(index)).isEqualTo(before);
        }
    }

    @Test
    void leftoversAndOrphansAreRemovedAndAMissingIndexIsRebuilt() throws IOException {
        Path store = sealedStore("store", 4);
        Path index = firstSegment(store, ".idx");
        byte[] before = Files.readAllBytes(index);
        Files.delete(index);
        Files.writeString(store.resolve("segment-0000000000000099.idx"), "orphan");
        Files.writeString(store.resolve("MANIFEST.tmp"), "half-written");
        try (PcapStore s = PcapStore.open(store, CONFIG)) {
            assertThat(s.recoveryReport().filesRemoved()).isEqualTo(2);
            assertThat(s.recoveryReport().indexesRebuilt()).isEqualTo(1);
        }
        assertThat(Files.readAllBytes(index)).isEqualTo(before);
        assertThat(store.resolve("segment-0000000000000099.idx")).doesNotExist();
        assertThat(store.resolve("MANIFEST.tmp")).doesNotExist();
        assertThat(new StoreVerifier().verify(store).clean()).isTrue();
    }
}
