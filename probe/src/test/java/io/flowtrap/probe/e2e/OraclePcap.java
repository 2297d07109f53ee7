package io.flowtrap.probe.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An independent reader of classic pcap files (nanosecond or microsecond, either byte order),
 * written for the tests and sharing nothing with the probe's reader: the oracle carves are
 * compared with.
 */
final class OraclePcap {
    record Packet(long timestampNanos, int wireLength, byte[] data) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Packet p && p.timestampNanos == timestampNanos && p.wireLength == wireLength
                    && Arrays.equals(p.data, data);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(timestampNanos) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "packet@" + timestampNanos + "/" + data.length;
        }
    }

    private OraclePcap() {}

    static List<Packet> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
        }
        long scale = switch (magic) {
            case 0xA1B2C3D4 -> 1000L;
            case 0xA1B23C4D -> 1L;
            default -> throw new IOException(file + " is not a classic pcap file");
        };
        List<Packet> packets = new ArrayList<>();
        int p = 24;
        while (p + 16 <= b.limit()) {
            long ts = (b.getInt(p) & 0xFFFFFFFFL) * 1_000_000_000L + (b.getInt(p + 4) & 0xFFFFFFFFL) * scale;
            int caplen = b.getInt(p + 8);
            int wirelen = b.getInt(p + 12);
            if (p + 16 + caplen > b.limit()) {
                throw new IOException(file + ": torn record at " + p);
            }
            byte[] data = new byte[caplen];
            b.get(p + 16, data);
            packets.add(new Packet(ts, wirelen, data));
            p += 16 + caplen;
        }
        if (p != b.limit()) {
            throw new IOException(file + ": " + (b.limit() - p) + " stray bytes at the end");
        }
        return packets;
    }
}
