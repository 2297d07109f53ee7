package io.flowtrap.api.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The Python client we test against must stay the Stamus documentation's, byte for byte (seed
 * 003: from {@code import requests} to its end): its SHA-256 was taken from the seed when the copy
 * was made, and any edit of the copy fails here.
 */
class StamusClientCopyTest {
    private static final String SEED_SCRIPT_SHA256 = "6b32ba8f8547956dfdddbaa1af9d8e267bc2fe1e82ddda24c78e53b4a198717b";

    @Test
    void theCopyIsTheSeedsScriptUnmodified() throws Exception {
        byte[] copy = Files.readAllBytes(Path.of("clients/python/stamus_pcap_client.py"));
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(copy));
        assertThat(sha256).isEqualTo(SEED_SCRIPT_SHA256);
    }
}
