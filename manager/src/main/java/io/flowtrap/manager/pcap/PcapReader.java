package io.flowtrap.manager.pcap;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a pcap file one record at a time: microsecond and nanosecond pcaps of either byte order,
 * each record's time in ns since the epoch; a record larger than 1 MiB or cut short is an
 * IOException naming the file.
 */
final class PcapReader implements AutoCloseable {
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int MAX_CAPLEN = 1 << 20;

    final InputStream in;
    final Path path;
    final ByteOrder order;
    final boolean nanosPrecision;
    final int linkType;
    byte[] data = new byte[65536];
    long nanos;
    int caplen;
    int wirelen;

    PcapReader(Path path) throws IOException {
        this.path = path;
        this.in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        ByteBuffer h = ByteBuffer.wrap(readFully(24, "its file header"));
        int magic = h.order(ByteOrder.BIG_ENDIAN).getInt(0);
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            h.order(ByteOrder.LITTLE_ENDIAN);
            magic = h.getInt(0);
        }
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            in.close();
            throw new IOException(path + " is not a pcap file");
        }
        this.order = h.order();
        this.nanosPrecision = magic == MAGIC_NANOS;
        this.linkType = h.getInt(20);
    }

    /** Reads the next record; false at the end. */
    boolean next() throws IOException {
        byte[] header = in.readNBytes(16);
        if (header.length == 0) {
            return false;
        }
        if (header.length < 16) {
            throw new IOException(path + " ends inside a record header");
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(order);
        long seconds = h.getInt(0) & 0xFFFFFFFFL;
        long fraction = h.getInt(4) & 0xFFFFFFFFL;
        nanos = seconds * 1_000_000_000L + (nanosPrecision ? fraction : fraction * 1_000);
        caplen = h.getInt(8);
        wirelen = h.getInt(12);
        if (caplen < 0 || caplen > MAX_CAPLEN) {
            throw new IOException(path + " has a record of " + caplen + " bytes");
        }
        if (caplen > data.length) {
            data = new byte[caplen];
        }
        if (in.readNBytes(data, 0, caplen) != caplen) {
            throw new EOFException(path + " ends inside a packet");
        }
        return true;
    }

    private byte[] readFully(int n, String what) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            in.close();
            throw new IOException(path + " is too short for " + what);
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
