package io.flowtrap.store;

import io.flowtrap.pcap.PcapFormat;
import io.flowtrap.pcap.PcapFormatException;
import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one owner of a store directory (Kafka's {@code LogSegments}): it names and classifies the
 * files ({@link #list}), holds the sealed list with the rotation record ({@link #manifest()},
 * written as {@link StoreManifest}), deletes segments for rotation, and keeps the cache of
 * memory mappings that extraction reads through ({@link #lease}).
 *
 * <p>A mapping never outlives its segment: on Java 17 a {@link MappedByteBuffer} is released only
 * when the garbage collector gets to it, so a cached mapping of a segment deleted by rotation
 * would keep its blocks on disk, uncounted, for as long as the heap is quiet. Here every reader
 * holds a {@link Lease} while it reads, and {@link #deleteOldest} takes the segment out of the
 * cache and unmaps it explicitly (the JDK's {@code Unsafe.invokeCleaner}) before its files are
 * unlinked; a segment some carve is reading at that moment is unmapped when that carve ends, so
 * the blocks of a deleted segment are held at most for the length of one carve, as with an open
 * file. A lease on a deleted segment cannot be taken.
 *
 * <p>Threads: the sealed list changes only on the store's writer thread ({@link #added},
 * {@link #deleteOldest}); {@link #manifest()}, {@link #lease} and {@link #activeSegment()} are
 * thread-safe.
 */
final class Segments implements Closeable {
    /** What a directory holds, by kind of file; each map by segment sequence. */
    record Listing(TreeMap<Long, Path> sealedPcaps, TreeMap<Long, Path> sealedIndexes, TreeMap<Long, Path> active,
            List<Path> temporaries) {}

    /**
     * The segment being written as a carve may read it: its records up to the writer's last flush
     * ({@code segment().pcapBytes()}), an index of them made in memory, and its file (hidden while
     * written; {@code segment().pcap()} is the name it gets when sealed).
     */
    record ActiveSegment(Segment segment, SegmentIndex index, Path file) {}

    /** Extraction's hold on one segment's mappings; closing it lets rotation unmap them. */
    interface Lease extends Closeable {
        Segment segment();

        SegmentIndex index();

        /** The segment's pcap bytes (little-endian), mapped at the first call; null if the file is gone. */
        ByteBuffer pcap() throws IOException;

        @Override
        void close();
    }

    private static final MethodHandle INVOKE_CLEANER = invokeCleaner();

    private final Path dir;
    private final ConcurrentHashMap<Long, Mapped> mapped = new ConcurrentHashMap<>();
    private final LongAdder indexesMapped = new LongAdder();
    private final LongAdder unmapped = new LongAdder();
    private volatile StoreManifest manifest;
    /** Segments below this sequence are deleted (rotation deletes the oldest only). */
    private volatile long firstLiveSequence;
    private volatile ActiveSegment activeSegment;

    Segments(Path dir, StoreManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
        this.firstLiveSequence = manifest.segments().isEmpty() ? 0 : manifest.segments().get(0).sequence();
    }

    Path dir() {
        return dir;
    }

    /** Lists and classifies a store directory's files (anything else in it is left alone). */
    static Listing list(Path dir) throws IOException {
        TreeMap<Long, Path> pcaps = new TreeMap<>();
        TreeMap<Long, Path> indexes = new TreeMap<>();
        TreeMap<Long, Path> active = new TreeMap<>();
        List<Path> temporaries = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    temporaries.add(f);
                } else if (Segment.sealedPcapSequence(name) >= 0) {
                    pcaps.put(Segment.sealedPcapSequence(name), f);
                } else if (Segment.sealedIndexSequence(name) >= 0) {
                    indexes.put(Segment.sealedIndexSequence(name), f);
                } else if (Segment.activeSequence(name) >= 0) {
                    active.put(Segment.activeSequence(name), f);
                }
            }
        }
        return new Listing(pcaps, indexes, active, temporaries);
    }

    /** The sealed segments of a directory nobody writes (a read-only store): each pcap with an index that maps. */
    static List<Segment> sealedOf(Path dir) throws IOException {
        Listing listing = list(dir);
        List<Segment> segments = new ArrayList<>();
        for (var e : listing.sealedIndexes().entrySet()) {
            Path pcap = listing.sealedPcaps().get(e.getKey());
            if (pcap == null) {
                continue;
            }
            SegmentIndex index = SegmentIndex.map(e.getValue());
            segments.add(Segment.of(e.getKey(), pcap, e.getValue(), index));
            unmap(index.buffer()); // read for its header only; extraction maps it again through a lease
        }
        return segments;
    }

    /**
     * For a read-only store of a directory a probe may be writing: what a carve can read of its
     * segment being written, found by reading the file's whole records (what the writer has
     * flushed so far) and indexing them in memory, as recovery would; null if there is none or it
     * holds no whole packet. Changes nothing on disk.
     */
    static ActiveSegment scanActive(Path dir, List<Segment> sealed) throws IOException {
        var active = list(dir).active().lastEntry();
        long newestSealed = sealed.isEmpty() ? -1 : sealed.get(sealed.size() - 1).sequence();
        if (active == null || active.getKey() <= newestSealed || Files.size(active.getValue()) < PcapFormat.GLOBAL_HEADER_SIZE) {
            return null;
        }
        SegmentIndexBuilder builder = new SegmentIndexBuilder();
        SegmentRecovery.Scan scan;
        try {
            scan = SegmentRecovery.scan(active.getValue(), builder);
        } catch (NoSuchFileException e) {
            return null; // sealed meanwhile: the next open sees it sealed
        } catch (PcapFormatException e) {
            return null; // not even a whole header yet
        }
        if (builder.packetCount() == 0) {
            return null;
        }
        long sequence = active.getKey();
        SegmentIndex index = SegmentIndex.inMemory(active.getValue(), builder.encode(scan.linkType(), scan.validLength()));
        Segment segment = new Segment(sequence, dir.resolve(Segment.pcapName(sequence)), dir.resolve(Segment.indexName(sequence)),
                scan.validLength(), index.sizeBytes(), builder.packetCount(), builder.flowCount(), builder.minTimestamp(),
                builder.maxTimestamp(), scan.linkType());
        return new ActiveSegment(segment, index, active.getValue());
    }

    // ---- the sealed list

    /** Thread-safe: the sealed segments, oldest first, and what rotation has deleted. */
    StoreManifest manifest() {
        return manifest;
    }

    /** Writer thread: a segment was sealed; readers see it at once, the manifest file follows. */
    void added(Segment segment) throws IOException {
        List<Segment> next = new ArrayList<>(manifest.segments());
        next.add(segment);
        manifest = manifest.withSegments(next); // readers see the segment even if the file below fails
        ActiveSegment a = activeSegment;
        if (a != null && a.segment().sequence() == segment.sequence()) {
            activeSegment = null;
        }
        manifest.write(dir);
    }

    /**
     * Writer thread: deletes the oldest sealed segments while {@code sealedBytesLimit} is exceeded
     * by their total plus {@code headroom} (see {@link #deleteOldest(int)}). Returns how many went.
     */
    int deleteOldest(long sealedBytesLimit, long headroom) throws IOException {
        long total = manifest.segments().stream().mapToLong(Segment::sizeBytes).sum();
        int count = 0;
        for (Segment s : manifest.segments()) {
            if (total + headroom <= sealedBytesLimit) {
                break;
            }
            total -= s.sizeBytes();
            count++;
        }
        return count == 0 ? 0 : deleteOldest(count);
    }

    /**
     * Writer thread: deletes the {@code count} oldest sealed segments (all of them if there are
     * fewer); each is taken out of the list first, then unmapped (or marked to be when its last
     * carve ends), then its files are unlinked (pcap first: an index left alone by a crash here is
     * removed as an orphan at recovery); then the manifest file is written. Returns how many went.
     * If it throws, those taken out of the list before are gone from it all the same (their files
     * perhaps not yet, which recovery deals with at the next open).
     */
    int deleteOldest(int count) throws IOException {
        StoreManifest m = manifest;
        List<Segment> kept = new ArrayList<>(m.segments());
        long horizon = m.rotatedHorizon();
        long segmentsGone = m.rotatedSegments();
        long bytesGone = m.rotatedBytes();
        int deleted = 0;
        try {
            while (!kept.isEmpty() && deleted < count) {
                Segment oldest = kept.remove(0);
                horizon = Math.max(horizon, oldest.maxTimestamp());
                segmentsGone++;
                bytesGone += oldest.sizeBytes();
                manifest = new StoreManifest(horizon, segmentsGone, bytesGone, kept);
                firstLiveSequence = oldest.sequence() + 1;
                deleted++;
                Mapped cached = mapped.remove(oldest.sequence());
                if (cached != null) {
                    cached.retire();
                }
                Files.deleteIfExists(oldest.pcap());
                Files.deleteIfExists(oldest.index());
            }
        } finally {
            if (deleted > 0) {
                manifest.write(dir);
            }
        }
        return deleted;
    }

    // ---- the segment being written

    /** Writer thread: publishes what carves may read of the active segment (null: nothing). */
    void activeSegment(ActiveSegment active) {
        activeSegment = active;
    }

    /** The sealed segments and the active one, as one reader sees them: {@code active} is null if none or sealed meanwhile. */
    record View(StoreManifest manifest, ActiveSegment active) {}

    /**
     * Thread-safe: the sealed list and the active segment, consistent: the active segment is read
     * first, so were it sealed in between, the sealed list read next holds it (and it is left out).
     */
    View view() {
        ActiveSegment active = activeSegment();
        StoreManifest m = manifest();
        if (active != null && !m.segments().isEmpty()
                && m.segments().get(m.segments().size() - 1).sequence() >= active.segment().sequence()) {
            active = null; // sealed meanwhile: it is in the list
        }
        return new View(m, active);
    }

    /** Thread-safe: what carves may read of the active segment, or null. */
    ActiveSegment activeSegment() {
        return activeSegment;
    }

    // ---- the mapping cache

    /**
     * Thread-safe: a hold on a sealed segment's mappings (its index mapped now, its pcap at the
     * first {@link Lease#pcap()}); null if the segment has been deleted. Close it when done.
     */
    Lease lease(Segment segment) throws IOException {
        while (true) {
            if (segment.sequence() < firstLiveSequence) {
                return null;
            }
            Mapped m = mapped.get(segment.sequence());
            if (m == null) {
                SegmentIndex index;
                try {
                    index = SegmentIndex.map(segment.index());
                } catch (NoSuchFileException e) {
                    return null; // rotated out while we looked
                }
                Mapped fresh = new Mapped(segment, index);
                m = mapped.putIfAbsent(segment.sequence(), fresh);
                if (m == null) {
                    m = fresh;
                    indexesMapped.increment();
                    if (segment.sequence() < firstLiveSequence) {
                        // rotation took it between our check and our insert: it may not see our mapping
                        mapped.remove(segment.sequence(), m);
                        m.retire();
                        return null;
                    }
                } else {
                    fresh.retire(); // another reader was first
                }
            }
            if (m.acquire()) {
                return new SealedLease(m);
            }
            mapped.remove(segment.sequence(), m); // retired under us: look again (it is deleted, or remapped)
        }
    }

    /**
     * Thread-safe: a hold on the active segment as {@code active} describes it: its index is in
     * memory; its file is mapped (up to the flushed length) at the first {@link Lease#pcap()} under
     * its hidden name, or under its sealed name if it was sealed meanwhile, and unmapped at close.
     */
    Lease lease(ActiveSegment active) {
        return new ActiveLease(active);
    }

    /** How many index mappings were made since the store was opened (each sealed index once while it is cached). */
    long indexesMapped() {
        return indexesMapped.sum();
    }

    /** How many mappings were released explicitly (rotation, close). */
    long mappingsReleased() {
        return unmapped.sum();
    }

    /** Unmaps every cached mapping (those still leased, when their carve ends). */
    @Override
    public void close() {
        for (Long sequence : List.copyOf(mapped.keySet())) {
            Mapped m = mapped.remove(sequence);
            if (m != null) {
                m.retire();
            }
        }
    }

    /** One sealed segment's mappings, shared by every lease on it. */
    private final class Mapped {
        private final Segment segment;
        private final SegmentIndex index;
        private ByteBuffer pcap; // guarded by this
        private boolean pcapGone; // guarded by this
        private int leases; // guarded by this
        private boolean retired; // guarded by this

        Mapped(Segment segment, SegmentIndex index) {
            this.segment = segment;
            this.index = index;
        }

        synchronized boolean acquire() {
            if (retired) {
                return false;
            }
            leases++;
            return true;
        }

        synchronized ByteBuffer pcap() throws IOException {
            if (pcap == null && !pcapGone) {
                pcap = mapPcap(segment.pcap(), segment.pcapBytes());
                pcapGone = pcap == null;
            }
            return pcap;
        }

        synchronized void release() {
            if (--leases == 0 && retired) {
                unmapAll();
            }
        }

        synchronized void retire() {
            if (retired) {
                return;
            }
            retired = true;
            if (leases == 0) {
                unmapAll();
            }
        }

        private void unmapAll() {
            if (unmap(index.buffer())) {
                unmapped.increment();
            }
            if (pcap != null && unmap(pcap)) {
                unmapped.increment();
            }
            pcap = null;
        }
    }

    private static final class SealedLease implements Lease {
        private final Mapped mapped;
        private boolean closed;

        SealedLease(Mapped mapped) {
            this.mapped = mapped;
        }

        @Override
        public Segment segment() {
            return mapped.segment;
        }

        @Override
        public SegmentIndex index() {
            return mapped.index;
        }

        @Override
        public ByteBuffer pcap() throws IOException {
            return mapped.pcap();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                mapped.release();
            }
        }
    }

    private static final class ActiveLease implements Lease {
        private final ActiveSegment active;
        private ByteBuffer pcap;
        private boolean tried;

        ActiveLease(ActiveSegment active) {
            this.active = active;
        }

        @Override
        public Segment segment() {
            return active.segment();
        }

        @Override
        public SegmentIndex index() {
            return active.index();
        }

        @Override
        public ByteBuffer pcap() throws IOException {
            if (!tried) {
                tried = true;
                pcap = mapPcap(active.file(), active.segment().pcapBytes());
                if (pcap == null) {
                    pcap = mapPcap(active.segment().pcap(), active.segment().pcapBytes()); // sealed meanwhile
                }
            }
            return pcap;
        }

        @Override
        public void close() {
            if (pcap != null) {
                unmap(pcap);
                pcap = null;
            }
        }
    }

    /** Maps {@code length} bytes of a pcap (or what it has, if shorter); null if the file is gone. */
    private static ByteBuffer mapPcap(Path file, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(ch.size(), length)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Releases a mapping now; it must never be read again. False if the JDK offers no way (the
     * collector then releases it) or the buffer is no mapping of its own (a duplicate or slice).
     */
    private static boolean unmap(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
            return false;
        }
        try {
            INVOKE_CLEANER.invokeExact(buffer);
            return true;
        } catch (RuntimeException e) {
            return false;
        } catch (Throwable t) {
            throw new IllegalStateException("unmapping failed", t);
        }
    }

    /**
     * {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)} (module jdk.unsupported, open to reflection
     * on Java 17 without flags): the only way a Java 17 program can release a mapping at a time of
     * its choosing. Looked up reflectively so the build's -Werror sees no internal API.
     */
    private static MethodHandle invokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            var field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            Object unsafe = field.get(null);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
