package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.packet.CommunityId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapStoreTest {
    private static final long KB = 1024;

    @TempDir
    Path dir;

    private static StoreConfig config(long maxBytes, long segmentBytes) {
        return new StoreConfig(maxBytes, segmentBytes, Duration.ofHours(1), 65535);
    }

    @Test
    void everyFlowCarvesExactlyAsWrittenAcrossSegmentsAndReopens() throws IOException {
        List<StoreFixture.Stored> written;
        Path store = dir.resolve("store");
        try (PcapStore s = PcapStore.open(store, config(1L << 30, 64 * KB))) {
            written = StoreFixture.append(s, 40, 3000, 1, StoreFixture.T0);
        }
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            assertThat(s.status().segments().size()).isGreaterThan(10);
            assertThat(s.status().packets()).isEqualTo(3000);
            for (int flow = 0; flow < 40; flow++) {
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, dir), StoreFixture.expected(written, flow)))
                        .as("flow %d", flow).isTrue();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ExtractionResult none = s.extractor().extract(StoreFixture.query(999, 0), out);
            assertThat(none.outcome()).isEqualTo(ExtractionResult.Outcome.NEVER_STORED);
            assertThat(out.size()).isZero();
        }
        assertThat(new StoreVerifier().verify(store).clean()).isTrue();
    }

    @Test
    void reopeningAppendsAfterWhatIsThere() throws IOException {
        Path store = dir.resolve("store");
        List<StoreFixture.Stored> first;
        List<StoreFixture.Stored> second;
        try (PcapStore s = PcapStore.open(store, config(1L << 30, 64 * KB))) {
            first = StoreFixture.append(s, 5, 200, 2, StoreFixture.T0);
        }
        try (PcapStore s = PcapStore.open(store, config(1L << 30, 64 * KB))) {
            assertThat(s.recoveryReport().clean()).isTrue();
            second = StoreFixture.append(s, 5, 200, 3, StoreFixture.T0 + 1_000_000_000_000L);
        }
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            var all = new java.util.ArrayList<>(first);
            all.addAll(second);
            for (int flow = 0; flow < 5; flow++) {
                assertThat(StoreFixture.same(StoreFixture.carve(s, flow, dir), StoreFixture.expected(all, flow))).isTrue();
            }
        }
    }

    @Test
    void rotationKeepsTheDirectoryUnderTheLimitAndExpiredFlowsSaySo() throws IOException {
        Path store = dir.resolve("store");
        long max = 512 * KB;
        long segment = 64 * KB;
        try (PcapStore s = PcapStore.open(store, config(max, segment))) {
            // Flows 0..9 first, then only flows 10..19 for long enough to push them out.
            StoreFixture.append(s, 10, 300, 4, StoreFixture.T0);
            long later = StoreFixture.T0 + 10_000_000_000L;
            for (int round = 0; round < 40; round++) {
                List<StoreFixture.Stored> w = StoreFixture.append(s, 10, 10, 50, 100 + round, later + round * 100_000_000L);
                assertThat(StoreFixture.directoryBytes(store)).isLessThanOrEqualTo(max + segment);
                assertThat(w).isNotEmpty();
            }
            assertThat(s.status().rotatedSegments()).isPositive();
            assertThat(s.status().totalBytes()).isLessThanOrEqualTo(max);
        }
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(s.extractor().extract(StoreFixture.query(3, StoreFixture.T0 + 1000), out).outcome())
                    .isEqualTo(ExtractionResult.Outcome.ROTATED_OUT);
            assertThat(s.extractor().extract(StoreFixture.query(3, 0), out).outcome())
                    .isEqualTo(ExtractionResult.Outcome.NOT_FOUND);
            assertThat(s.extractor().extract(StoreFixture.query(999, Long.MAX_VALUE - 1), out).outcome())
                    .isEqualTo(ExtractionResult.Outcome.NEVER_STORED);
            assertThat(out.size()).isZero();
        }
    }

    @Test
    void aCommunityIdCollisionNeverLeaksAForeignPacket() throws IOException {
        // Two flows whose Community IDs share the 8-byte hash but differ after it: a query by one
        // full digest must return only its own flow's packets.
        Path store = dir.resolve("store");
        byte[][] a = StoreFixture.identity(1);
        byte[][] b = StoreFixture.identity(2);
        byte[] collidingCid = a[0].clone();
        collidingCid[19] ^= 0x55;
        io.flowtrap.packet.PacketRecord p = new io.flowtrap.packet.PacketRecord();
        java.util.Random random = new java.util.Random(9);
        try (PcapStore s = PcapStore.open(store, config(1L << 30, 64 * KB))) {
            for (int i = 0; i < 100; i++) {
                int flow = 1 + (i & 1);
                byte[] frame = StoreFixture.frame(flow, true, 100, random);
                p.set(java.nio.ByteBuffer.wrap(frame), 0, frame.length, frame.length, StoreFixture.T0 + i, 1);
                s.append(p, flow == 1 ? a[0] : collidingCid, 0, flow == 1 ? a[1] : b[1], 0);
            }
        }
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            long hash = CommunityId.hash64(a[0], 0);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ExtractionResult byDigest = s.extractor().extract(new FlowQuery(hash, null, a[0], 0, Long.MAX_VALUE, 0), out);
            assertThat(byDigest.packets()).isEqualTo(50);
            ExtractionResult byKey = s.extractor().extract(new FlowQuery(hash, b[1], null, 0, Long.MAX_VALUE, 0), out);
            assertThat(byKey.packets()).isEqualTo(50);
            // Hash alone (neither key nor digest) gets both flows: each packet still verified against its own entry.
            ExtractionResult byHash = s.extractor().extract(new FlowQuery(hash, null, null, 0, Long.MAX_VALUE, 0), out);
            assertThat(byHash.packets()).isEqualTo(100);
            assertThat(byHash.skippedPackets()).isZero();
        }
    }

    /** Hostile input (issue 8, item 9): captured packets are private to the probe's user and group. */
    @Test
    @Tag("hostile-input")
    void everyFileTheStoreMakesIsReadableByItsUserAndGroupOnly() throws Exception {
        Path store = dir.resolve("store");
        java.nio.file.Files.createDirectories(store);
        java.nio.file.Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (PcapStore s = PcapStore.open(store, config(1L << 30, 64 * KB))) {
            StoreFixture.append(s, 5, 300, 12, StoreFixture.T0); // several sealed segments on the way
            assertThat(s.awaitReadable(s.requestReadable(), 10_000_000_000L)).isTrue();
            assertModes(store); // the active segment, the lock and the manifest too
        }
        // a crash's leftovers: an index lost, the index of another damaged; recovery writes new ones
        List<Path> indexes;
        try (var files = java.nio.file.Files.list(store)) {
            indexes = files.filter(f -> f.getFileName().toString().endsWith(".idx")).sorted().toList();
        }
        assertThat(indexes.size()).isGreaterThan(2);
        java.nio.file.Files.delete(indexes.get(0));
        java.nio.file.Files.write(indexes.get(1), new byte[100]);
        try (PcapStore s = PcapStore.open(store, config(1L << 30, 64 * KB))) {
            assertThat(s.recoveryReport().indexesRebuilt()).isEqualTo(2);
        }
        assertModes(store);
    }

    private static void assertModes(Path store) throws IOException {
        assertThat(java.nio.file.Files.getPosixFilePermissions(store)).as("the store's directory")
                .isSubsetOf(StoreFiles.DIRECTORY_MODE);
        try (var files = java.nio.file.Files.list(store)) {
            for (Path f : files.toList()) {
                assertThat(java.nio.file.Files.getPosixFilePermissions(f)).as(f.getFileName().toString())
                        .isSubsetOf(StoreFiles.FILE_MODE);
            }
        }
    }

    @Test
    void badConfigurationAndASecondWriterAreRefused() throws IOException {
        assertThatThrownBy(() -> config(100 * KB, 64 * KB)).hasMessageContaining("at least two segments");
        assertThatThrownBy(() -> config(1L << 40, 1024)).hasMessageContaining("between 64KB and 2GB");
        assertThatThrownBy(() -> new StoreConfig(1L << 30, 64 * KB, Duration.ofHours(1), 65535, 64 * KB))
                .hasMessageContaining("write buffer must hold two packets of the snaplen");
        Path store = dir.resolve("store");
        try (PcapStore s = PcapStore.open(store, config(1L << 30, 64 * KB))) {
            assertThatThrownBy(() -> PcapStore.open(store, config(1L << 30, 64 * KB)))
                    .hasMessageContaining("in use by another process");
            assertThat(s.status().segments()).isEmpty();
        }
    }
    /** Packets held in plain memory by position: what the look-back ring is to the store, and nothing more. */
    private static final class HeldInMemory implements HeldPackets {
        private final List<io.flowtrap.packet.PacketRecord> held = new java.util.ArrayList<>();

        long hold(byte[] frame, long ts) {
            held.add(new io.flowtrap.packet.PacketRecord().set(java.nio.ByteBuffer.wrap(frame), 0, frame.length, frame.length,
                    ts, 1));
            return held.size() - 1;
        }

        @Override
        public void readHeld(long position, io.flowtrap.packet.PacketRecord into) {
            io.flowtrap.packet.PacketRecord p = held.get((int) position);
            into.set(p.buffer(), p.offset(), p.capturedLength(), p.wireLength(), p.timestampNanos(), p.linkType());
        }

        @Override
        public int heldCapturedLength(long position) {
            return held.get((int) position).capturedLength();
        }
    }

    @Test
    void heldPacketsAreCopiedFromWhereTheyAreHeldInTheirOrderAmongCopiedOnesAndCutToTheSnaplen() throws Exception {
        Path store = dir.resolve("store");
        int snaplen = 200;
        HeldInMemory memory = new HeldInMemory();
        java.util.Random random = new java.util.Random(5);
        byte[][] id = StoreFixture.identity(3);
        List<StoreFixture.Stored> sent = new java.util.ArrayList<>();
        long ts = StoreFixture.T0;
        try (PcapStore s = PcapStore.open(store, new StoreConfig(1L << 30, 1L << 20, Duration.ofHours(1), snaplen))) {
            s.holdFrom(memory);
            long[] positions = new long[10_000];
            for (int i = 0; i < positions.length; i++) { // more than one held-packets record takes
                byte[] frame = StoreFixture.frame(3, random.nextBoolean(), 60 + random.nextInt(400), random);
                positions[i] = memory.hold(frame, ts += 1000);
                sent.add(new StoreFixture.Stored(3, ts, frame));
            }
            assertThat(s.appendHeld(positions, positions.length, id[0], 0, id[1], 0)).isEqualTo(positions.length);
            assertThat(s.handedOffPosition()).as("positions, not packets: about 8 bytes each")
                    .isLessThan(positions.length * 9L + 8 * 88);
            for (int i = 0; i < 50; i++) { // then the flow's next packets, copied in as usual
                StoreFixture.Stored next = StoreFixture.appendAt(s, 3, ts += 1000, random);
                sent.add(next);
            }
            s.flush();
            assertThat(s.takenPosition()).isEqualTo(s.handedOffPosition());
        }
        try (PcapStore s = PcapStore.openReadOnly(store)) {
            List<StoreFixture.Stored> carved = StoreFixture.carve(s, 3, dir);
            List<StoreFixture.Stored> expected = sent.stream()
                    .map(p -> new StoreFixture.Stored(3, p.ts(), java.util.Arrays.copyOf(p.frame(), Math.min(snaplen, p.frame().length))))
                    .toList();
            assertThat(StoreFixture.same(carved, expected)).isTrue();
        }
    }
}
