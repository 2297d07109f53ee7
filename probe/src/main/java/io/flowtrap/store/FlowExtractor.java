package io.flowtrap.store;

import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Carves one flow out of the sealed segments. The segments a query can need are found on the
 * {@link SegmentTimeline} (binary search for the first segment that reaches the query's start),
 * then walked in write order, and the walk stops once no segment left starts before the flow's
 * last possible packet ({@link FlowQuery#walkLimit}: the last packet found so far, or the time the
 * flow was seen alive, plus the longest gap the flow can have), so the cost grows with the flow,
 * not with the store. A query seen alive at a known time but without a start (an alert without
 * {@code flow.start}) first walks back from that time the same way to find one. Each index on the way is binary-searched for the flow hash (mapped at its
 * first lookup), and only the flow's records are read (the pcap is mapped once the flow is found
 * in it). Every packet is decoded again and must resolve to its index entry's key, so a hash
 * collision or a damaged index never leaks a foreign packet; packets from all segments are merged
 * by timestamp (stable: segment order, then file order) into one nanosecond pcap. The segment
 * being written is searched too, after the sealed ones, as far as the writer last made it readable
 * ({@link PcapStore#requestReadable}: its flushed records, indexed in memory).
 *
 * <p>Mappings come from {@link Segments}, leased for the length of one extraction and released at
 * its end, so rotation can unmap a deleted segment at once (or when the extraction reading it ends).
 *
 * <p>Thread-safe: any number of threads may extract while the writer appends and rotates (a
 * segment deleted during an extraction stays readable through its lease until it ends).
 */
public final class FlowExtractor {
    private record OpenSegment(Segment segment, SegmentIndex index, ByteBuffer pcap) {}

    private final Segments store;
    private volatile SegmentTimeline timeline;

    FlowExtractor(Segments store) {
        this.store = store;
    }

    /** A carve written to a file: the result, and the file's size and SHA-256 (hex) when found. */
    public record CarvedFile(ExtractionResult result, long size, String sha256) {}

    /**
     * Writes the flow's pcap to {@code destination} through a temporary file beside it, renamed into
     * place only when the flow was found, so no reader ever sees half a carve; when it was not,
     * {@code destination} is left as it was.
     */
    public CarvedFile extractTo(FlowQuery query, Path destination) throws IOException {
        PcapOutput.Written<ExtractionResult> w = PcapOutput.write(destination, out -> extract(query, out),
                r -> r.outcome() == ExtractionResult.Outcome.FOUND);
        return new CarvedFile(w.result(), w.size(), w.sha256());
    }

    /** Writes the flow's packets as a pcap to {@code out} (nothing at all if none is found). */
    public ExtractionResult extract(FlowQuery query, OutputStream out) throws IOException {
        Segments.View view = store.view();
        List<Segments.Lease> leases = new ArrayList<>();
        try {
            return extract(query, out, view.manifest(), view.active(), leases);
        } finally {
            for (Segments.Lease lease : leases) {
                lease.close();
            }
        }
    }

    private ExtractionResult extract(FlowQuery query, OutputStream out, StoreManifest v, Segments.ActiveSegment active,
            List<Segments.Lease> leases) throws IOException {
        List<OpenSegment> sources = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        long[] ts = new long[64];
        long[] where = new long[64]; // source << 48 | key index << 32 | offset (offsets < 2 GB)
        int n = 0;
        long[] postings = null;
        byte[] key = new byte[FlowKey.SIZE];
        byte[] cid = new byte[20];
        SegmentTimeline timeline = timeline(v.segments());
        int[] searchedBack = new int[1];
        long from = query.fromNanos();
        if (from == 0 && query.seenAtNanos() != 0 && query.maxGapNanos() != Long.MAX_VALUE) {
            from = Math.max(from, earliestPossible(timeline, active, leases, query, searchedBack, key, cid));
        }
        int searched = searchedBack[0];
        long lastFound = Long.MIN_VALUE;
        int firstCandidate = timeline.firstEndingAtOrAfter(from);
        int candidates = timeline.size() + (active == null ? 0 : 1);
        for (int i = firstCandidate; i < candidates; i++) {
            Segments.Lease lease;
            if (i < timeline.size()) {
                if (timeline.allStartAfter(i, query.walkLimit(lastFound))) {
                    // the flow ended before any sealed segment from here on (or the window did);
                    // the active one can still hold its late-written look-back packets
                    i = timeline.size() - 1;
                    continue;
                }
                Segment segment = timeline.segment(i);
                if (!segment.overlaps(from, query.toNanos())) {
                    continue;
                }
                lease = store.lease(segment);
                if (lease == null) {
                    continue; // rotated out while we looked
                }
            } else {
                Segment segment = active.segment();
                if (segment.packets() == 0 || segment.minTimestamp() > query.walkLimit(lastFound)
                        || !segment.overlaps(from, query.toNanos())) {
                    break;
                }
                lease = store.lease(active);
            }
            leases.add(lease);
            Segment segment = lease.segment();
            SegmentIndex index = lease.index();
            searched++;
            OpenSegment s = null;
            int source = -1;
            for (int e = index.firstEntry(query.flowHash()); e >= 0 && e < index.flowCount()
                    && index.hash(e) == query.flowHash(); e++) {
                if (!matches(index, e, query, key, cid)) {
                    continue;
                }
                if (s == null) {
                    ByteBuffer pcap = lease.pcap();
                    if (pcap == null) {
                        break; // rotated out while we looked
                    }
                    s = new OpenSegment(segment, index, pcap);
                    sources.add(s);
                    source = sources.size() - 1;
                }
                keys.add(key.clone());
                int keyIndex = keys.size() - 1;
                postings = index.postings(e, postings);
                int count = index.packets(e);
                if (n + count > ts.length) {
                    int size = Math.max(ts.length * 2, n + count);
                    ts = Arrays.copyOf(ts, size);
                    where = Arrays.copyOf(where, size);
                }
                for (int p = 0; p < count; p++) {
                    long offset = postings[p];
                    ts[n] = offset + PcapFormat.RECORD_HEADER_SIZE <= s.pcap().limit() ? recordTimestamp(s.pcap(), offset) : 0;
                    lastFound = Math.max(lastFound, ts[n]);
                    where[n] = (long) source << 48 | (long) keyIndex << 32 | offset;
                    n++;
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long[] tsFinal = ts;
        long[] whereFinal = where;
        Arrays.sort(order, (a, b) -> {
            int c = Long.compare(tsFinal[a], tsFinal[b]);
            return c != 0 ? c : Long.compare(whereFinal[a], whereFinal[b]);
        });
        FlowResolver resolver = new FlowResolver();
        PacketRecord packet = new PacketRecord();
        byte[] record = new byte[PcapFormat.RECORD_HEADER_SIZE + PcapFormat.MAX_SNAPLEN];
        long packets = 0;
        long bytes = 0;
        long skipped = 0;
        long first = 0;
        long last = 0;
        int linkType = -1;
        for (int i = 0; i < n; i++) {
            long w = where[order[i]];
            OpenSegment s = sources.get((int) (w >>> 48));
            byte[] entryKey = keys.get((int) ((w >>> 32) & 0xFFFF));
            int offset = (int) (w & 0xFFFFFFFFL);
            ByteBuffer pcap = s.pcap();
            if (offset + PcapFormat.RECORD_HEADER_SIZE > pcap.limit()) {
                skipped++;
                continue;
            }
            int caplen = pcap.getInt(offset + 8);
            int wirelen = pcap.getInt(offset + 12);
            if (caplen < 0 || caplen > PcapFormat.MAX_SNAPLEN || offset + PcapFormat.RECORD_HEADER_SIZE + caplen > pcap.limit()) {
                skipped++;
                continue;
            }
            packet.set(pcap, offset + PcapFormat.RECORD_HEADER_SIZE, caplen, wirelen, ts[order[i]], s.segment().linkType());
            if (!resolver.resolve(packet, key, 0) || !FlowKey.equals(key, 0, entryKey, 0)
                    || (linkType >= 0 && linkType != s.segment().linkType())) {
                skipped++;
                continue;
            }
            if (linkType < 0) {
                linkType = s.segment().linkType();
                ByteBuffer header = ByteBuffer.allocate(PcapFormat.GLOBAL_HEADER_SIZE);
                PcapFormat.putGlobalHeader(header, PcapFormat.MAX_SNAPLEN, linkType);
                out.write(header.array());
                first = ts[order[i]];
            }
            pcap.get(offset, record, 0, PcapFormat.RECORD_HEADER_SIZE + caplen);
            out.write(record, 0, PcapFormat.RECORD_HEADER_SIZE + caplen);
            packets++;
            bytes += caplen;
            last = ts[order[i]];
        }
        out.flush();
        if (packets > 0) {
            return new ExtractionResult(ExtractionResult.Outcome.FOUND, packets, bytes, first, last, skipped, searched);
        }
        return new ExtractionResult(whyMissing(query, v.rotatedHorizon()), 0, 0, 0, 0, skipped, searched);
    }

    /**
     * For a query that knows when its flow was seen but not when it started: walks the
     * segments back from that time, following the flow's packets down while no gap exceeds the
     * bound, and returns the earliest packet time found (the time seen if none). Segments from
     * the first that starts after the time seen hold nothing earlier; once every segment left
     * ends before the earliest packet found less the gap, the flow had not started yet there, so
     * every packet of the flow up to the time seen has been found. Counts the indexes it looks up
     * in {@code searched[0]}.
     */
    private long earliestPossible(SegmentTimeline timeline, Segments.ActiveSegment active, List<Segments.Lease> leases,
            FlowQuery query, int[] searched, byte[] key, byte[] cid) throws IOException {
        long gap = query.maxGapNanos();
        long earliest = query.seenAtNanos();
        if (active != null && active.segment().packets() > 0 && active.segment().minTimestamp() <= earliest
                && active.segment().overlaps(query.fromNanos(), query.toNanos())) {
            earliest = earliestIn(active.index(), query, earliest, searched, key, cid); // the newest: where the walk back starts
        }
        for (int i = timeline.firstOfThoseStartingAfter(earliest) - 1; i >= 0; i--) {
            if (timeline.allUpToEndBefore(i, earliest - gap)) {
                break;
            }
            Segment segment = timeline.segment(i);
            if (!segment.overlaps(query.fromNanos(), query.toNanos())) {
                continue;
            }
            Segments.Lease lease = store.lease(segment);
            if (lease == null) {
                continue;
            }
            leases.add(lease);
            earliest = earliestIn(lease.index(), query, earliest, searched, key, cid);
        }
        return earliest;
    }

    private static long earliestIn(SegmentIndex index, FlowQuery query, long earliest, int[] searched, byte[] key,
            byte[] cid) {
        searched[0]++;
        long result = earliest;
        for (int e = index.firstEntry(query.flowHash()); e >= 0 && e < index.flowCount()
                && index.hash(e) == query.flowHash(); e++) {
            if (matches(index, e, query, key, cid)) {
                result = Math.min(result, index.firstTimestamp(e));
            }
        }
        return result;
    }

    private static boolean matches(SegmentIndex index, int entry, FlowQuery query, byte[] key, byte[] cid) {
        index.copyKey(entry, key, 0);
        index.copyCommunityId(entry, cid, 0);
        return query.matchesKey(key, 0) && query.matchesCommunityId(cid, 0);
    }

    private static ExtractionResult.Outcome whyMissing(FlowQuery query, long horizon) {
        if (horizon == 0) {
            return ExtractionResult.Outcome.NEVER_STORED;
        }
        if (query.seenAtNanos() == 0) {
            return ExtractionResult.Outcome.NOT_FOUND;
        }
        return query.seenAtNanos() <= horizon ? ExtractionResult.Outcome.ROTATED_OUT : ExtractionResult.Outcome.NEVER_STORED;
    }

    private static long recordTimestamp(ByteBuffer pcap, long offset) {
        int o = (int) offset;
        return (pcap.getInt(o) & 0xFFFFFFFFL) * PcapFormat.NANOS_PER_SECOND + (pcap.getInt(o + 4) & 0xFFFFFFFFL);
    }

    private SegmentTimeline timeline(List<Segment> segments) {
        SegmentTimeline t = timeline;
        if (t == null || t.segments() != segments) {
            t = new SegmentTimeline(segments);
            timeline = t;
        }
        return t;
    }

    /** How many segment indexes the store has mapped since it was opened (each at most once while it is cached). */
    public long indexesMapped() {
        return store.indexesMapped();
    }
}
