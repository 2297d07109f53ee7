package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a replaying probe at random moments, many rounds, on one store: each restart recovers
 * (torn tail cut, index rebuilt, segment sealed), {@code store verify} then passes, and every
 * segment that was sealed before a kill is still there, byte for byte.
 */
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
        int recoveredActive = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // Paced replay (the corpus spans ~5 s of packet time) so the kill lands mid-write.
            Process p = new ProcessBuilder(Tools.REPO.resolve("ops/bin/flowtrap-probe").toString(), "replay", "--pcap",
                    pcap.toString(), "--eve", eve.toString(), "--store", store.toString(), "--segment-size", "64KB",
                    "--speed", "4").redirectErrorStream(true).redirectOutput(work.resolve("replay-" + round + ".log").toFile())
                    .start();
            Thread.sleep(800 + random.nextInt(1200));
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no seal
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            sealedBeforeKills.putAll(sealedSegments(store));
            if (Files.list(store).anyMatch(f -> f.getFileName().toString().endsWith(".active"))) {
                recoveredActive++;
            }
        }
        Tools.Run recover = Tools.probe(work, "store", "recover", "--store", store.toString());
        assertThat(recover.exit()).as(recover.err()).isZero();
        Tools.Run verify = Tools.probe(work, "store", "verify", "--store", store.toString());
        assertThat(verify.exit()).as(verify.out()).isZero();
        Map<String, String> after = sealedSegments(store);
        assertThat(after).containsAllEntriesOf(sealedBeforeKills);
        assertThat(recoveredActive).as("rounds killed while a segment was open").isPositive();
        // Rounds 1.. recovered what the previous kill left: their logs say so.
        List<String> recoveries = new ArrayList<>();
        for (int round = 1; round < ROUNDS; round++) {
            String log = Files.readString(work.resolve("replay-" + round + ".log"));
            if (log.contains("recovery:")) {
                recoveries.add(log);
            }
        }
        assertThat(recoveries).isNotEmpty();
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
