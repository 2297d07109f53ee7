package io.flowtrap.store;

import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFormat;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Carves one flow out of the sealed segments: only segments whose time range fits the query are
 * looked at, each index is binary-searched for the flow hash, and only the flow's records are read
 * (memory-mapped). Every packet is decoded again and must resolve to its index entry's key, so a
 * hash collision or a damaged index never leaks a foreign packet; packets from all segments are
 * merged by timestamp (stable: segment order, then file order) into one nanosecond pcap.
 * Cost grows with the flow and the number of segments, not with the bytes stored.
 *
 * <p>Thread-safe: any number of threads may extract while the writer appends and rotates (a
 * segment deleted during an extraction stays readable through its mapping until it ends).
 */
public final class FlowExtractor {
    /** What the extractor may read: sealed segments oldest first, and the rotation horizon. */
    record View(List<Segment> segments, long rotatedHorizon) {}

    private record OpenSegment(Segment segment, SegmentIndex index, ByteBuffer pcap) {}

    private final Supplier<View> view;
    private final Map<Long, OpenSegment> open = new ConcurrentHashMap<>();

    FlowExtractor(Supplier<View> view) {
        this.view = view;
    }

    /** A carve written to a file: the result, and the file's size and SHA-256 (hex) when found. */
    public record CarvedFile(ExtractionResult result, long size, String sha256) {}

    /**
     * Writes the flow's pcap to {@code destination} through a temporary file beside it, renamed into
     * place only when the flow was found, so no reader ever sees half a carve; when it was not,
     * {@code destination} is left as it was.
     */
    public CarvedFile extractTo(FlowQuery query, Path destination) throws IOException {
        Path dir = destination.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + destination.getFileName(), ".partial");
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            ExtractionResult result;
            try (OutputStream out = new BufferedOutputStream(new DigestOutputStream(Files.newOutputStream(temp), sha256), 1 << 16)) {
                result = extract(query, out);
            }
            if (result.outcome() != ExtractionResult.Outcome.FOUND) {
                return new CarvedFile(result, 0, null);
            }
            long size = Files.size(temp);
            Files.move(temp, destination, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new CarvedFile(result, size, HexFormat.of().formatHex(sha256.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Writes the flow's packets as a pcap to {@code out} (nothing at all if none is found). */
    public ExtractionResult extract(FlowQuery query, OutputStream out) throws IOException {
        View v = view.get();
        forgetDeleted(v.segments());
        List<OpenSegment> sources = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        long[] ts = new long[64];
        long[] where = new long[64]; // source << 48 | key index << 32 | offset (offsets < 2 GB)
        int n = 0;
        long[] postings = null;
        byte[] key = new byte[FlowKey.SIZE];
        byte[] cid = new byte[20];
        for (Segment segment : v.segments()) {
            if (!segment.overlaps(query.fromNanos(), query.toNanos())) {
                continue;
            }
            OpenSegment s = open(segment);
            if (s == null) {
                continue; // rotated out while we looked
            }
            SegmentIndex index = s.index();
            int source = -1;
            for (int e = index.firstEntry(query.flowHash()); e >= 0 && e < index.flowCount()
                    && index.hash(e) == query.flowHash(); e++) {
                index.copyKey(e, key, 0);
                index.copyCommunityId(e, cid, 0);
                if (!query.matchesKey(key, 0) || !query.matchesCommunityId(cid, 0)) {
                    continue;
                }
                if (source < 0) {
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
                for (int i = 0; i < count; i++) {
                    long offset = postings[i];
                    ts[n] = offset + PcapFormat.RECORD_HEADER_SIZE <= s.pcap().limit() ? recordTimestamp(s.pcap(), offset) : 0;
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
            return new ExtractionResult(ExtractionResult.Outcome.FOUND, packets, bytes, first, last, skipped);
        }
        return new ExtractionResult(whyMissing(query, v.rotatedHorizon()), 0, 0, 0, 0, skipped);
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

    private OpenSegment open(Segment segment) throws IOException {
        OpenSegment s = open.get(segment.sequence());
        if (s != null) {
            return s;
        }
        try (FileChannel ch = FileChannel.open(segment.pcap(), StandardOpenOption.READ)) {
            ByteBuffer pcap = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(ch.size(), segment.pcapBytes()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            s = new OpenSegment(segment, SegmentIndex.map(segment.index()), pcap);
        } catch (NoSuchFileException e) {
            return null;
        }
        OpenSegment raced = open.putIfAbsent(segment.sequence(), s);
        return raced != null ? raced : s;
    }

    private void forgetDeleted(List<Segment> segments) {
        if (open.size() > segments.size()) {
            java.util.Set<Long> live = new java.util.HashSet<>();
            for (Segment s : segments) {
                live.add(s.sequence());
            }
            open.keySet().retainAll(live);
        }
    }
}
