package io.flowtrap.probe.pipeline;

import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.capture.PacketSource;
import io.flowtrap.probe.flow.FlowTable;
import java.io.IOException;

/**
 * Feeds a finite packet source through a capture pipeline, delivering recorded alerts on the
 * packet clock; what {@code flowtrap-probe replay} and the ingest benchmark run. Not thread-safe.
 */
public final class Replay {
    private Replay() {}

    /**
     * Runs the source to its end, then delivers the alerts still due and ends every flow. The
     * pipeline stays open (the caller closes it, sealing the store). Returns the packets read.
     */
    public static long run(PacketSource source, AlertSchedule schedule, CapturePipeline pipeline) throws IOException {
        return run(source, schedule, pipeline, 0);
    }

    /**
     * As {@link #run(PacketSource, AlertSchedule, CapturePipeline)}, with every packet's time moved
     * by {@code shiftNanos} (the schedule's alerts must be shifted alike: {@link AlertSchedule#shifted}).
     */
    public static long run(PacketSource source, AlertSchedule schedule, CapturePipeline pipeline, long shiftNanos)
            throws IOException {
        PacketRecord packet = new PacketRecord();
        CaptureEngine engine = pipeline.engine();
        long packets = 0;
        while (!source.exhausted()) {
            if (!source.next(packet)) {
                continue;
            }
            packets++;
            if (shiftNanos != 0) {
                packet.shiftTimestamp(shiftNanos);
            }
            schedule.deliverDue(packet.timestampNanos(), engine);
            engine.onPacket(packet);
        }
        schedule.deliverRemaining(engine);
        engine.finish();
        return packets;
    }

    /** Entries a resolving thread may run ahead: 256 KB, within a core's cache. */
    private static final int RESOLVED_AHEAD = 4096;

    /**
     * Whether {@link #runResolvingAhead} can help here: a core besides the capture thread's. Measured
     * on 2 cores (ingest benchmark, 2026-12-02): with Suricata's alerts arming half the packets the
     * resolving thread shares the second core with the store's writer and the replay takes as long
     * (wall clock 0.87-1.26x, median 0.98x, over 4 pairs; the capture thread's CPU time 15 % lower);
     * with few packets armed the writer leaves that core free and the replay is 11-23 % faster
     * (1.508 and 1.749 s against 1.958 s). It never stores anything else ({@code ReplayResolvingAheadTest}).
     */
    public static boolean resolvingAheadHelps() {
        return Runtime.getRuntime().availableProcessors() >= 2;
    }

    /**
     * As {@link #run(PacketSource, AlertSchedule, CapturePipeline, long)}, with a second thread
     * resolving each packet (decode, fragments, flow key and its hash) ahead of the capture thread,
     * which then only tracks flows, arms and stores: for a capture replayed as fast as it can be.
     * {@code twin} must be a second source over the same capture, read by the resolving thread (a
     * {@link ResolvedPacketRing} entry carries no packet bytes, so nothing is copied between the
     * threads); the caller closes both. The stored result is the same as {@code run}'s.
     */
    public static long runResolvingAhead(PacketSource source, PacketSource twin, AlertSchedule schedule,
            CapturePipeline pipeline, long shiftNanos) throws IOException {
        CaptureEngine engine = pipeline.engine();
        ResolvedPacketRing ring = new ResolvedPacketRing(RESOLVED_AHEAD);
        FlowTable flows = engine.flows();
        Thread resolving = new Thread(() -> resolve(twin, ring, flows), "flowtrap-replay-resolver");
        resolving.setDaemon(true);
        resolving.start();
        PacketRecord packet = new PacketRecord();
        long packets = 0;
        try {
            while (!source.exhausted()) {
                if (!source.next(packet)) {
                    continue;
                }
                int at = ring.next();
                if (at < 0 || ring.capturedLength(at) != packet.capturedLength()) {
                    throw new IllegalStateException("the resolving thread's reader disagrees with the capture's at packet "
                            + (packets + 1) + (at < 0 ? " (it ended)" : " (captured length)"));
                }
                packets++;
                if (shiftNanos != 0) {
                    packet.shiftTimestamp(shiftNanos);
                }
                schedule.deliverDue(packet.timestampNanos(), engine);
                engine.onResolvedPacket(packet, ring, at);
                ring.release();
            }
            if (ring.next() >= 0) {
                throw new IllegalStateException("the resolving thread read more packets than the capture's " + packets);
            }
        } finally {
            ring.abandon();
            joinQuietly(resolving);
        }
        schedule.deliverRemaining(engine);
        engine.finish();
        return packets;
    }

    /** The resolving thread: every packet of {@code twin}, in order, into the ring. */
    private static void resolve(PacketSource twin, ResolvedPacketRing ring, FlowTable flows) {
        FlowResolver resolver = new FlowResolver(); // as the engine's: Community ID seed 0, the same fragment slots
        PacketRecord packet = new PacketRecord();
        byte[] entries = ring.entries();
        try {
            while (!twin.exhausted()) {
                if (!twin.next(packet)) {
                    continue;
                }
                int at = ring.claim();
                if (at < 0) {
                    break; // the capture thread stopped taking
                }
                if (resolver.resolve(packet, entries, at)) {
                    ring.publishResolved(at, packet.capturedLength(), flows.keyHash(entries, at), resolver);
                } else {
                    ring.publishUnresolved(at, packet.capturedLength());
                }
            }
            ring.finish(null);
        } catch (Throwable t) { // told to the capture thread, which fails with it
            ring.finish(t);
        }
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
