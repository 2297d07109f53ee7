package io.flowtrap.pcap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Builds pcap and pcapng files byte by byte for reader tests, and runs the real tools on them. */
public final class PcapTestFiles {
    private PcapTestFiles() {}

    /** One packet as a test expects it back. */
    public record Packet(long timestampNanos, byte[] data, int wireLength, int linkType) {}

    public static List<Packet> randomPackets(long seed, int count, int linkType) {
        Random rnd = new Random(seed);
        List<Packet> out = new ArrayList<>();
        long ts = 1_700_000_000L * 1_000_000_000L + rnd.nextInt(1_000_000_000);
        for (int i = 0; i < count; i++) {
            ts += rnd.nextInt(5_000_000);
            int len = rnd.nextInt(10) == 0 ? rnd.nextInt(9000) : 14 + rnd.nextInt(1500);
            byte[] data = new byte[len];
            rnd.nextBytes(data);
            int wire = len + (rnd.nextInt(4) == 0 ? rnd.nextInt(100) : 0);
            out.add(new Packet(ts, data, wire, linkType));
        }
        return out;
    }

    /** A classic pcap file in the given byte order and resolution (micro: timestamps are cut to µs). */
    public static byte[] classic(List<Packet> packets, ByteOrder order, boolean nanos, int linkType) {
        int total = 24;
        for (Packet p : packets) {
            total += 16 + p.data().length;
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(order);
        b.putInt(nanos ? PcapFormat.MAGIC_NANOS : PcapFormat.MAGIC_MICROS).putShort((short) 2).putShort((short) 4)
                .putInt(0).putInt(0).putInt(PcapFormat.MAX_SNAPLEN).putInt(linkType);
        for (Packet p : packets) {
            long sec = Math.floorDiv(p.timestampNanos(), 1_000_000_000L);
            long frac = Math.floorMod(p.timestampNanos(), 1_000_000_000L);
            b.putInt((int) sec).putInt((int) (nanos ? frac : frac / 1000)).putInt(p.data().length)
                    .putInt(p.wireLength()).put(p.data());
        }
        return b.array();
    }

    /** Writes pcapng blocks by hand: sections, interfaces with options, packets, other blocks. */
    static final class Pcapng {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

        Pcapng section(ByteOrder order) {
            this.order = order;
            ByteBuffer body = buf(16).putInt(PcapFormat.PCAPNG_BYTE_ORDER_MAGIC).putShort((short) 1)
                    .putShort((short) 0).putLong(-1);
            return block(PcapFormat.PCAPNG_SHB, body.array());
        }

        /** tsresol: the raw if_tsresol byte, or -1 for none (10^-6); tsoffset seconds (0: no option). */
        Pcapng iface(int linkType, int snaplen, int tsresol, long tsoffset) {
            ByteBuffer body = buf(64).putShort((short) linkType).putShort((short) 0).putInt(snaplen);
            // a name option first, so the reader must walk options to find the resolution
            byte[] name = "eth-test".getBytes(StandardCharsets.US_ASCII);
            body.putShort((short) 2).putShort((short) name.length).put(name);
            if (tsresol >= 0) {
                body.putShort((short) PcapFormat.PCAPNG_OPT_IF_TSRESOL).putShort((short) 1)
                        .put((byte) tsresol).put(new byte[3]);
            }
            if (tsoffset != 0) {
                body.putShort((short) PcapFormat.PCAPNG_OPT_IF_TSOFFSET).putShort((short) 8).putLong(tsoffset);
            }
            body.putShort((short) 0).putShort((short) 0);
            return block(PcapFormat.PCAPNG_IDB, slice(body));
        }

        Pcapng epb(int iface, long ts, byte[] data, int wireLength) {
            int padded = (data.length + 3) & ~3;
            ByteBuffer body = buf(20 + padded + 12).putInt(iface).putInt((int) (ts >>> 32)).putInt((int) ts)
                    .putInt(data.length).putInt(wireLength).put(data).put(new byte[padded - data.length]);
            // an epb_flags option, which the reader must step over
            body.putShort((short) 2).putShort((short) 4).putInt(1).putShort((short) 0).putShort((short) 0);
            return block(PcapFormat.PCAPNG_EPB, slice(body));
        }

        Pcapng spb(byte[] data, int wireLength) {
            int padded = (data.length + 3) & ~3;
            ByteBuffer body = buf(4 + padded).putInt(wireLength).put(data).put(new byte[padded - data.length]);
            return block(PcapFormat.PCAPNG_SPB, slice(body));
        }

        /** A block of a type no packet reader needs (e.g. 5 = interface statistics). */
        Pcapng other(int type, int bodyLength) {
            return block(type, new byte[bodyLength]);
        }

        Pcapng block(int type, byte[] body) {
            int len = 12 + body.length;
            ByteBuffer b = buf(len).putInt(type).putInt(len).put(body).putInt(len);
            out.writeBytes(b.array());
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private ByteBuffer buf(int n) {
            return ByteBuffer.allocate(n).order(order);
        }

        private static byte[] slice(ByteBuffer b) {
            byte[] a = new byte[b.position()];
            b.get(0, a);
            return a;
        }
    }

    public static Path write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return file;
    }

    /** Runs a tool, fails on a non-zero exit; returns its standard output. */
    public static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + stderr);
        }
        return new String(stdout, StandardCharsets.UTF_8);
    }
}
