package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a replaying probe mid-write, many rounds, on one store: each restart recovers (torn
 * tail cut, index rebuilt, segment sealed), {@code store verify} then passes, and every segment
 * that was sealed before a kill is still there, byte for byte. A kill is timed by what the probe
 * wrote, not by the clock: once this round's replay has sealed a random number of segments and
 * has the next one open, so every round dies with a segment being written, however fast or slow
 * the machine. (A replay of the corpus writes 9 segments of 64 KB; a round waits for 2 to 6.)
 */
@Tag("hostile-input")
class CrashRecoveryIT {
    private static final int ROUNDS = 8;

    @TempDir
    Path work;

    @Test
    void killedMidReplayTheStoreRecoversAndLosesNothingSealed() throws Exception {
        Path pcap = work.resolve("corpus.pcap");
        Tools.corpus(work, pcap, work.resolve("corpus.json"), 300, 5);
        Path eve = Tools.suricata(work, pcap);
        Path store = work.resolve("store");
        Random random = new Random(42);
        Map<String, String> sealedBeforeKills = new HashMap<>();
        Files.createDirectories(store);
        for (int round = 0; round < ROUNDS; round++) {
            long sealedBefore = lastSealed(store);
            int sealedTarget = 2 + random.nextInt(5);
            Path log = work.resolve("replay-" + round + ".log");
            // Paced replay (the corpus spans ~5 s of packet time, ~1.2 s at speed 4), so a kill has time to land mid-write.
            Process p = new ProcessBuilder(Tools.REPO.resolve("ops/bin/flowtrap-probe").toString(), "replay", "--pcap",
                    pcap.toString(), "--eve", eve.toString(), "--store", store.toString(), "--segment-size", "64KB",
                    "--speed", "4").redirectErrorStream(true).redirectOutput(log.toFile()).start();
            killMidWrite(p, store, sealedBefore, sealedTarget, log);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(activeSegment(store)).as("round %d died with a segment being written", round).isPositive();
            sealedBeforeKills.putAll(sealedSegments(store));
        }
        Tools.Run recover = Tools.probe(work, "store", "recover", "--store", store.toString());
        assertThat(recover.exit()).as(recover.err()).isZero();
        Tools.Run verify = Tools.probe(work, "store", "verify", "--store", store.toString());
        assertThat(verify.exit()).as(verify.out()).isZero();
        Map<String, String> after = sealedSegments(store);
        assertThat(after).containsAllEntriesOf(sealedBeforeKills);
        // Every round after the first recovered the segment the previous kill left open: its log says so.
        for (int round = 1; round < ROUNDS; round++) {
            assertThat(Files.readString(work.resolve("replay-" + round + ".log"))).as("round %d", round).contains("recovery:");
        }
    }

    /**
     * Kills the replay (SIGKILL: no shutdown hook, no seal) as soon as it has sealed {@code sealedTarget}
     * segments after {@code sealedBefore} and has opened the next one; woken by the directory's changes.
     */
    private static void killMidWrite(Process p, Path store, long sealedBefore, int sealedTarget, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        try (WatchService watch = store.getFileSystem().newWatchService()) {
            store.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            while (true) {
                long sealed = lastSealed(store);
                if (sealed - sealedBefore >= sealedTarget && activeSegment(store) > sealed) {
                    p.destroyForcibly();
                    return;
                }
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new AssertionError("the replay " + (p.isAlive() ? "took too long" : "ended") + " before sealing "
                            + sealedTarget + " segments after " + sealedBefore + " (last sealed " + sealed + "):\n"
                            + Files.readString(log));
                }
                WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS); // a file appeared, or look at the process again
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
    }

    /** The highest sealed segment sequence in the store, 0 if none. */
    private static long lastSealed(Path store) throws IOException {
        return sequences(store, "segment-(\\d{16})\\.pcap");
    }

    /** The sequence of the segment being written (its hidden active file), 0 if none. */
    private static long activeSegment(Path store) throws IOException {
        return sequences(store, "\\.segment-(\\d{16})\\.pcap\\.active");
    }

    private static long sequences(Path store, String pattern) throws IOException {
        Pattern p = Pattern.compile(pattern);
        long highest = 0;
        try (Stream<Path> files = Files.list(store)) {
            for (Path f : files.toList()) {
                Matcher m = p.matcher(f.getFileName().toString());
                if (m.matches()) {
                    highest = Math.max(highest, Long.parseLong(m.group(1)));
                }
            }
        }
        return highest;
    }

    /** Sealed pcap and index files with their SHA-256. */
    private static Map<String, String> sealedSegments(Path store) throws IOException {
        Map<String, String> hashes = new HashMap<>();
        if (!Files.exists(store)) {
            return hashes;
        }
        try (Stream<Path> files = Files.list(store)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.matches("segment-\\d{16}\\.(pcap|idx)")) {
                    try {
                        hashes.put(name, HexFormat.of().formatHex(
                                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return hashes;
    }
}
