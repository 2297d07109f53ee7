package io.flowtrap.probe.pipeline;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.capture.PacketSource;
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
}
