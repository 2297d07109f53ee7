package io.flowtrap.manager.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Writes one nanosecond pcap (little-endian) and keeps what it wrote: packets, bytes, first and last time, SHA-256. */
final class PcapWriter implements AutoCloseable {
    private final Path path;
    private final MessageDigest sha256;
    private final OutputStream file;
    private final ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    private long packets;
    private long bytes;
    private long first;
    private long last;
    private String digest;

    PcapWriter(Path path, int linkType) throws IOException {
        this.path = path;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        this.file = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(path), 1 << 16), sha256);
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(PcapReader.MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144)
                .putInt(linkType);
        file.write(header.array());
    }

    void write(long nanos, byte[] data, int caplen, int wirelen) throws IOException {
        record.clear();
        record.putInt((int) (nanos / 1_000_000_000L)).putInt((int) (nanos % 1_000_000_000L)).putInt(caplen).putInt(wirelen);
        file.write(record.array());
        file.write(data, 0, caplen);
        if (packets == 0) {
            first = nanos;
        }
        last = nanos;
        packets++;
        bytes += caplen;
    }

    /** Flushes and closes the file; its size and SHA-256 are then known. */
    void finish() throws IOException {
        if (digest == null) {
            file.close();
            digest = HexFormat.of().formatHex(sha256.digest());
        }
    }

    long packets() {
        return packets;
    }

    long bytes() {
        return bytes;
    }

    long firstNanos() {
        return first;
    }

    long lastNanos() {
        return last;
    }

    long size() throws IOException {
        return Files.size(path);
    }

    String sha256() {
        return digest;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
