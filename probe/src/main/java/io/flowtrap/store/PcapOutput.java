package io.flowtrap.store;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Predicate;

/**
 * A pcap made for a reader (a carve, a search result): written to a temporary file beside its
 * destination (mode 0600) and renamed into place only when it is to be kept, so no reader ever
 * sees half of one; its size and SHA-256 are worked out as it is written.
 */
final class PcapOutput {
    private PcapOutput() {}

    /** Writes the pcap's bytes; what it returns says what was written. */
    @FunctionalInterface
    interface Body<R> {
        R write(OutputStream out) throws IOException;
    }

    /** What {@code body} returned, and the kept file's size and SHA-256 (hex): 0 and null when not kept. */
    record Written<R>(R result, long size, String sha256) {}

    /**
     * Runs {@code body} into a temporary file and moves it to {@code destination} if {@code keep}
     * says so of its result; otherwise (or on an error) {@code destination} is left as it was.
     */
    static <R> Written<R> write(Path destination, Body<R> body, Predicate<R> keep) throws IOException {
        Path dir = destination.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + destination.getFileName(), ".partial");
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            R result;
            try (OutputStream out = new BufferedOutputStream(new DigestOutputStream(Files.newOutputStream(temp), sha256), 1 << 16)) {
                result = body.write(out);
            }
            if (!keep.test(result)) {
                return new Written<>(result, 0, null);
            }
            long size = Files.size(temp);
            Files.move(temp, destination, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Written<>(result, size, HexFormat.of().formatHex(sha256.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
