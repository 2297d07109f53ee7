package io.flowtrap.store;

import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import io.flowtrap.pcap.PcapFormat;
import io.flowtrap.pcap.PcapFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Brings a store directory back to a consistent state at open, as Kafka's log recovery and
 * Stenographer do: temporary files are deleted; an index without its pcap is deleted; a segment
 * left active by a crash has its torn or damaged tail (or the zeros of a padded direct write,
 * {@link SegmentWriter}) cut to its last whole record and is indexed
 * and sealed; a sealed segment whose index is missing, damaged, of another version or disagrees
 * with its pcap's length gets its pcap checked the same way and its index rebuilt. Indexes are
 * derived data and never trusted over the pcap.
 *
 * <p>Rebuilt indexes give each flow the Community ID of its first packet in the segment, as the
 * capture path does for its first packet overall; a non-first IP fragment whose first fragment
 * lies in an earlier segment cannot be attributed and stays in the pcap unindexed (reported).
 * Not thread-safe; runs before the store accepts writes.
 */
final class SegmentRecovery {
    private final Path dir;
    private final List<String> actions = new ArrayList<>();
    private long bytesCut;
    private int indexesRebuilt;
    private int filesRemoved;

    SegmentRecovery(Path dir) {
        this.dir = dir;
    }

    /** Repairs the directory; returns its sealed segments, oldest first. */
    List<Segment> recover() throws IOException {
        Segments.Listing listing = Segments.list(dir);
        for (Path temporary : listing.temporaries()) {
            remove(temporary, "leftover temporary file");
        }
        TreeMap<Long, Path> pcaps = listing.sealedPcaps();
        TreeMap<Long, Path> indexes = listing.sealedIndexes();
        TreeMap<Long, Path> active = listing.active();
        for (Map.Entry<Long, Path> e : indexes.entrySet()) {
            if (!pcaps.containsKey(e.getKey())) {
                remove(e.getValue(), "index without its pcap");
            }
        }
        List<Segment> segments = new ArrayList<>();
        for (Map.Entry<Long, Path> e : active.entrySet()) {
            long sequence = e.getKey();
            Path sealedPcap = dir.resolve(Segment.pcapName(sequence));
            if (pcaps.containsKey(sequence)) {
                remove(e.getValue(), "active copy of an already sealed segment");
                continue;
            }
            Segment s = rebuild(e.getValue(), sequence, "segment " + sequence + " was being written");
            if (s == null) {
                continue;
            }
            Files.move(e.getValue(), sealedPcap, StandardCopyOption.ATOMIC_MOVE);
            s = new Segment(sequence, sealedPcap, s.index(), s.pcapBytes(), s.indexBytes(), s.packets(), s.flows(),
                    s.minTimestamp(), s.maxTimestamp(), s.linkType());
            segments.add(s);
        }
        for (Map.Entry<Long, Path> e : pcaps.entrySet()) {
            long sequence = e.getKey();
            Path indexFile = dir.resolve(Segment.indexName(sequence));
            String problem;
            try {
                SegmentIndex index = SegmentIndex.load(indexFile);
                if (index.pcapLength() == Files.size(e.getValue())) {
                    segments.add(Segment.of(sequence, e.getValue(), indexFile, index));
                    continue;
                }
                problem = "index covers " + index.pcapLength() + " bytes, the pcap has " + Files.size(e.getValue());
            } catch (java.nio.file.NoSuchFileException ex) {
                problem = "no index";
            } catch (IOException ex) {
                problem = ex.getMessage();
            }
            Segment s = rebuild(e.getValue(), sequence, "segment " + sequence + ": " + problem);
            if (s != null) {
                segments.add(s);
            }
        }
        segments.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
        StoreFiles.syncDirectory(dir);
        return segments;
    }

    RecoveryReport report() {
        return new RecoveryReport(actions, bytesCut, indexesRebuilt, filesRemoved);
    }

    /**
     * Cuts the pcap to its last whole record and writes its index; returns the segment (index at
     * its sealed name), or null if no whole record was left (the file is then removed).
     */
    private Segment rebuild(Path pcap, long sequence, String why) throws IOException {
        SegmentIndexBuilder builder = new SegmentIndexBuilder();
        long fileSize = Files.size(pcap);
        if (fileSize < PcapFormat.GLOBAL_HEADER_SIZE) {
            remove(pcap, why + "; not even a pcap header was written");
            return null;
        }
        Scan scan;
        try {
            scan = scan(pcap, builder);
        } catch (PcapFormatException e) {
            remove(pcap, why + "; not a readable pcap (" + e.getMessage() + ")");
            return null;
        }
        if (scan.damage() != null) {
            actions.add(why + ": " + scan.damage());
        }
        long valid = scan.validLength();
        int linkType = scan.linkType();
        long unindexed = scan.unindexed();
        if (valid < fileSize) {
            try (FileChannel ch = FileChannel.open(pcap, StandardOpenOption.WRITE)) {
                ch.truncate(valid);
                ch.force(true);
            }
            bytesCut += fileSize - valid;
            actions.add(why + ": cut " + (fileSize - valid) + " bytes after the last whole record at " + valid);
        }
        if (builder.packetCount() == 0 && unindexed == 0) {
            remove(pcap, why + "; no whole packet in it");
            return null;
        }
        Path indexFile = dir.resolve(Segment.indexName(sequence));
        Path temp = dir.resolve(Segment.indexName(sequence) + ".tmp");
        long indexBytes = builder.write(temp, linkType, valid);
        Files.move(temp, indexFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        indexesRebuilt++;
        actions.add(why + ": index rebuilt (" + builder.packetCount() + " packets, " + builder.flowCount() + " flows"
                + (unindexed > 0 ? ", " + unindexed + " packets without a flow left unindexed" : "") + ")");
        return new Segment(sequence, pcap, indexFile, valid, indexBytes, builder.packetCount(), builder.flowCount(),
                builder.minTimestamp(), builder.maxTimestamp(), linkType);
    }

    /** What {@link #scan} found: where the whole records end, the link type, packets without a flow, damage seen. */
    record Scan(long validLength, int linkType, long unindexed, String damage) {}

    /**
     * Reads a segment's pcap from the start to its last whole record, adding each packet to
     * {@code builder} (reset first) as the capture path would have: by flow key, each flow with the
     * Community ID of its first packet here. Changes nothing on disk. PcapFormatException if the
     * file is no readable pcap at all.
     */
    static Scan scan(Path pcap, SegmentIndexBuilder builder) throws IOException {
        builder.reset();
        FlowResolver resolver = new FlowResolver();
        byte[] key = new byte[FlowKey.SIZE];
        byte[] cid = new byte[20];
        Map<ByteBuffer, byte[]> flowIds = new HashMap<>();
        PacketRecord packet = new PacketRecord();
        long unindexed = 0;
        String damage = null;
        try (PcapFileReader reader = PcapFileReader.open(pcap)) {
            int linkType = reader.linkType();
            long padding = -1;
            try {
                while (reader.next(packet)) {
                    if (isPadding(packet)) {
                        padding = reader.recordOffset(); // a crash came between a padded write and its cut
                        break;
                    }
                    if (!resolver.resolve(packet, key, 0)) {
                        unindexed++;
                        continue;
                    }
                    ByteBuffer k = ByteBuffer.wrap(Arrays.copyOf(key, FlowKey.SIZE));
                    byte[] flowCid = flowIds.get(k);
                    if (flowCid == null) {
                        resolver.communityId(cid, 0);
                        flowCid = cid.clone();
                        flowIds.put(k, flowCid);
                    }
                    builder.add(flowCid, 0, key, 0, reader.recordOffset(), packet.timestampNanos());
                }
            } catch (PcapFormatException e) {
                damage = "damaged record at offset " + e.offset() + " (" + e.getMessage() + ")";
            }
            return new Scan(padding >= 0 ? padding : reader.validLength(), linkType, unindexed, damage);
        }
    }

    /**
     * A record of all zeros (no time, no bytes, wire length 0): what {@link SegmentWriter} pads
     * its last block with, never a packet (the capture path stores none of 0 bytes).
     */
    private static boolean isPadding(PacketRecord packet) {
        return packet.capturedLength() == 0 && packet.wireLength() == 0 && packet.timestampNanos() == 0;
    }

    private void remove(Path file, String why) throws IOException {
        Files.deleteIfExists(file);
        filesRemoved++;
        actions.add("removed " + file.getFileName() + ": " + why);
    }
}
