package io.flowtrap.store;

import io.flowtrap.packet.PacketRecord;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The conditional pcap store: one directory of segments (see {@link Segment}), written by one
 * writer thread of its own, rotated by total size, recovered at open, read by any number of
 * {@link FlowExtractor}s.
 *
 * <p>The capture thread never waits on the disk: {@link #append} copies the packet once into a
 * bounded hand-off allocated up front ({@link PacketHandoff}, {@code writeBufferBytes} of the
 * config) and returns ({@link #appendHeld} hands over packets the capturing side still holds in
 * memory by their positions only, and the writer copies them from there); the {@link StoreWriter}
 * thread writes segments, builds their indexes, seals (flush, fsync, index sort and write, renames,
 * directory fsync, manifest) and rotates. When the
 * hand-off is full, the {@link BackpressurePolicy} chosen at open decides: {@code DROP} (live
 * capture) loses the packet, counted as store backlog ({@link #backlogDroppedPackets},
 * {@link #backlogDroppedBytes}) and {@code append} says so, so the caller can tell which flows
 * have holes; {@code WAIT} (replays) waits for room.
 *
 * <p>What is lost first: the newest packet, the one being appended (tail drop). What waits in the
 * hand-off is older and, for a flow just armed, is the start of the flow from the look-back ring
 * (handshake, the request that matched), which is what an analyst needs most; a flow's newest
 * packets are the tail of something already stored. Tail drop is also the only choice that keeps
 * the hand-off single-producer single-consumer without locks: only the consumer frees room, so
 * the producer cannot take back a record that the writer may be reading.
 *
 * <p>Scaling out: a capture with several threads (PACKET_FANOUT, each with its share of flows)
 * would give each producer its own {@link PacketHandoff}, still single-producer single-consumer,
 * and the one writer would take from each in turn. Segments need no global packet order: the
 * index keeps each flow's packets, and extraction merges them by timestamp.
 *
 * <p>Size bound: before a segment is started, the oldest sealed segments are deleted until the
 * sealed bytes plus one whole segment fit under {@code maxSizeBytes}, so the directory never holds
 * more than the limit plus the index of the segment being written; a deleted segment's mappings
 * are released with it ({@link Segments}), so its blocks do not outlive it uncounted. A disk with
 * less room than that is a bound too: when it has none, the writer deletes the oldest sealed
 * segments until what it writes fits ({@link #rotatedForRoomSegments}). Packets longer than the
 * snaplen are cut to it (their wire length kept), as libpcap does.
 *
 * <p>Threads: {@link #append}, {@link #appendHeld}, {@link #holdFrom}, {@link #handedOffPosition},
 * {@link #awaitTaken} and {@link #tick} belong to the one capturing thread, and so do
 * {@link #flush} and {@link #close} (or call them once it has stopped); everything else is
 * thread-safe. A store opened for writing holds a lock on {@code LOCK}, so two probes cannot
 * write one directory.
 */
public final class PcapStore implements Closeable {
    private static final String LOCK = "LOCK";

    private final Path dir;
    private final StoreConfig config;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final RecoveryReport recoveryReport;
    private final FlowExtractor extractor;
    private final PacketSearch search;
    private final BackpressurePolicy backpressure;
    private final PacketHandoff handoff; // null when read-only
    private final StoreWriter writer; // null when read-only
    private final Segments segments;
    private boolean closed;

    private PcapStore(Path dir, StoreConfig config, FileChannel lockChannel, FileLock lock, RecoveryReport report,
            BackpressurePolicy backpressure, PacketHandoff handoff, StoreWriter writer, Segments segments) {
        this.dir = dir;
        this.config = config;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.recoveryReport = report;
        this.backpressure = backpressure;
        this.handoff = handoff;
        this.writer = writer;
        this.segments = segments;
        this.extractor = new FlowExtractor(segments);
        this.search = new PacketSearch(segments);
    }

    /** Opens (creating if needed) and recovers a store for writing, waiting for room when the hand-off is full ({@link BackpressurePolicy#WAIT}). */
    public static PcapStore open(Path dir, StoreConfig config) throws IOException {
        return open(dir, config, BackpressurePolicy.WAIT, WriteFailureListener.NONE);
    }

    /**
     * Opens (creating if needed) and recovers a store for writing, and starts its writer thread.
     * {@code backpressure} says what {@link #append} does when the writer is behind; the listener
     * hears of write failures (once per episode, on the writer thread).
     */
    public static PcapStore open(Path dir, StoreConfig config, BackpressurePolicy backpressure,
            WriteFailureListener listener) throws IOException {
        StoreFiles.createPrivateDirectories(dir);
        FileChannel lockChannel = StoreFiles.openForWriting(dir.resolve(LOCK), StandardOpenOption.CREATE);
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
            StoreManifest manifest = readManifest(dir).withSegments(segments);
            manifest.write(dir);
            long next = segments.isEmpty() ? 1 : segments.get(segments.size() - 1).sequence() + 1;
            PacketHandoff handoff = new PacketHandoff(config.writeBufferBytes());
            Segments owner = new Segments(dir, manifest);
            StoreWriter writer = new StoreWriter(owner, config, handoff, listener, Math.max(next, 1));
            PcapStore store = new PcapStore(dir, config, lockChannel, lock, recovery.report(), backpressure, handoff,
                    writer, owner);
            writer.start();
            return store;
        } catch (IOException | RuntimeException | Error e) {
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    /**
     * Opens a store to read: no recovery, no lock, no writes. What is sealed, and of a segment a
     * probe is writing, its whole records as they were on disk at this call (what the writer had
     * flushed; a probe's carve request flushes first).
     */
    public static PcapStore openReadOnly(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("no store at " + dir);
        }
        List<Segment> segments = Segments.sealedOf(dir);
        StoreManifest manifest = readManifest(dir);
        Segments owner = new Segments(dir, manifest.withSegments(segments));
        owner.activeSegment(Segments.scanActive(dir, segments)); // a probe may be writing it: its flushed records
        return new PcapStore(dir, null, null, null, new RecoveryReport(List.of(), 0, 0, 0), null, null, null, owner);
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

    /** Searches the store by filter and time window (every packet of the candidate segments is read). */
    public PacketSearch search() {
        return search;
    }

    /** What {@link #append} does when the writer is behind; null for a read-only store. */
    public BackpressurePolicy backpressure() {
        return backpressure;
    }

    /**
     * Hands one packet of a flow named by its Community ID digest ({@code cid[cidOffset, +20)}) and
     * {@link io.flowtrap.packet.FlowKey} to the writer: one copy, no lock, no allocation, no system
     * call. True if it was taken; false if it was lost to the store backlog (policy {@code DROP},
     * or an interrupted {@code WAIT}), counted. The capturing thread only.
     */
    public boolean append(PacketRecord packet, byte[] cid, int cidOffset, byte[] key, int keyOffset) {
        requireWritable();
        int caplen = Math.min(packet.capturedLength(), config.snaplen());
        if (handoff.offer(packet, caplen, cid, cidOffset, key, keyOffset)) {
            return true;
        }
        if (backpressure == BackpressurePolicy.WAIT && handoff.awaitRoom(caplen)
                && handoff.offer(packet, caplen, cid, cidOffset, key, keyOffset)) {
            return true;
        }
        handoff.countDropped(caplen);
        return false;
    }

    /**
     * Names where the packets {@link #appendHeld} hands over by position are held. The capturing
     * thread, before its first {@code appendHeld} and again only when every position handed over so
     * far has been taken ({@link #takenPosition()} has reached {@link #handedOffPosition()}).
     */
    public void holdFrom(HeldPackets held) {
        requireWritable();
        writer.holdFrom(held);
    }

    /**
     * Hands packets of one flow that the capturing side holds ({@link #holdFrom}) to the writer by
     * their positions, oldest first: the writer copies them from where they are, so the capturing
     * thread copies 8 bytes a packet instead of the packet. Returns how many of them, from the
     * first, were taken; the rest were lost to the store backlog (policy {@code DROP}, or an
     * interrupted {@code WAIT}), counted. The positions taken must stay unchanged until {@link
     * #takenPosition()} reaches the {@link #handedOffPosition()} this call leaves. The capturing thread only.
     */
    public int appendHeld(long[] positions, int count, byte[] cid, int cidOffset, byte[] key, int keyOffset) {
        requireWritable();
        int taken = 0;
        while (taken < count) {
            int n = Math.min(count - taken, handoff.maxHeldPerRecord());
            if (!handoff.offerHeld(positions, taken, n, cid, cidOffset, key, keyOffset)
                    && !(backpressure == BackpressurePolicy.WAIT && handoff.awaitRoomHeld(n)
                            && handoff.offerHeld(positions, taken, n, cid, cidOffset, key, keyOffset))) {
                break;
            }
            taken += n;
        }
        HeldPackets held = writer.heldPackets();
        for (int i = taken; i < count; i++) {
            handoff.countDropped(Math.min(held.heldCapturedLength(positions[i]), config.snaplen()));
        }
        return taken;
    }

    /** The capturing thread: the hand-off's running position after everything handed over so far. */
    public long handedOffPosition() {
        requireWritable();
        return handoff.producedPosition();
    }

    /**
     * Thread-safe: the hand-off position up to which the writer is done with what it was handed: held
     * packets named before it may change once this reaches past them.
     */
    public long takenPosition() {
        requireWritable();
        return handoff.takenPosition();
    }

    /**
     * The capturing thread, for a replay: waits until {@link #takenPosition()} reaches {@code
     * position}; false if interrupted. IllegalStateException if the writer has stopped for good.
     */
    public boolean awaitTaken(long position) {
        requireWritable();
        return handoff.awaitTaken(position);
    }

    /**
     * Publishes the capturing thread's packet clock; the writer seals the active segment once it
     * is older than the segment age by it. A volatile store: call it at housekeeping, not per packet.
     */
    public void tick(long nowNanos) {
        requireWritable();
        handoff.tick(nowNanos);
    }

    /**
     * Thread-safe: asks the writer to seal the active segment once every packet appended before
     * this call is written, so that extractors see them; returns a ticket for {@link #awaitSeal}.
     * The capturing thread is not involved.
     */
    public long requestSeal() {
        requireWritable();
        return writer.requestSeal();
    }

    /**
     * Thread-safe: waits (on a condition, woken by the writer) until the seal asked for with
     * {@code ticket}, or a later one, is done; false if {@code timeoutNanos} ran out. A seal that
     * failed counts as done (the failure is counted): the packets sealed before stay readable.
     */
    public boolean awaitSeal(long ticket, long timeoutNanos) throws InterruptedException {
        requireWritable();
        return writer.awaitSeal(ticket, timeoutNanos);
    }

    /**
     * Thread-safe: asks the writer for new limits ({@code config}'s size, segment size and age; its
     * snaplen and write buffer must be the store's): it takes them up before its next batch, seals
     * a segment already larger than the new segment size and deletes the oldest segments until the
     * store fits under the new size, off the capturing thread; returns a ticket for
     * {@link #awaitReconfigured}.
     */
    public long reconfigure(StoreConfig config) {
        requireWritable();
        return writer.requestConfig(config);
    }

    /** Thread-safe: waits until the limits asked for with {@code ticket} are in force; false if the time ran out. */
    public boolean awaitReconfigured(long ticket, long timeoutNanos) throws InterruptedException {
        requireWritable();
        return writer.awaitConfig(ticket, timeoutNanos);
    }

    /** Thread-safe: the limits in force (the ones it was opened with until {@link #reconfigure}); null if read-only. */
    public StoreConfig config() {
        return writer == null ? null : writer.config();
    }

    /**
     * Thread-safe: asks the writer to make every packet appended before this call readable by
     * extractors without sealing (the active segment flushed, without a sync, and indexed in
     * memory; nothing is renamed, no segment is started); returns a ticket for {@link #awaitReadable}.
     * Cheap enough for every carve: a flush and an index of the active segment, none of it if
     * nothing was appended since the last request. The capturing thread is not involved.
     */
    public long requestReadable() {
        requireWritable();
        return writer.requestReadable();
    }

    /**
     * Thread-safe: waits until the request with {@code ticket} is done; false if {@code timeoutNanos}
     * ran out. One that failed (a full disk) counts as done: what was readable before still is.
     */
    public boolean awaitReadable(long ticket, long timeoutNanos) throws InterruptedException {
        requireWritable();
        return writer.awaitReadable(ticket, timeoutNanos);
    }

    /**
     * Waits until the writer has taken every packet appended so far and tried to write it to its
     * segment file (handed to the OS, not forced): written, or while the disk is full kept in its
     * buffer ({@link #writing()} is false) or lost, counted. For the end of a capture and for tests.
     */
    public void flush() throws IOException {
        requireWritable();
        writer.flush();
    }

    /** Thread-safe: packets lost because the hand-off to the writer was full (policy DROP). */
    public long backlogDroppedPackets() {
        return handoff == null ? 0 : handoff.droppedPackets();
    }

    /** Thread-safe: the captured bytes of those packets. */
    public long backlogDroppedBytes() {
        return handoff == null ? 0 : handoff.droppedBytes();
    }

    /** Thread-safe: bytes handed to the writer and not yet written (held packets count 8 bytes each: their positions). */
    public long backlogBytes() {
        return handoff == null ? 0 : handoff.pendingBytes();
    }

    /** Thread-safe: how many times writing failed (the active segment stays whole; the writer retries a second later). */
    public long writeFailures() {
        return writer == null ? 0 : writer.writeFailures();
    }

    /** Thread-safe: packets taken by {@link #append} that are not in the store because writing failed. */
    public long writeLostPackets() {
        return writer == null ? 0 : writer.lostPackets();
    }

    /** Thread-safe: the captured bytes of those packets. */
    public long writeLostBytes() {
        return writer == null ? 0 : writer.lostBytes();
    }

    /**
     * Thread-safe: false from a write failure (a full disk) until the writer has written again; it
     * tries every second by itself. Packets taken meanwhile wait in its buffer or are lost, counted.
     */
    public boolean writing() {
        return writer == null || writer.writing();
    }

    /** Thread-safe: when writing began to fail (milliseconds since the epoch); 0 while it works. */
    public long writingFailedSinceMillis() {
        return writer == null ? 0 : writer.failingSinceMillis();
    }

    /**
     * Thread-safe: sealed segments deleted since the store was opened because the disk had no room
     * before the store reached {@code maxSizeBytes} (a disk smaller than the limit, or filled by
     * others); they count in the status's rotation totals too. Nothing is lost for them.
     */
    public long rotatedForRoomSegments() {
        return writer == null ? 0 : writer.rotatedForRoomSegments();
    }

    /** Thread-safe: the bytes (pcap and index) of those segments. */
    public long rotatedForRoomBytes() {
        return writer == null ? 0 : writer.rotatedForRoomBytes();
    }

    /** Thread-safe: segments sealed since the store was opened. */
    public long segmentsSealed() {
        return writer == null ? 0 : writer.segmentsSealed();
    }

    /** How the store's segments are written: directly ({@code O_DIRECT}) or through the page cache, and why. */
    public String writeMode() {
        return writer == null ? "opened read-only: nothing written" : writer.writeMode();
    }

    /** Thread-safe: a snapshot of what the store holds. */
    public StoreStatus status() {
        StoreManifest m = segments.manifest();
        Segments.ActiveSegment scanned = writer == null ? segments.activeSegment() : null;
        return new StoreStatus(dir, m.segments(),
                writer != null ? writer.activeBytes() : scanned == null ? 0 : scanned.segment().pcapBytes(),
                writer != null ? writer.activePackets() : scanned == null ? 0 : scanned.segment().packets(),
                writer != null ? writer.activeOldest() : scanned == null ? 0 : scanned.segment().minTimestamp(),
                writer != null ? writer.activeNewest() : scanned == null ? 0 : scanned.segment().maxTimestamp(),
                writer == null ? 0 : writer.config().maxSizeBytes(), m.rotatedHorizon(), m.rotatedSegments(), m.rotatedBytes());
    }

    /** For tests: returns once the writer thread holds still; it takes nothing until {@link #resumeWriter}. */
    void pauseWriter() throws InterruptedException {
        writer.pause();
    }

    void resumeWriter() {
        writer.resume();
    }

    private void requireWritable() {
        if (writer == null) {
            throw new IllegalStateException("the store " + dir + " was opened read-only");
        }
    }

    /** For tests: mappings made and explicitly released by the segments' cache. */
    long mappingsReleased() {
        return segments.mappingsReleased();
    }

    /**
     * Writes everything handed over, seals the active segment, stops the writer, releases the
     * directory and unmaps every segment (a carve still running unmaps its own when it ends).
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (writer == null) {
            segments.close();
            return;
        }
        try {
            writer.close();
            segments.close();
        } finally {
            if (lock != null) {
                lock.release();
                lockChannel.close();
            }
        }
    }
}
