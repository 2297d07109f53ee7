package io.flowtrap.store;

import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import io.flowtrap.pcap.PcapFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Checks a store without changing it: every sealed pcap reads to its end with whole records, every
 * index loads (magic, version, checksum) and covers exactly its pcap, its postings point at record
 * starts, each posted packet resolves to its entry's flow key, and every record is posted exactly
 * once. Thread-safe (stateless).
 */
public final class StoreVerifier {

    public VerifyReport verify(Path dir) throws IOException {
        List<String> damages = new ArrayList<>();
        Segments.Listing listing = Segments.list(dir);
        Set<Long> pcaps = listing.sealedPcaps().keySet();
        Set<Long> indexes = listing.sealedIndexes().keySet();
        for (Path active : listing.active().values()) {
            damages.add(active.getFileName() + ": a segment left unsealed (the probe is writing it, or crashed)");
        }
        long packets = 0;
        long flows = 0;
        for (long sequence : indexes) {
            if (!pcaps.contains(sequence)) {
                damages.add(Segment.indexName(sequence) + ": index without its pcap");
            }
        }
        for (long sequence : pcaps) {
            Path pcap = dir.resolve(Segment.pcapName(sequence));
            Path indexFile = dir.resolve(Segment.indexName(sequence));
            if (!indexes.contains(sequence)) {
                damages.add(pcap.getFileName() + ": no index");
                continue;
            }
            SegmentIndex index;
            try {
                index = SegmentIndex.load(indexFile);
            } catch (IOException e) {
                damages.add(e.getMessage());
                continue;
            }
            long[] offsets = new long[1024];
            int records = 0;
            try (PcapFileReader reader = PcapFileReader.open(pcap)) {
                PacketRecord p = new PacketRecord();
                try {
                    while (reader.next(p)) {
                        if (records == offsets.length) {
                            offsets = Arrays.copyOf(offsets, records * 2);
                        }
                        offsets[records++] = reader.recordOffset();
                    }
                    if (reader.truncatedTail()) {
                        damages.add(pcap.getFileName() + ": torn record after offset " + reader.validLength());
                    }
                } catch (PcapFormatException e) {
                    damages.add(e.getMessage());
                }
            } catch (PcapFormatException e) {
                damages.add(e.getMessage());
                continue;
            }
            long size = Files.size(pcap);
            if (index.pcapLength() != size) {
                damages.add(indexFile.getFileName() + ": covers " + index.pcapLength() + " bytes, the pcap has " + size);
            }
            if (index.packetCount() != records) {
                damages.add(indexFile.getFileName() + ": says " + index.packetCount() + " packets, the pcap has " + records);
            }
            boolean[] posted = new boolean[records];
            FlowResolver resolver = new FlowResolver();
            byte[] key = new byte[FlowKey.SIZE];
            byte[] entryKey = new byte[FlowKey.SIZE];
            long[] postings = null;
            try (PcapFileReader reader = PcapFileReader.open(pcap)) {
                PacketRecord p = new PacketRecord();
                // Resolve in file order (fragments need their first fragment first), then compare.
                byte[][] keyOf = new byte[records][];
                int r = 0;
                try {
                    while (r < records && reader.next(p)) {
                        keyOf[r++] = resolver.resolve(p, key, 0) ? key.clone() : null;
                    }
                } catch (PcapFormatException e) {
                    // already reported above
                }
                for (int e = 0; e < index.flowCount(); e++) {
                    flows++;
                    index.copyKey(e, entryKey, 0);
                    try {
                        postings = index.postings(e, postings);
                    } catch (IOException ex) {
                        damages.add(ex.getMessage());
                        continue;
                    }
                    for (int i = 0; i < index.packets(e); i++) {
                        int at = Arrays.binarySearch(offsets, 0, records, postings[i]);
                        if (at < 0) {
                            damages.add(indexFile.getFileName() + ": entry " + e + " points at offset " + postings[i]
                                    + ", which is no record start");
                            continue;
                        }
                        if (posted[at]) {
                            damages.add(indexFile.getFileName() + ": record at offset " + postings[i] + " posted twice");
                        }
                        posted[at] = true;
                        if (keyOf[at] == null || !FlowKey.equals(keyOf[at], 0, entryKey, 0)) {
                            damages.add(pcap.getFileName() + ": record at offset " + postings[i]
                                    + " does not belong to the flow " + FlowKey.toString(entryKey, 0));
                        }
                    }
                }
            }
            for (int i = 0; i < records; i++) {
                if (!posted[i]) {
                    damages.add(pcap.getFileName() + ": record at offset " + offsets[i] + " is in no flow of the index");
                }
            }
            packets += records;
        }
        return new VerifyReport(pcaps.size(), packets, flows, damages);
    }
}
