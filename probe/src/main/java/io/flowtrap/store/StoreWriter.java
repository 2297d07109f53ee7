package io.flowtrap.store;

import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The store's writer: while the store is open, the one thread that writes its directory. It takes
 * the packet records of the {@link PacketHandoff} in order and appends them to the active segment
 * ({@link SegmentWriter}, its index growing in a {@link SegmentIndexBuilder}); it seals the segment
 * when the next packet would make it too large, when it is older than the segment age in packet
 * time (the producer's clock), on request (a carve wants to see its packets) and at close; before
 * it starts a segment it deletes the oldest ones to stay under the size limit; it rewrites the
 * manifest after each change. The capture thread never waits for any of it.
 *
 * <p>A failure (an IOException such as a full disk, or a bug) never reaches the capture thread and
 * never stops this one: the active segment is abandoned, its files deleted (they could not be
 * sealed and would hold the space a full disk needs back), its packets and those arriving in the
 * next second are counted as lost, then a new segment is tried. Nothing is written twice: the new
 * segment starts at the next record, and the broken one's buffered bytes go with it. The listener
 * hears of each episode once, when it starts and when a segment is written again.
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
    /** After a failure, packets are counted as lost for this long before a new segment is tried. */
    private static final long RETRY_NANOS = 1_000_000_000L;
    /** Records read between two releases of their room to the producer. */
    private static final int RELEASE_EVERY = 64;
    /** Records written before the writer looks at requests and the clock again. */
    private static final int BATCH = 4096;

    private final Path dir;
    private final StoreConfig config;
    private final PacketHandoff handoff;
    private final WriteFailureListener listener;
    private final SegmentIndexBuilder indexBuilder = new SegmentIndexBuilder();
    private final ByteBuffer writeBuffer = SegmentWriter.newBuffer();
    private final PacketRecord packet = new PacketRecord();
    private final byte[] cid = new byte[CommunityId.DIGEST_SIZE];
    private final byte[] key = new byte[FlowKey.SIZE];

    /** Guards the waits of requesters (seal, flush, pause); the writer notifies it. */
    private final Object monitor = new Object();
    private final AtomicLong sealsRequested = new AtomicLong();
    private final AtomicLong flushesRequested = new AtomicLong();
    private volatile long sealsDone;
    private volatile long flushesDone;
    private volatile boolean closing;
    private volatile boolean pauseRequested;
    private volatile boolean paused;
    private volatile Thread thread;
    private volatile Throwable died;

    // Published by the writer thread for readers (status, extraction, metrics).
    private volatile StoreManifest manifest;
    private volatile long activeBytes;
    private volatile long activePackets;
    private volatile long segmentsSealed;
    private volatile long writeFailures;
    private volatile long lostPackets;

    // The writer thread's own.
    private SegmentWriter active;
    /** The producer's clock when {@code active} opened (its first packet's time if the producer had not ticked yet). */
    private long activeOpenedOnClock;
    private long nextSequence;
    private int idleParks;
    private long retryAtNanos; // 0: not backing off
    private boolean failing;
    private long episodeFailures;
    private long episodeLost;

    StoreWriter(Path dir, StoreConfig config, PacketHandoff handoff, WriteFailureListener listener,
            StoreManifest manifest, long nextSequence) {
        this.dir = dir;
        this.config = config;
        this.handoff = handoff;
        this.listener = listener;
        this.manifest = manifest;
        this.nextSequence = nextSequence;
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

    StoreManifest manifest() {
        return manifest;
    }

    long activeBytes() {
        return activeBytes;
    }

    long activePackets() {
        return activePackets;
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
                int written;
                if (stop || sealTicket != sealsDone || flushTicket != flushesDone) {
                    // everything handed over before the request was made, and nothing more
                    written = drain(handoff.publishedPosition(), Integer.MAX_VALUE);
                } else {
                    written = drain(Long.MAX_VALUE, BATCH);
                }
                sealIfOld();
                if (sealTicket != sealsDone) {
                    sealQuietly();
                    signal(() -> sealsDone = sealTicket);
                }
                if (flushTicket != flushesDone) {
                    flushQuietly();
                    signal(() -> flushesDone = flushTicket);
                }
                if (stop) {
                    sealQuietly();
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

    /** Writes up to {@code max} records, none at or past position {@code until}; returns how many. */
    private int drain(long until, int max) {
        int n = 0;
        while (n < max && handoff.readPosition() < until && handoff.next(packet, cid, key)) {
            write();
            if (++n % RELEASE_EVERY == 0) {
                handoff.release();
            }
        }
        if (n % RELEASE_EVERY != 0) {
            handoff.release();
        }
        return n;
    }

    private void write() {
        if (retryAtNanos != 0) {
            if (System.nanoTime() - retryAtNanos < 0) {
                lose(1);
                return;
            }
            retryAtNanos = 0;
        }
        try {
            int caplen = packet.capturedLength();
            long ts = packet.timestampNanos();
            if (active != null && (active.size() + PcapFormat.RECORD_HEADER_SIZE + caplen > config.segmentMaxBytes()
                    || active.linkType() != packet.linkType()
                    || ts - active.firstTimestamp() >= config.segmentMaxAge().toNanos()
                    || activeAgeOnClock() >= config.segmentMaxAge().toNanos())) {
                sealActive();
            }
            if (active == null) {
                makeRoomForSegment();
                active = new SegmentWriter(dir, nextSequence++, packet.linkType(), config.snaplen(), indexBuilder, writeBuffer);
                long clock = handoff.clockNanos();
                activeOpenedOnClock = clock == Long.MIN_VALUE ? ts : clock;
            }
            active.append(packet, caplen, cid, 0, key, 0);
            activeBytes = active.size();
            activePackets = active.packets();
            if (failing && active.flushedBytes() > 0) {
                writingAgain();
            }
        } catch (IOException | RuntimeException e) {
            failed(e, 1);
        }
    }

    /** Seals the active segment once it is older than the segment age on the producer's clock. */
    private void sealIfOld() {
        if (active != null && active.packets() > 0 && activeAgeOnClock() >= config.segmentMaxAge().toNanos()) {
            sealQuietly();
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

    private void sealQuietly() {
        try {
            sealActive();
        } catch (IOException | RuntimeException e) {
            failed(e, 0);
        }
    }

    private void flushQuietly() {
        try {
            if (active != null) {
                active.flush();
                if (failing && active.flushedBytes() > 0) {
                    writingAgain();
                }
            }
        } catch (IOException | RuntimeException e) {
            failed(e, 0);
        }
    }

    private void sealActive() throws IOException {
        if (active == null) {
            return;
        }
        Segment segment = active.seal();
        active = null;
        activeBytes = 0;
        activePackets = 0;
        List<Segment> next = new ArrayList<>(manifest.segments());
        next.add(segment);
        manifest = manifest.withSegments(next); // readers see the segment even if the file below fails
        segmentsSealed = segmentsSealed + 1;
        if (failing) {
            writingAgain();
        }
        manifest.write(dir);
    }

    /** Deletes oldest segments until the sealed ones plus one full segment fit under the limit. */
    private void makeRoomForSegment() throws IOException {
        StoreManifest m = manifest;
        List<Segment> kept = new ArrayList<>(m.segments());
        long total = kept.stream().mapToLong(Segment::sizeBytes).sum();
        long horizon = m.rotatedHorizon();
        long segmentsGone = m.rotatedSegments();
        long bytesGone = m.rotatedBytes();
        boolean changed = false;
        try {
            while (!kept.isEmpty() && total + config.segmentMaxBytes() > config.maxSizeBytes()) {
                Segment oldest = kept.get(0);
                // pcap first: an index left alone by a crash here is removed as an orphan at recovery
                Files.deleteIfExists(oldest.pcap());
                Files.deleteIfExists(oldest.index());
                kept.remove(0);
                total -= oldest.sizeBytes();
                horizon = Math.max(horizon, oldest.maxTimestamp());
                segmentsGone++;
                bytesGone += oldest.sizeBytes();
                changed = true;
            }
        } finally {
            if (changed) {
                manifest = new StoreManifest(horizon, segmentsGone, bytesGone, kept);
            }
        }
        if (changed) {
            manifest.write(dir);
        }
    }

    private void failed(Exception e, int records) {
        long lost = records;
        if (active != null) {
            lost += active.packets();
            active.abandon();
            active = null;
            activeBytes = 0;
            activePackets = 0;
        }
        writeFailures = writeFailures + 1;
        episodeFailures++;
        lose(lost);
        long retry = System.nanoTime() + RETRY_NANOS;
        retryAtNanos = retry == 0 ? 1 : retry;
        if (!failing) {
            failing = true;
            try {
                listener.writingFailed(e);
            } catch (RuntimeException ignored) {
                // a listener's bug must not stop the writer
            }
        }
    }

    private void lose(long packets) {
        lostPackets = lostPackets + packets;
        episodeLost += packets;
    }

    private void writingAgain() {
        failing = false;
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
