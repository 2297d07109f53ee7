package io.flowtrap.manager.captures;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Merges pcap files by packet time into one nanosecond pcap (little-endian), as {@code mergecap}
 * does, the earliest {@code maxPackets} only (0: all); a tie keeps the inputs' order, and each
 * input's own order. Reads microsecond and nanosecond pcaps of either byte order. Packets of a link
 * type other than the first input's cannot go in one pcap: they are left out and counted.
 */
final class PcapMerge {
    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int MAX_CAPLEN = 1 << 20;

    /** What the merge wrote: packets, their captured bytes, first and last time (ns), size, SHA-256, and what it left out. */
    record Merged(long packets, long bytes, long firstNanos, long lastNanos, long size, String sha256, long otherLinkType) {}

    private PcapMerge() {}

    /** Merges {@code inputs} into {@code out}; nothing is written (and null answered) when they hold no packet. */
    static Merged merge(List<Path> inputs, Path out, long maxPackets) throws IOException {
        List<Reader> readers = new ArrayList<>();
        try {
            for (Path p : inputs) {
                readers.add(new Reader(p));
            }
            PriorityQueue<Reader> heads = new PriorityQueue<>((a, b) -> a.nanos != b.nanos ? Long.compare(a.nanos, b.nanos)
                    : Integer.compare(readers.indexOf(a), readers.indexOf(b)));
            int linkType = -1;
            for (Reader r : readers) {
                if (r.next()) {
                    heads.add(r);
                    if (linkType < 0) {
                        linkType = r.linkType;
                    }
                }
            }
            if (heads.isEmpty()) {
                return null;
            }
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            long packets = 0;
            long bytes = 0;
            long first = 0;
            long last = 0;
            long other = 0;
            try (OutputStream file = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(out), 1 << 16), sha256)) {
                ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
                header.putInt(MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(linkType);
                file.write(header.array());
                ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                while (!heads.isEmpty() && (maxPackets == 0 || packets < maxPackets)) {
                    Reader r = heads.poll();
                    if (r.linkType != linkType) {
                        other++;
                    } else {
                        record.clear();
                        record.putInt((int) (r.nanos / 1_000_000_000L)).putInt((int) (r.nanos % 1_000_000_000L))
                                .putInt(r.caplen).putInt(r.wirelen);
                        file.write(record.array());
                        file.write(r.data, 0, r.caplen);
                        if (packets == 0) {
                            first = r.nanos;
                        }
                        last = r.nanos;
                        packets++;
                        bytes += r.caplen;
                    }
                    if (r.next()) {
                        heads.add(r);
                    }
                }
            }
            return new Merged(packets, bytes, first, last, Files.size(out), HexFormat.of().formatHex(sha256.digest()), other);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        } finally {
            for (Reader r : readers) {
                r.in.close();
            }
        }
    }

    /** One input, one record at a time. */
    private static final class Reader {
        final InputStream in;
        final Path path;
        final ByteOrder order;
        final boolean nanosPrecision;
        final int linkType;
        byte[] data = new byte[65536];
        long nanos;
        int caplen;
        int wirelen;

        Reader(Path path) throws IOException {
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
    }
}
