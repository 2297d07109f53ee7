package io.flowtrap.store;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFormat;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The conditional pcap store: one directory of segments (see {@link Segment}), written by one
 * thread, rotated by total size, recovered at open, read by any number of {@link FlowExtractor}s.
 *
 * <p>Size bound: before a segment is started, the oldest sealed segments are deleted until the
 * sealed bytes plus one whole segment fit under {@code maxSizeBytes}, so the directory never holds
 * more than the limit plus the index of the segment being written. Packets longer than the
 * snaplen are cut to it (their wire length kept), as libpcap does.
 *
 * <p>{@link #append}, {@link #tick}, {@link #flush} and {@link #close} belong to the writer thread;
 * {@link #status} and {@link #extractor} are thread-safe. A store opened for writing holds a lock
 * on {@code LOCK}, so two probes cannot write one directory.
 */
public final class PcapStore implements Closeable {
    private static final String LOCK = "LOCK";

    private final Path dir;
    private final StoreConfig config;
    private final boolean readOnly;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final RecoveryReport recoveryReport;
    private final SegmentIndexBuilder indexBuilder = new SegmentIndexBuilder();
    private final ByteBuffer writeBuffer;
    private final FlowExtractor extractor;
    private volatile List<Segment> sealed;
    private volatile StoreManifest manifest;
    private volatile long activeBytes;
    private volatile long activePackets;
    private SegmentWriter active;
    private long nextSequence;

    private PcapStore(Path dir, StoreConfig config, boolean readOnly, FileChannel lockChannel, FileLock lock,
            List<Segment> sealed, StoreManifest manifest, RecoveryReport report) {
        this.dir = dir;
        this.config = config;
        this.readOnly = readOnly;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.sealed = List.copyOf(sealed);
        this.manifest = manifest;
        this.recoveryReport = report;
        this.nextSequence = sealed.isEmpty() ? 1 : sealed.get(sealed.size() - 1).sequence() + 1;
        this.writeBuffer = readOnly ? null : SegmentWriter.newBuffer();
        this.extractor = new FlowExtractor(() -> new FlowExtractor.View(this.sealed, this.manifest.rotatedHorizon()));
    }

    /** Opens (creating if needed) and recovers a store for writing. */
    public static PcapStore open(Path dir, StoreConfig config) throws IOException {
        Files.createDirectories(dir);
        FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // this JVM already writes it
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("the store " + dir + " is in use by another process (" + dir.resolve(LOCK) + " is locked)");
        }
        try {
            SegmentRecovery recovery = new SegmentRecovery(dir);
            List<Segment> segments = recovery.recover();
            StoreManifest manifest = readManifest(dir);
            long next = segments.isEmpty() ? 1 : segments.get(segments.size() - 1).sequence() + 1;
            PcapStore store = new PcapStore(dir, config, false, lockChannel, lock, segments, manifest, recovery.report());
            store.nextSequence = Math.max(next, 1);
            store.manifest = manifest.withSegments(segments);
            store.manifest.write(dir);
            return store;
        } catch (IOException | RuntimeException e) {
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    /** Opens a store to read what is sealed: no recovery, no lock, no writes. */
    public static PcapStore openReadOnly(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("no store at " + dir);
        }
        List<Segment> segments = new ArrayList<>();
        try (var files = Files.newDirectoryStream(dir, "segment-*.idx")) {
            for (Path indexFile : files) {
                long sequence = Segment.sealedIndexSequence(indexFile.getFileName().toString());
                Path pcap = dir.resolve(Segment.pcapName(sequence));
                if (sequence < 0 || !Files.exists(pcap)) {
                    continue;
                }
                SegmentIndex index = SegmentIndex.map(indexFile);
                segments.add(Segment.of(sequence, pcap, indexFile, index));
            }
        }
        segments.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
        StoreManifest manifest = readManifest(dir);
        return new PcapStore(dir, null, true, null, null, segments, manifest.withSegments(segments),
                new RecoveryReport(List.of(), 0, 0, 0));
    }

    private static StoreManifest readManifest(Path dir) throws IOException {
        StoreManifest m = StoreManifest.read(dir);
        return m == null ? StoreManifest.empty() : m;
    }

    public Path dir() {
        return dir;
    }

    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    public FlowExtractor extractor() {
        return extractor;
    }

    /**
     * Appends one packet of a flow named by its Community ID digest ({@code cid[cidOffset, +20)})
     * and {@link io.flowtrap.packet.FlowKey}. Allocation-free in steady state.
     */
    public void append(PacketRecord packet, byte[] cid, int cidOffset, byte[] key, int keyOffset) throws IOException {
        requireWritable();
        int caplen = Math.min(packet.capturedLength(), config.snaplen());
        long ts = packet.timestampNanos();
        if (active != null && (active.size() + PcapFormat.RECORD_HEADER_SIZE + caplen > config.segmentMaxBytes()
                || active.linkType() != packet.linkType()
                || ts - active.firstTimestamp() >= config.segmentMaxAge().toNanos())) {
            sealActive();
        }
        if (active == null) {
            makeRoomForSegment();
            active = new SegmentWriter(dir, nextSequence++, packet.linkType(), config.snaplen(), indexBuilder, writeBuffer);
        }
        active.append(packet, caplen, cid, cidOffset, key, keyOffset);
        activeBytes = active.size();
        activePackets = active.packets();
    }

    /** Seals the active segment once it is older than the segment age, in packet time. */
    public void tick(long nowNanos) throws IOException {
        if (active != null && nowNanos - active.firstTimestamp() >= config.segmentMaxAge().toNanos()) {
            sealActive();
        }
    }

    /** Hands buffered packets to the OS. */
    public void flush() throws IOException {
        if (active != null) {
            active.flush();
        }
    }

    /** Seals the segment being written (if any), so extractors see its packets. */
    public void sealActive() throws IOException {
        if (active == null) {
            return;
        }
        Segment segment = active.seal();
        active = null;
        activeBytes = 0;
        activePackets = 0;
        List<Segment> next = new ArrayList<>(sealed);
        next.add(segment);
        sealed = List.copyOf(next);
        manifest = manifest.withSegments(sealed);
        manifest.write(dir);
    }

    /** Deletes oldest segments until the sealed ones plus one full segment fit under the limit. */
    private void makeRoomForSegment() throws IOException {
        List<Segment> kept = new ArrayList<>(sealed);
        long total = kept.stream().mapToLong(Segment::sizeBytes).sum();
        long horizon = manifest.rotatedHorizon();
        long segmentsGone = manifest.rotatedSegments();
        long bytesGone = manifest.rotatedBytes();
        boolean changed = false;
        while (!kept.isEmpty() && total + config.segmentMaxBytes() > config.maxSizeBytes()) {
            Segment oldest = kept.remove(0);
            // pcap first: an index left alone by a crash here is removed as an orphan at recovery
            Files.deleteIfExists(oldest.pcap());
            Files.deleteIfExists(oldest.index());
            total -= oldest.sizeBytes();
            horizon = Math.max(horizon, oldest.maxTimestamp());
            segmentsGone++;
            bytesGone += oldest.sizeBytes();
            changed = true;
        }
        if (changed) {
            sealed = List.copyOf(kept);
            manifest = new StoreManifest(horizon, segmentsGone, bytesGone, sealed);
            manifest.write(dir);
        }
    }

    public StoreStatus status() {
        StoreManifest m = manifest;
        return new StoreStatus(dir, sealed, activeBytes, activePackets, config == null ? 0 : config.maxSizeBytes(),
                m.rotatedHorizon(), m.rotatedSegments(), m.rotatedBytes());
    }

    private void requireWritable() {
        if (readOnly) {
            throw new IllegalStateException("the store " + dir + " was opened read-only");
        }
    }

    /** Seals the active segment and releases the directory. */
    @Override
    public void close() throws IOException {
        if (readOnly) {
            return;
        }
        try {
            sealActive();
        } finally {
            if (lock != null) {
                lock.release();
                lockChannel.close();
            }
        }
    }
}
