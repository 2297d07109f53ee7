package io.flowtrap.store;

import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The store's writer: while the store is open, the one thread that writes its directory. It takes
 * the records of the {@link PacketHandoff} in order (packets, and positions of packets it copies
 * from where the capturing side holds them, {@link HeldPackets}) and appends them to the active segment
 * ({@link SegmentWriter}, its index growing in a {@link SegmentIndexBuilder}); it seals the segment
 * when the next packet would make it too large, when it is older than the segment age in packet
 * time (the producer's clock), on request and at close; on request it also makes the active
 * segment readable as it stands, without sealing it (a carve wants to see fresh packets: flush,
 * index in memory, published on {@link Segments}); before it starts a segment it has
 * {@link Segments} delete the oldest ones to stay under the size limit. The capture thread never
 * waits for any of it.
 *
 * <p>A disk smaller than the size limit (or shared, and filled by others): when the file system
 * has no room (ENOSPC, EDQUOT) for what the writer is doing (a record, a seal, a new segment),
 * it deletes the oldest sealed segment and tries again at once, segment after segment, until it
 * fits or only the active segment is left; nothing is lost for it (a segment a carve is reading
 * gives its blocks back when that carve ends, so a later one may go too). Those segments are counted
 * apart ({@link #rotatedForRoomSegments}, also in the store's rotation totals), and the listener
 * hears once when it starts and once when the size limit is what rotates again.
 *
 * <p>A failure (an IOException such as a full disk, or a bug) never reaches the capture thread and
 * never stops this one, and costs only what cannot be kept: the active segment stays, whole
 * (a flush that fails is cut back and kept buffered, see {@link SegmentWriter}); for the next
 * second nothing is written, and packets that do not fit in the write buffer meanwhile are lost,
 * counted (packets and bytes); then writing is tried again, and again a second after each failure,
 * until it works: the writer resumes by itself once the disk has room. The listener hears of each
 * episode once, when it starts and when something is written again; {@link #writing()} says
 * whether writing works now.
 *
 * <p>{@link #run} is the writer thread; every other method is thread-safe.
 */
final class StoreWriter implements Runnable {
    /**
     * How long the writer sleeps when the hand-off is empty, then, after a while of nothing, longer
     * (a quiet wire costs no busy core); requests and a producer that has to wait wake it at once,
     * and the hand-off holds far more than the longest sleep's worth of packets.
     */
    private static final long IDLE_PARK_NANOS = 1_000_000L;
    private static final long QUIET_PARK_NANOS = 10_000_000L;
    private static final int QUIET_AFTER_IDLE_PARKS = 100;
    /** After a failure, nothing is written for this long (packets that do not fit in the buffer are lost, counted). */
    private static final long RETRY_NANOS = 1_000_000_000L;
    /** Records read between two releases of their room to the producer. */
    private static final int RELEASE_EVERY = 64;
    /** Packets written (about: a held-packets record is not split) before the writer looks at requests and the clock again. */
    private static final int BATCH = 4096;

    private final Path dir;
    private final Segments segments;
    private final PacketHandoff handoff;
    private final WriteFailureListener listener;
    private final SegmentIndexBuilder indexBuilder = new SegmentIndexBuilder();
    /** How the directory is written ({@link DirectWrites}): {@link #writeBuffer} is aligned to its block. */
    private final DirectWrites.Mode writeMode;
    private final ByteBuffer writeBuffer;
    private final PacketRecord packet = new PacketRecord();
    private final byte[] cid = new byte[CommunityId.DIGEST_SIZE];
    private final byte[] key = new byte[FlowKey.SIZE];

    /** Guards the waits of requesters (seal, flush, pause); the writer notifies it. */
    private final Object monitor = new Object();
    private final AtomicLong sealsRequested = new AtomicLong();
    private final AtomicLong flushesRequested = new AtomicLong();
    private final AtomicLong readsRequested = new AtomicLong();
    private final AtomicLong configsRequested = new AtomicLong();
    /** The limits asked for last ({@link #requestConfig}); the writer takes them up between batches. */
    private volatile StoreConfig requestedConfig;
    private volatile long configsDone;
    /** The limits in force, published for readers (status). */
    private volatile StoreConfig publishedConfig;
    private volatile long sealsDone;
    private volatile long readsDone;
    private volatile long flushesDone;
    private volatile boolean closing;
    private volatile boolean pauseRequested;
    private volatile boolean paused;
    private volatile Thread thread;
    private volatile Throwable died;
    /** Where held-packets records point (set by the capturing thread before it hands any over). */
    private volatile HeldPackets heldPackets;

    // Published by the writer thread for readers (status, extraction, metrics).
    private volatile long activeBytes;
    private volatile long activePackets;
    /** The active segment's oldest and newest packet times, ns (0: no packet in it). */
    private volatile long activeOldest;
    private volatile long activeNewest;
    private volatile long segmentsSealed;
    private volatile long writeFailures;
    private volatile long lostPackets;
    private volatile long lostBytes;
    private volatile boolean failing;
    private volatile long failingSinceMillis;
    private volatile long rotatedForRoomSegments;
    private volatile long rotatedForRoomBytes;

    // The writer thread's own.
    private StoreConfig config;
    private SegmentWriter active;
    /** The producer's clock when {@code active} opened (its first packet's time if the producer had not ticked yet). */
    private long activeOpenedOnClock;
    private long nextSequence;
    private int idleParks;
    private long retryAtNanos; // 0: not backing off
    private long failedSequence = -1; // the active segment when writing last failed (-1: none)
    private long flushesAtFailure; // its successful flushes then
    private long episodeFailures;
    private long episodeLost;
    private boolean rotatingForRoom; // since the disk last had no room, until the size limit rotates again
    private long roomEpisodeSegments;
    private long roomEpisodeBytes;

    StoreWriter(Segments segments, StoreConfig config, PacketHandoff handoff, WriteFailureListener listener,
            long nextSequence) {
        this.dir = segments.dir();
        this.segments = segments;
        this.config = config;
        this.requestedConfig = config;
        this.publishedConfig = config;
        this.handoff = handoff;
        this.listener = listener;
        this.nextSequence = nextSequence;
        this.writeMode = DirectWrites.of(dir);
        this.writeBuffer = SegmentWriter.newBuffer(writeMode.block());
    }

    /** How segments are written: directly or through the page cache, and why (for the probe's log). */
    String writeMode() {
        return writeMode.says();
    }

    /** The capturing thread: where held packets are read from from now on (see {@link PcapStore#holdFrom}). */
    void holdFrom(HeldPackets held) {
        heldPackets = held;
    }

    HeldPackets heldPackets() {
        return heldPackets;
    }

    void start() {
        Thread t = new Thread(this, "flowtrap-store-writer");
        t.setDaemon(true); // a store left open must not keep the JVM alive; close() is what seals
        thread = t;
        t.start();
    }

    // ---- requests, from any thread

    /** Asks for the active segment to be sealed after every record handed over so far; returns a ticket. */
    long requestSeal() {
        long ticket = sealsRequested.incrementAndGet();
        wake();
        return ticket;
    }

    /** Waits until the seal with {@code ticket} is done (or failed, counted); false if the time ran out. */
    boolean awaitSeal(long ticket, long timeoutNanos) throws InterruptedException {
        return await(() -> sealsDone >= ticket, timeoutNanos);
    }

    /**
     * Asks for every record handed over so far to become readable by extraction without a seal
     * (the active segment flushed and indexed in memory); returns a ticket.
     */
    long requestReadable() {
        long ticket = readsRequested.incrementAndGet();
        wake();
        return ticket;
    }

    /** Waits until the request with {@code ticket} is done (or failed, counted); false if the time ran out. */
    boolean awaitReadable(long ticket, long timeoutNanos) throws InterruptedException {
        return await(() -> readsDone >= ticket, timeoutNanos);
    }

    /**
     * Asks for new limits (size, segment size and age; the snaplen and write buffer stay): the
     * writer takes them up before its next batch, seals the active segment if it is already larger
     * than the new segment size, and deletes the oldest segments until the store fits under the
     * new size; returns a ticket for {@link #awaitConfig}.
     */
    long requestConfig(StoreConfig wanted) {
        if (wanted.snaplen() != config().snaplen() || wanted.writeBufferBytes() != config().writeBufferBytes()) {
            throw new IllegalArgumentException("the snaplen and the write buffer of an open store cannot change");
        }
        synchronized (monitor) {
            requestedConfig = wanted;
            long ticket = configsRequested.incrementAndGet();
            wake();
            return ticket;
        }
    }

    /** Waits until the limits asked for with {@code ticket} (or later ones) are in force; false if the time ran out. */
    boolean awaitConfig(long ticket, long timeoutNanos) throws InterruptedException {
        return await(() -> configsDone >= ticket, timeoutNanos);
    }

    /** The limits in force (any thread). */
    StoreConfig config() {
        return publishedConfig;
    }

    /** Waits until every record handed over before the call is written to its segment file (not forced). */
    void flush() throws IOException {
        long ticket = flushesRequested.incrementAndGet();
        wake();
        try {
            await(() -> flushesDone >= ticket, Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the store's writer flushed");
        }
    }

    /** Writes what is handed over, seals the active segment and ends the thread; call once the producer has stopped. */
    void close() {
        closing = true;
        wake();
        synchronized (monitor) {
            monitor.notifyAll(); // ends a pause
        }
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: returns once the writer thread holds still (it takes nothing from the hand-off until {@link #resume}). */
    void pause() throws InterruptedException {
        pauseRequested = true;
        wake();
        await(() -> paused, Long.MAX_VALUE);
    }

    void resume() {
        synchronized (monitor) {
            pauseRequested = false;
            monitor.notifyAll();
        }
    }

    private void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private boolean await(BooleanSupplier done, long timeoutNanos) throws InterruptedException {
        long start = System.nanoTime();
        synchronized (monitor) {
            while (!done.getAsBoolean()) {
                Throwable cause = died;
                if (cause != null) {
                    throw new IllegalStateException("the store's writer thread died", cause);
                }
                Thread t = thread;
                if (t != null && !t.isAlive()) {
                    throw new IllegalStateException("the store's writer has stopped (the store is closed)");
                }
                long left = timeoutNanos - (System.nanoTime() - start);
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(monitor, left);
            }
        }
        return true;
    }

    // ---- what readers see, from any thread

    long activeBytes() {
        return activeBytes;
    }

    long activePackets() {
        return activePackets;
    }

    /** The active segment's oldest packet time, ns; 0 if it holds none. */
    long activeOldest() {
        return activeOldest;
    }

    /** The active segment's newest packet time, ns; 0 if it holds none. */
    long activeNewest() {
        return activeNewest;
    }

    long segmentsSealed() {
        return segmentsSealed;
    }

    long writeFailures() {
        return writeFailures;
    }

    /** Packets handed over that are not in the store because writing failed. */
    long lostPackets() {
        return lostPackets;
    }

    /** The captured bytes of those packets. */
    long lostBytes() {
        return lostBytes;
    }

    /** False from a write failure until something is written again. */
    boolean writing() {
        return !failing;
    }

    /** Sealed segments deleted because the disk had no room before the size limit was reached. */
    long rotatedForRoomSegments() {
        return rotatedForRoomSegments;
    }

    /** Their bytes (pcap and index). */
    long rotatedForRoomBytes() {
        return rotatedForRoomBytes;
    }

    /** When the current failure episode began (milliseconds since the epoch), 0 while writing works. */
    long failingSinceMillis() {
        return failing ? failingSinceMillis : 0;
    }

    // ---- the writer thread

    @Override
    public void run() {
        handoff.consumerThread(Thread.currentThread());
        try {
            while (true) {
                if (pauseRequested) {
                    holdWhilePaused();
                }
                boolean stop = closing;
                long sealTicket = sealsRequested.get();
                long flushTicket = flushesRequested.get();
                long readTicket = readsRequested.get();
                long configTicket = configsRequested.get();
                if (configTicket != configsDone) {
                    applyConfig(requestedConfig);
                    signal(() -> configsDone = configTicket);
                }
                int written;
                if (stop || sealTicket != sealsDone || flushTicket != flushesDone || readTicket != readsDone) {
                    // everything handed over before the request was made, and nothing more
                    written = drain(handoff.publishedPosition(), Integer.MAX_VALUE);
                } else {
                    written = drain(Long.MAX_VALUE, BATCH);
                }
                sealIfOld();
                if (sealTicket != sealsDone) {
                    sealQuietly(false);
                    signal(() -> sealsDone = sealTicket);
                }
                if (flushTicket != flushesDone) {
                    flushQuietly();
                    signal(() -> flushesDone = flushTicket);
                }
                if (readTicket != readsDone) {
                    publishReadable();
                    signal(() -> readsDone = readTicket);
                }
                if (retryAtNanos != 0 && System.nanoTime() - retryAtNanos >= 0 && active != null
                        && active.bufferedPackets() > 0) {
                    flushQuietly(); // no packet may come to try it: the buffered ones are written as soon as there is room
                }
                if (stop) {
                    sealQuietly(true);
                    if (active != null) { // the seal failed: what is flushed stays for recovery at the next open
                        lose(active.bufferedPackets(), active.bufferedCapturedBytes());
                        active.closeUnsealed();
                        active = null;
                    }
                    return;
                }
                if (written == 0) {
                    LockSupport.parkNanos(this, ++idleParks > QUIET_AFTER_IDLE_PARKS ? QUIET_PARK_NANOS : IDLE_PARK_NANOS);
                } else {
                    idleParks = 0;
                }
            }
        } catch (Throwable t) {
            died = t;
            handoff.consumerGone();
            synchronized (monitor) {
                monitor.notifyAll();
            }
            throw t;
        }
    }

    private void signal(Runnable update) {
        synchronized (monitor) {
            update.run();
            monitor.notifyAll();
        }
    }

    private void holdWhilePaused() {
        synchronized (monitor) {
            paused = true;
            monitor.notifyAll();
            while (pauseRequested && !closing) {
                try {
                    monitor.wait();
                } catch (InterruptedException e) {
                    // nobody interrupts the writer; a pause ends by resume() or close() only
                }
            }
            paused = false;
        }
    }

    /**
     * Writes the packets of records until {@code max} packets are written or the next record is at
     * or past position {@code until}; returns how many packets.
     */
    private int drain(long until, int max) {
        int n = 0;
        int unreleased = 0;
        int kind;
        while (n < max && handoff.readPosition() < until && (kind = handoff.next(packet, cid, key)) != PacketHandoff.NONE) {
            if (kind == PacketHandoff.PACKET) {
                write();
                n++;
            } else {
                n += writeHeld();
            }
            if (++unreleased == RELEASE_EVERY) {
                handoff.release();
                unreleased = 0;
            }
        }
        if (unreleased > 0) {
            handoff.release();
        }
        return n;
    }

    /** Writes the packets a held-packets record names, read from where they are held, cut to the snaplen; returns how many. */
    private int writeHeld() {
        HeldPackets held = heldPackets;
        if (held == null) {
            throw new IllegalStateException("held packets were handed over before the store was told where they are held");
        }
        for (int i = 0, n = handoff.heldCount(); i < n; i++) {
            held.readHeld(handoff.heldPosition(i), packet);
            if (packet.capturedLength() > config.snaplen()) {
                packet.set(packet.buffer(), packet.offset(), config.snaplen(), packet.wireLength(), packet.timestampNanos(),
                        packet.linkType());
            }
            write();
        }
        return handoff.heldCount();
    }

    private void write() {
        int caplen = packet.capturedLength();
        long ts = packet.timestampNanos();
        boolean full = active != null && (active.size() + PcapFormat.RECORD_HEADER_SIZE + caplen > config.segmentMaxBytes()
                || active.linkType() != packet.linkType()
                || ts - active.firstTimestamp() >= config.segmentMaxAge().toNanos()
                || activeAgeOnClock() >= config.segmentMaxAge().toNanos());
        if (retryAtNanos != 0) {
            if (System.nanoTime() - retryAtNanos < 0) {
                // writing failed less than a second ago: keep what the buffer can hold without touching the disk
                if (active != null && !full && active.fitsInBuffer(caplen)) {
                    appendToActive(caplen);
                } else {
                    lose(1, caplen);
                }
                return;
            }
            retryAtNanos = 0;
        }
        boolean sealFirst = full;
        while (true) {
            try {
                if (sealFirst) {
                    sealActive();
                    sealFirst = false;
                }
                if (active == null) {
                    if (segments.deleteOldest(config.maxSizeBytes(), config.segmentMaxBytes()) > 0) {
                        sizeLimitRotates();
                    }
                    active = new SegmentWriter(dir, nextSequence++, packet.linkType(), config.snaplen(), indexBuilder,
                            writeBuffer, writeMode.block());
                    long clock = handoff.clockNanos();
                    activeOpenedOnClock = clock == Long.MIN_VALUE ? ts : clock;
                }
                break;
            } catch (IOException | RuntimeException e) {
                if (!madeRoom(e)) {
                    failed(e, 1, caplen);
                    return;
                }
            }
        }
        appendToActive(caplen);
    }

    private void appendToActive(int caplen) {
        while (true) {
            try {
                active.append(packet, caplen, cid, 0, key, 0);
                break;
            } catch (IOException | RuntimeException e) {
                if (!madeRoom(e)) { // the buffer was full and could not be written: this packet is the one lost
                    failed(e, 1, caplen);
                    return;
                }
            }
        }
        activeBytes = active.size();
        activePackets = active.packets();
        activeOldest = active.minTimestamp();
        activeNewest = active.maxTimestamp();
        wroteAgainIfSo();
    }

    /** After a failure, the first flush that works ends the episode. */
    private void wroteAgainIfSo() {
        if (failing && active != null && (active.sequence() == failedSequence
                ? active.successfulFlushes() != flushesAtFailure : active.successfulFlushes() > 0)) {
            writingAgain();
        }
    }

    /** Makes the active segment's records readable by extraction as they stand (flush, index in memory). */
    private void publishReadable() {
        if (active == null || active.packets() == 0) {
            return; // everything handed over is sealed already (or lost, counted)
        }
        Segments.ActiveSegment published = segments.activeSegment();
        if (published != null && published.segment().sequence() == active.sequence()
                && published.segment().packets() == active.packets()) {
            return; // nothing new since the last request
        }
        if (backingOff()) {
            return; // the disk failed just now: what was readable before still is
        }
        if (withRoom(() -> segments.activeSegment(active.readable()))) {
            retryAtNanos = 0;
            wroteAgainIfSo();
        }
    }

    /**
     * Puts new limits in force: a segment already larger than the new segment size is sealed, and
     * the oldest segments go until what is sealed plus one new segment fits under the new size (the
     * active segment counting as that one). A failure is counted as any write failure is; rotation
     * is tried again before the next segment starts, as always.
     */
    private void applyConfig(StoreConfig wanted) {
        config = wanted;
        publishedConfig = wanted;
        try {
            if (active != null && active.size() > wanted.segmentMaxBytes()) {
                sealActive();
            }
            long headroom = active == null ? wanted.segmentMaxBytes() : Math.max(active.size(), 0);
            segments.deleteOldest(wanted.maxSizeBytes(), headroom);
        } catch (IOException | RuntimeException e) {
            failed(e, 0, 0);
        }
    }

    /** Seals the active segment once it is older than the segment age on the producer's clock. */
    private void sealIfOld() {
        if (active != null && active.packets() > 0 && activeAgeOnClock() >= config.segmentMaxAge().toNanos()) {
            sealQuietly(false);
        }
    }

    /**
     * How long the active segment has been open on the producer's timer clock (packet time in a
     * replay, monotonic on a live wire: see CaptureEngine.useMonotonicTimers), measured from the
     * clock's value when the segment opened, never from a packet timestamp: a step of the wall
     * clock then neither holds a segment open nor seals each new one at once. 0 before any tick.
     */
    private long activeAgeOnClock() {
        long clock = handoff.clockNanos();
        return clock == Long.MIN_VALUE ? 0 : clock - activeOpenedOnClock;
    }

    /** Seals the active segment, unless writing failed less than a second ago and this is no last try. */
    private void sealQuietly(boolean lastTry) {
        if (!lastTry && backingOff()) {
            return;
        }
        withRoom(this::sealActive);
    }

    private boolean backingOff() {
        return retryAtNanos != 0 && System.nanoTime() - retryAtNanos < 0;
    }

    private void flushQuietly() {
        if (active != null && withRoom(() -> active.flush())) {
            retryAtNanos = 0;
            wroteAgainIfSo();
        }
    }

    /** A step of the writer's that may find the disk full. */
    @FunctionalInterface
    private interface DiskStep {
        void run() throws IOException;
    }

    /**
     * Runs {@code step}, and again each time the disk had no room and {@link #madeRoom} freed some;
     * false, the failure counted (no packet lost by it), when it still fails. For the steps taken
     * per request or per segment (the per-record append has its own loop: no lambda per packet).
     */
    private boolean withRoom(DiskStep step) {
        while (true) {
            try {
                step.run();
                return true;
            } catch (IOException | RuntimeException e) {
                if (!madeRoom(e)) {
                    failed(e, 0, 0);
                    return false;
                }
            }
        }
    }

    /**
     * After {@code e}: if the file system had no room and a sealed segment is left, deletes the
     * oldest one, counted as rotated for room, and answers true: the caller tries again at once.
     * False (a failure to count as such) for any other error, or when only the active segment is
     * left.
     */
    private boolean madeRoom(Exception e) {
        if (!StoreFiles.noRoom(e)) {
            return false;
        }
        List<Segment> sealed = segments.manifest().segments();
        if (sealed.isEmpty()) {
            return false;
        }
        Segment oldest = sealed.get(0);
        try {
            segments.deleteOldest(1);
        } catch (IOException | RuntimeException x) {
            List<Segment> now = segments.manifest().segments();
            if (!now.isEmpty() && now.get(0).sequence() == oldest.sequence()) {
                e.addSuppressed(x);
                return false; // not deleted
            }
            // deleted; its manifest file could not be written (still no room): the next seal or rotation writes it
        }
        rotatedForRoomSegments = rotatedForRoomSegments + 1;
        rotatedForRoomBytes = rotatedForRoomBytes + oldest.sizeBytes();
        roomEpisodeSegments++;
        roomEpisodeBytes += oldest.sizeBytes();
        if (!rotatingForRoom) {
            rotatingForRoom = true;
            long storeBytes = sealed.stream().mapToLong(Segment::sizeBytes).sum() + (active == null ? 0 : active.flushedBytes());
            try {
                listener.rotatingForRoom(storeBytes, config.maxSizeBytes(), e);
            } catch (RuntimeException ignored) {
                // a listener's bug must not stop the writer
            }
        }
        return true;
    }

    /** The size limit rotated the store: an episode of rotating for room, if one was on, is over. */
    private void sizeLimitRotates() {
        if (!rotatingForRoom) {
            return;
        }
        rotatingForRoom = false;
        long count = roomEpisodeSegments;
        long bytes = roomEpisodeBytes;
        roomEpisodeSegments = 0;
        roomEpisodeBytes = 0;
        try {
            listener.rotatingForRoomEnded(count, bytes);
        } catch (RuntimeException ignored) {
            // a listener's bug must not stop the writer
        }
    }

    private void sealActive() throws IOException {
        if (active == null) {
            return;
        }
        Segment segment;
        try {
            segment = active.seal();
        } catch (IOException | RuntimeException e) {
            if (active.closed()) {
                // failed after its index was written (a rename): the files are whole, recovery seals them at the next open
                active = null;
                activeBytes = 0;
                activePackets = 0;
                activeOldest = 0;
                activeNewest = 0;
                segments.activeSegment(null);
            }
            throw e;
        }
        active = null;
        activeBytes = 0;
        activePackets = 0;
        activeOldest = 0;
        activeNewest = 0;
        segmentsSealed = segmentsSealed + 1;
        retryAtNanos = 0;
        if (failing) {
            writingAgain();
        }
        segments.added(segment);
    }

    /**
     * Counts a failure: {@code packets} of {@code bytes} captured bytes are lost (the ones that
     * could not be kept); the active segment stays as it is, whole. Nothing is written for a second.
     */
    private void failed(Exception e, long packets, long bytes) {
        writeFailures = writeFailures + 1;
        episodeFailures++;
        lose(packets, bytes);
        failedSequence = active == null ? -1 : active.sequence();
        flushesAtFailure = active == null ? 0 : active.successfulFlushes();
        long retry = System.nanoTime() + RETRY_NANOS;
        retryAtNanos = retry == 0 ? 1 : retry;
        if (!failing) {
            failingSinceMillis = System.currentTimeMillis();
            failing = true;
            try {
                listener.writingFailed(e);
            } catch (RuntimeException ignored) {
                // a listener's bug must not stop the writer
            }
        }
    }

    private void lose(long packets, long bytes) {
        lostPackets = lostPackets + packets;
        lostBytes = lostBytes + bytes;
        episodeLost += packets;
    }

    private void writingAgain() {
        failing = false;
        failingSinceMillis = 0;
        long failures = episodeFailures;
        long lost = episodeLost;
        episodeFailures = 0;
        episodeLost = 0;
        try {
            listener.writingAgain(failures, lost);
        } catch (RuntimeException ignored) {
            // a listener's bug must not stop the writer
        }
    }
}
