package io.flowtrap.manager.pcap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Merges pcap files by packet time into one nanosecond pcap (little-endian), as {@code mergecap}
 * does, the earliest {@code maxPackets} only (0: all); a tie keeps the inputs' order, and each
 * input's own order. Reads microsecond and nanosecond pcaps of either byte order. Packets of a link
 * type other than the first input's cannot go in one pcap: they are left out and counted.
 *
 * <p>With a duplicate window ({@link #merge(List, Path, long, long)}), a packet is dropped when one
 * with the same captured length and bytes came at most that long before it in the merged order,
 * as {@code editcap -w <window>} (Wireshark 4.0, Debian 12) decides on the merged file: every packet
 * read, kept or dropped, is remembered for the window (editcap compares MD5 digests of the bytes;
 * this compares the bytes).
 */
public final class PcapMerge {
    /** No duplicate removal. */
    public static final long NO_DEDUP = -1;

    /**
     * What the merge wrote: packets, their captured bytes, first and last time (ns), size, SHA-256,
     * what it left out for another link type, the packets read from the inputs and the duplicates dropped.
     */
    public record Merged(long packets, long bytes, long firstNanos, long lastNanos, long size, String sha256, long otherLinkType,
            long read, long duplicates) {}

    private PcapMerge() {}

    /** Merges {@code inputs} into {@code out}; nothing is written (and null answered) when they hold no packet. */
    public static Merged merge(List<Path> inputs, Path out, long maxPackets) throws IOException {
        return merge(inputs, out, maxPackets, NO_DEDUP);
    }

    /**
     * As above, dropping each packet whose bytes (and captured length) were met in a packet at
     * most {@code dedupWindowNanos} earlier ({@link #NO_DEDUP}: none dropped; 0: the same time only).
     */
    public static Merged merge(List<Path> inputs, Path out, long maxPackets, long dedupWindowNanos) throws IOException {
        List<PcapReader> readers = new ArrayList<>();
        try {
            for (Path p : inputs) {
                readers.add(new PcapReader(p));
            }
            PriorityQueue<PcapReader> heads = new PriorityQueue<>((a, b) -> a.nanos != b.nanos ? Long.compare(a.nanos, b.nanos)
                    : Integer.compare(readers.indexOf(a), readers.indexOf(b)));
            int linkType = -1;
            for (PcapReader r : readers) {
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
            Window seen = dedupWindowNanos < 0 ? null : new Window(dedupWindowNanos);
            long other = 0;
            long read = 0;
            long duplicates = 0;
            try (PcapWriter writer = new PcapWriter(out, linkType)) {
                while (!heads.isEmpty() && (maxPackets == 0 || writer.packets() < maxPackets)) {
                    PcapReader r = heads.poll();
                    read++;
                    if (r.linkType != linkType) {
                        other++;
                    } else if (seen != null && seen.repeated(r.nanos, Arrays.copyOf(r.data, r.caplen))) {
                        duplicates++;
                    } else {
                        writer.write(r.nanos, r.data, r.caplen, r.wirelen);
                    }
                    if (r.next()) {
                        heads.add(r);
                    }
                }
                writer.finish();
                return new Merged(writer.packets(), writer.bytes(), writer.firstNanos(), writer.lastNanos(), writer.size(),
                        writer.sha256(), other, read, duplicates);
            }
        } finally {
            for (PcapReader r : readers) {
                r.close();
            }
        }
    }

    /** The packets of the last {@code window} ns, by content: what editcap's duplicate history holds. */
    private static final class Window {
        private record Seen(long nanos, Content content) {}

        private record Content(byte[] bytes) {
            @Override
            public boolean equals(Object o) {
                return o instanceof Content c && Arrays.equals(bytes, c.bytes);
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(bytes);
            }

            @Override
            public String toString() {
                return bytes.length + " bytes";
            }
        }

        private final long window;
        private final ArrayDeque<Seen> order = new ArrayDeque<>();
        private final Map<Content, Integer> counts = new HashMap<>();

        Window(long window) {
            this.window = window;
        }

        /** Whether {@code bytes} came at most the window before {@code nanos}; remembers them either way. */
        boolean repeated(long nanos, byte[] bytes) {
            while (!order.isEmpty() && nanos - order.peekFirst().nanos() > window) {
                Seen old = order.pollFirst();
                counts.computeIfPresent(old.content(), (k, n) -> n == 1 ? null : n - 1);
            }
            Content c = new Content(bytes);
            boolean repeated = counts.containsKey(c);
            order.addLast(new Seen(nanos, c));
            counts.merge(c, 1, Integer::sum);
            return repeated;
        }
    }
}
