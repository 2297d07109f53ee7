package io.flowtrap.manager.pcap;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the packets of a pcap that a tcpdump (libpcap) filter keeps into a new nanosecond pcap:
 * what {@code tcpdump -r in.pcap -w out.pcap '<filter>'} keeps, packet for packet, because the
 * filter is compiled and run by libpcap itself ({@code pcap_compile} for the file's link type and
 * snap length, then {@code pcap_offline_filter} on each packet), bound through JNA. The manager
 * does not run the probe, and the probe's own BPF interpreter would still need libpcap to compile;
 * libpcap (libpcap0.8, which tcpdump brings) is all the manager host needs.
 */
public final class PcapFilter {
    /** What the filter wrote: packets read and kept, their bytes, first and last time (ns), size and SHA-256 (none kept: no file, 0 and null). */
    public record Filtered(long read, long packets, long bytes, long firstNanos, long lastNanos, long size, String sha256) {}

    /** The expression libpcap refused, with its words. */
    public static final class InvalidFilter extends IOException {
        private static final long serialVersionUID = 1L;

        InvalidFilter(String message) {
            super(message);
        }
    }

    private static final int SNAPLEN = 262144;
    /** struct bpf_program: u_int bf_len, then a pointer (16 bytes on a 64-bit system). */
    private static final int PROGRAM_SIZE = 16;
    /** struct pcap_pkthdr: struct timeval (16 bytes), caplen, len. */
    private static final int HEADER_SIZE = 24;

    private PcapFilter() {}

    /** Checks that libpcap compiles {@code expression} for Ethernet; InvalidFilter with libpcap's words if not. */
    public static void check(String expression) throws InvalidFilter {
        Pointer pcap = Libpcap.pcap_open_dead(1, SNAPLEN);
        Memory program = new Memory(PROGRAM_SIZE);
        try {
            compile(pcap, program, expression);
            Libpcap.pcap_freecode(program);
        } finally {
            Libpcap.pcap_close(pcap);
        }
    }

    /** Filters {@code in} into {@code out}; nothing is written when no packet is kept. */
    public static Filtered filter(Path in, Path out, String expression) throws IOException {
        try (PcapReader reader = new PcapReader(in)) {
            Pointer pcap = Libpcap.pcap_open_dead(reader.linkType, SNAPLEN);
            Memory program = new Memory(PROGRAM_SIZE);
            try {
                compile(pcap, program, expression);
                try {
                    return run(reader, program, out);
                } finally {
                    Libpcap.pcap_freecode(program);
                }
            } finally {
                Libpcap.pcap_close(pcap);
            }
        }
    }

    private static void compile(Pointer pcap, Memory program, String expression) throws InvalidFilter {
        if (Libpcap.pcap_compile(pcap, program, expression, 1, 0xffffffff) != 0) {
            throw new InvalidFilter("libpcap rejected '" + expression + "': " + Libpcap.pcap_geterr(pcap));
        }
    }

    private static Filtered run(PcapReader reader, Memory program, Path out) throws IOException {
        Memory header = new Memory(HEADER_SIZE);
        Memory packet = new Memory(65536);
        long read = 0;
        PcapWriter writer = null;
        try {
            while (reader.next()) {
                read++;
                if (packet.size() < reader.caplen) {
                    packet = new Memory(reader.caplen);
                }
                header.clear();
                header.setInt(16, reader.caplen);
                header.setInt(20, reader.wirelen);
                packet.write(0, reader.data, 0, reader.caplen);
                if (Libpcap.pcap_offline_filter(program, header, packet) != 0) {
                    if (writer == null) {
                        writer = new PcapWriter(out, reader.linkType);
                    }
                    writer.write(reader.nanos, reader.data, reader.caplen, reader.wirelen);
                }
            }
            if (writer == null) {
                Files.deleteIfExists(out);
                return new Filtered(read, 0, 0, 0, 0, 0, null);
            }
            writer.finish();
            return new Filtered(read, writer.packets(), writer.bytes(), writer.firstNanos(), writer.lastNanos(), writer.size(),
                    writer.sha256());
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
    }

    /** The libpcap calls a filter needs, by JNA's direct mapping. */
    private static final class Libpcap {
        static {
            Native.register(Libpcap.class, "pcap");
        }

        private Libpcap() {}

        static native Pointer pcap_open_dead(int linkType, int snaplen);

        static native int pcap_compile(Pointer pcap, Pointer program, String expression, int optimize, int netmask);

        static native int pcap_offline_filter(Pointer program, Pointer header, Pointer packet);

        static native String pcap_geterr(Pointer pcap);

        static native void pcap_freecode(Pointer program);

        static native void pcap_close(Pointer pcap);
    }
}
