package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under the store's writer: a real 1 MB tmpfs (mounted here, as root, and unmounted
 * after; chmod would not stop root). The real writer thread writes real files until the kernel
 * answers ENOSPC; nothing is simulated.
 */
class StoreWriteFailureIT {
    @TempDir
    Path work;

    private Path fs;

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }

    @BeforeEach
    void mountTinyFileSystem() throws Exception {
        fs = Files.createDirectories(work.resolve("fs"));
        run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", fs.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        // lazy: the segments' memory mappings (index, verifier) keep it busy until they are collected
        run("umount", "--lazy", fs.toString());
    }

    @Test
    @Timeout(120)
    void aFullDiskIsCountedOnceTheProducerIsNeverRefusedAndTheWriterWritesAgainOnceThereIsRoom() throws Exception {
        Path filler = fs.resolve("filler");
        Files.write(filler, new byte[640 * 1024]); // leaves the store ~380 KB
        Path dir = fs.resolve("store");
        AtomicInteger episodes = new AtomicInteger();
        AtomicLong lostWhenWritingAgain = new AtomicLong(-1);
        CountDownLatch writingAgain = new CountDownLatch(1);
        WriteFailureListener listener = new WriteFailureListener() {
            @Override
            public void writingFailed(Exception cause) {
                episodes.incrementAndGet();
            }

            @Override
            public void writingAgain(long failures, long lostPackets) {
                lostWhenWritingAgain.set(lostPackets);
                writingAgain.countDown();
            }
        };
        StoreConfig config = new StoreConfig(64L << 20, 128 * 1024, Duration.ofHours(1), 2048, 8L << 20);
        Random random = new Random(7);
        long appended = 0;
        long lost;
        long ts = StoreFixture.T0;
        PacketRecord packet = new PacketRecord();
        byte[][] id = StoreFixture.identity(1);
        try (PcapStore s = PcapStore.open(dir, config, BackpressurePolicy.DROP, listener)) {
            // ~2 MB for a file system with ~380 KB left: writing fails part way
            for (int i = 0; i < 2000; i++) {
                byte[] frame = StoreFixture.frame(1, true, 1000, random);
                packet.set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts += 1000, 1);
                assertThat(s.append(packet, id[0], 0, id[1], 0)).as("the producer is never refused (8 MB hand-off)").isTrue();
                appended++;
            }
            s.flush();
            assertThat(s.writeFailures()).isPositive();
            assertThat(s.writeLostPackets()).isPositive();
            assertThat(s.backlogDroppedPackets()).isZero();
            assertThat(episodes.get()).as("told once, not per packet").isEqualTo(1);
            long lostWhileFull = s.writeLostPackets();

            Files.delete(filler); // room again: the writer's next try (a second after its last failure) works
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!writingAgain.await(20, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                for (int i = 0; i < 50; i++) { // a live wire keeps bringing packets
                    byte[] frame = StoreFixture.frame(1, true, 1000, random);
                    packet.set(ByteBuffer.wrap(frame), 0, frame.length, frame.length, ts += 1000, 1);
                    assertThat(s.append(packet, id[0], 0, id[1], 0)).isTrue();
                    appended++;
                }
            }
            assertThat(writingAgain.getCount()).as("the writer wrote again").isZero();
            assertThat(lostWhenWritingAgain.get()).isGreaterThanOrEqualTo(lostWhileFull);
            assertThat(episodes.get()).isEqualTo(1);
            s.flush();
            lost = s.writeLostPackets();
            assertThat(lost).as("nothing lost once there was room").isEqualTo(lostWhenWritingAgain.get());
        }
        try (PcapStore s = PcapStore.openReadOnly(dir)) {
            assertThat(s.status().packets()).as("every packet handed over is either stored or counted as lost")
                    .isEqualTo(appended - lost);
        }
        assertThat(new StoreVerifier().verify(dir).clean()).isTrue();
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("an abandoned segment leaves nothing behind").noneMatch(n -> n.endsWith(".active") || n.endsWith(".tmp"));
        }
    }
}
