package io.flowtrap.store;

import io.flowtrap.packet.BpfProgram;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Searches the store by filter and time window: every packet of every segment that may hold
 * packets of the window (sealed ones by their time range in the manifest, then the active one as
 * far as it is readable) is read, and those stamped inside the window that the filter keeps are
 * written as one nanosecond pcap, merged by time (stable: segment order, then file order), the
 * earliest {@code maxPackets} of them if there are more. A segment holds its packets in write
 * order, not time order (a flow's look-back packets are written when it is armed), so the
 * matches are gathered first (time and place, 16 bytes each, at most {@link #MAX_MATCHES}) and
 * written in order after.
 *
 * <p>What {@code tcpdump -r} of each candidate segment with the same filter keeps, restricted to
 * the window, packet for packet. A program compiled for one link type keeps no packet of a
 * segment of another ({@link BpfProgram#matches}).
 *
 * <p>Thread-safe, like {@link FlowExtractor}: segments are leased for the search and released at its end.
 */
public final class PacketSearch {
    /** Most matches one search gathers before it writes (16 bytes each, and 8 to sort: 96 MB at this cap). */
    public static final int MAX_MATCHES = 4_000_000;

    private final Segments store;

    PacketSearch(Segments store) {
        this.store = store;
    }

    /** What a search is asked: a filter, a window [from, to] in ns since the epoch, at most so many packets (0: no cap). */
    public record Query(BpfProgram filter, long fromNanos, long toNanos, long maxPackets) {
        public Query {
            if (toNanos < fromNanos) {
                throw new IllegalArgumentException("the window ends before it starts: " + fromNanos + ".." + toNanos);
            }
            if (maxPackets < 0) {
                throw new IllegalArgumentException("max packets cannot be negative: " + maxPackets);
            }
        }
    }

    /** How far a search has come: segments and bytes read of those it will read, and the newest packet time met. */
    @FunctionalInterface
    public interface Progress {
        void searched(int segmentsRead, int segments, long bytesRead, long bytes, long packetTimeNanos);
    }

    /**
     * What a search found: packets and bytes written (none: no file), the first and last packet's
     * time, how many matched in all (more than written when capped), the segments and bytes read,
     * and the written file's size and SHA-256 (hex).
     */
    public record Result(long packets, long bytes, long firstNanos, long lastNanos, long matched, int segmentsRead,
            long bytesRead, long size, String sha256) {
        public boolean empty() {
            return packets == 0;
        }
    }

    /** The search was stopped by its caller's {@code cancelled} test. */
    public static final class Cancelled extends IOException {
        private static final long serialVersionUID = 1L;

        Cancelled() {
            super("search cancelled");
        }
    }

    /**
     * Searches and writes the result to {@code destination} through a temporary file beside it,
     * renamed into place only when some packet matched; otherwise nothing is written. {@code
     * cancelled} is asked between segments and every 65,536 packets.
     */
    public Result searchTo(Query query, Path destination, Progress progress, BooleanSupplier cancelled) throws IOException {
        PcapOutput.Written<Result> w = PcapOutput.write(destination, out -> search(query, out, progress, cancelled),
                r -> !r.empty());
        Result r = w.result();
        return new Result(r.packets(), r.bytes(), r.firstNanos(), r.lastNanos(), r.matched(), r.segmentsRead(),
                r.bytesRead(), w.size(), w.sha256());
    }

    /** What a search of a window would read, as the manifest says: candidate segments and their pcap bytes. */
    public record Coverage(int segments, long bytes) {}

    /** The segments (sealed ones and the active one) a search of [fromNanos, toNanos] would read, and their bytes; nothing is read. */
    public Coverage cover(long fromNanos, long toNanos) {
        Segments.View view = store.view();
        int segments = 0;
        long bytes = 0;
        for (Segment s : view.manifest().segments()) {
            if (s.overlaps(fromNanos, toNanos) && s.packets() > 0) {
                segments++;
                bytes += s.pcapBytes();
            }
        }
        Segments.ActiveSegment active = view.active();
        if (active != null && active.segment().packets() > 0 && active.segment().overlaps(fromNanos, toNanos)) {
            segments++;
            bytes += active.segment().pcapBytes();
        }
        return new Coverage(segments, bytes);
    }

    /** What {@link #searchTo} would find, counted only: nothing is written (size 0, no SHA-256). */
    public Result count(Query query) throws IOException {
        return search(query, OutputStream.nullOutputStream(), (read, of, bytes, total, newest) -> { }, () -> false);
    }

    /** Writes the matches as a pcap to {@code out}, nothing at all if none matched. */
    Result search(Query query, OutputStream out, Progress progress, BooleanSupplier cancelled) throws IOException {
        Segments.View view = store.view();
        StoreManifest m = view.manifest();
        Segments.ActiveSegment active = view.active();
        List<Segments.Lease> leases = new ArrayList<>();
        try {
            for (Segment s : m.segments()) {
                if (s.overlaps(query.fromNanos(), query.toNanos()) && s.packets() > 0) {
                    Segments.Lease lease = store.lease(s);
                    if (lease != null) {
                        leases.add(lease);
                    }
                }
            }
            if (active != null && active.segment().packets() > 0
                    && active.segment().overlaps(query.fromNanos(), query.toNanos())) {
                leases.add(store.lease(active));
            }
            return search(query, leases, out, progress, cancelled);
        } finally {
            for (Segments.Lease lease : leases) {
                lease.close();
            }
        }
    }

    private static Result search(Query query, List<Segments.Lease> leases, OutputStream out, Progress progress,
            BooleanSupplier cancelled) throws IOException {
        long total = 0;
        for (Segments.Lease lease : leases) {
            total += lease.segment().pcapBytes();
        }
        List<ByteBuffer> sources = new ArrayList<>();
        List<Integer> linkTypes = new ArrayList<>();
        long[] ts = new long[1024];
        long[] where = new long[1024]; // source << 32 | offset (segments are under 4 GB)
        int n = 0;
        int[] memory = new int[BpfProgram.MEMORY_WORDS];
        PacketRecord packet = new PacketRecord();
        long bytesRead = 0;
        long newest = Long.MIN_VALUE;
        int read = 0;
        for (Segments.Lease lease : leases) {
            if (cancelled.getAsBoolean()) {
                throw new Cancelled();
            }
            ByteBuffer pcap = lease.pcap();
            read++;
            if (pcap == null) {
                continue; // rotated out while we looked
            }
            int source = sources.size();
            sources.add(pcap);
            int linkType = lease.segment().linkType();
            linkTypes.add(linkType);
            int limit = pcap.limit();
            int offset = PcapFormat.GLOBAL_HEADER_SIZE;
            int seen = 0;
            while (offset + PcapFormat.RECORD_HEADER_SIZE <= limit) {
                int caplen = pcap.getInt(offset + 8);
                int wirelen = pcap.getInt(offset + 12);
                if (caplen < 0 || caplen > PcapFormat.MAX_SNAPLEN || offset + PcapFormat.RECORD_HEADER_SIZE + caplen > limit) {
                    break; // a torn tail (the active segment's last record being written): nothing after it is readable
                }
                long t = (pcap.getInt(offset) & 0xFFFFFFFFL) * PcapFormat.NANOS_PER_SECOND + (pcap.getInt(offset + 4) & 0xFFFFFFFFL);
                if (t >= query.fromNanos() && t <= query.toNanos()) {
                    packet.set(pcap, offset + PcapFormat.RECORD_HEADER_SIZE, caplen, wirelen, t, linkType);
                    if (query.filter().matches(packet, memory)) {
                        if (n == ts.length) {
                            if (n >= MAX_MATCHES) {
                                throw new IOException("the search matched more than " + MAX_MATCHES
                                        + " packets; narrow the window or the filter");
                            }
                            ts = Arrays.copyOf(ts, Math.min(MAX_MATCHES, n * 2));
                            where = Arrays.copyOf(where, ts.length);
                        }
                        ts[n] = t;
                        where[n] = (long) source << 32 | offset;
                        n++;
                    }
                }
                newest = Math.max(newest, t);
                offset += PcapFormat.RECORD_HEADER_SIZE + caplen;
                if ((++seen & 0xFFFF) == 0 && cancelled.getAsBoolean()) {
                    throw new Cancelled();
                }
            }
            bytesRead += lease.segment().pcapBytes();
            progress.searched(read, leases.size(), bytesRead, total, newest);
        }
        int[] order = byTime(ts, where, n);
        long cap = query.maxPackets() == 0 ? n : Math.min(n, query.maxPackets());
        long packets = 0;
        long bytes = 0;
        long first = 0;
        long last = 0;
        int linkType = -1;
        byte[] record = new byte[PcapFormat.RECORD_HEADER_SIZE + PcapFormat.MAX_SNAPLEN];
        for (int i = 0; i < n && packets < cap; i++) {
            long w = where[order[i]];
            int source = (int) (w >>> 32);
            int offset = (int) w;
            if (linkType >= 0 && linkTypes.get(source) != linkType) {
                continue; // one pcap has one link type: a filter compiled for it kept no other anyway
            }
            ByteBuffer pcap = sources.get(source);
            if (linkType < 0) {
                linkType = linkTypes.get(source);
                ByteBuffer header = ByteBuffer.allocate(PcapFormat.GLOBAL_HEADER_SIZE);
                PcapFormat.putGlobalHeader(header, PcapFormat.MAX_SNAPLEN, linkType);
                out.write(header.array());
                first = ts[order[i]];
            }
            int caplen = pcap.getInt(offset + 8);
            pcap.get(offset, record, 0, PcapFormat.RECORD_HEADER_SIZE + caplen);
            out.write(record, 0, PcapFormat.RECORD_HEADER_SIZE + caplen);
            packets++;
            bytes += caplen;
            last = ts[order[i]];
        }
        out.flush();
        return new Result(packets, bytes, first, last, n, read, bytesRead, 0, null);
    }

    /** The indexes 0..n-1 ordered by time, then by place (segment order, then file order): a merge sort on ints. */
    private static int[] byTime(long[] ts, long[] where, int n) {
        int[] order = new int[n];
        int[] scratch = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    int a = order[i];
                    int b = order[j];
                    boolean bFirst = ts[b] < ts[a] || ts[b] == ts[a] && where[b] < where[a];
                    scratch[k++] = bFirst ? order[j++] : order[i++];
                }
                while (i < mid) {
                    scratch[k++] = order[i++];
                }
                while (j < hi) {
                    scratch[k++] = order[j++];
                }
                System.arraycopy(scratch, lo, order, lo, hi - lo);
            }
        }
        return order;
    }
}
