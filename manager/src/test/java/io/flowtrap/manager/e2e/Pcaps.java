package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What a pcap holds, as the tests' oracles read it: tcpdump's packets (no time, every byte in hex), so that two files
 * are compared packet by packet, and SHA-256s, as the manager's answers give them. ({@link StoreOracle#packets} keeps
 * the times too, for the searches.)
 */
final class Pcaps {
    private Pcaps() {}

    /** tcpdump's lines (no time, every byte in hex) for the packets of {@code pcap} that {@code filter} keeps ("" for all). */
    static List<String> packets(Path pcap, String filter) throws Exception {
        List<String> command = new ArrayList<>(List.of("tcpdump", "-nn", "-t", "-xx", "-r", pcap.toString()));
        if (!filter.isEmpty()) {
            command.add(filter);
        }
        FlowtrapSystem.Run r = FlowtrapSystem.run(command);
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> packets = new ArrayList<>();
        StringBuilder one = null;
        for (String line : r.out().split("\n")) {
            if (!line.startsWith("\t") && !line.isBlank()) {
                if (one != null) {
                    packets.add(one.toString());
                }
                one = new StringBuilder(line);
            } else if (one != null) {
                one.append('\n').append(line);
            }
        }
        if (one != null) {
            packets.add(one.toString());
        }
        return packets;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static String sha256(Path file) throws Exception {
        return sha256(Files.readAllBytes(file));
    }
}
