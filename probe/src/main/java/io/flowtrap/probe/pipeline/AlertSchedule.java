package io.flowtrap.probe.pipeline;

import io.flowtrap.packet.CommunityId;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveTimeShift;
import io.flowtrap.probe.alert.EveAlertFile;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.probe.alert.MalformedAlertException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerts of a recorded eve.json, delivered on the replay clock the way a live probe would
 * receive them: an alert is due once the replay clock has passed its timestamp plus a delay.
 *
 * <p>EVE timestamps have microsecond precision while packets have nanoseconds, so "passed" means
 * the next microsecond: an alert stamped with its triggering packet's time is delivered after that
 * packet, never before it. Not thread-safe (the replay thread owns it).
 */
public final class AlertSchedule {
    private static final Logger log = LoggerFactory.getLogger(AlertSchedule.class);
    private static final long MICROSECOND = 1_000L;

    private final List<EveAlert> alerts;
    private final long delayNanos;
    /**
     * Worked out once, as the schedule is made, so that the capture thread reads two arrays in
     * order instead of each alert's fields: when each alert is due (on the packet clock), and its
     * {@link CommunityId#hash64(String) Community ID hash} ({@link CaptureEngine#NO_COMMUNITY_HASH}
     * when it has none that reads: the engine then looks the alert up by its 5-tuple, and says why).
     */
    private final long[] dueNanos;
    private final long[] communityHashes;
    private int next;
    /** When the next alert is due; Long.MAX_VALUE when none is left. */
    private long nextDueNanos;

    private AlertSchedule(List<EveAlert> alerts, Duration delay) {
        this.alerts = alerts;
        this.delayNanos = delay.toNanos();
        this.dueNanos = new long[alerts.size()];
        this.communityHashes = new long[alerts.size()];
        for (int i = 0; i < alerts.size(); i++) {
            EveAlert alert = alerts.get(i);
            dueNanos[i] = alert.timestampNanos() + delayNanos + MICROSECOND;
            communityHashes[i] = communityHash(alert);
        }
        nextDueNanos = alerts.isEmpty() ? Long.MAX_VALUE : dueNanos[0];
    }

    private static long communityHash(EveAlert alert) {
        if (alert.communityId() == null) {
            return CaptureEngine.NO_COMMUNITY_HASH;
        }
        try {
            return CommunityId.hash64(alert.communityId());
        } catch (IllegalArgumentException e) {
            return CaptureEngine.NO_COMMUNITY_HASH; // the engine reads it again and logs the reason
        }
    }

    public static AlertSchedule none() {
        return new AlertSchedule(List.of(), Duration.ZERO);
    }

    /**
     * Reads every alert line of {@code eveFile} (other event types are counted as ignored; malformed
     * lines are counted and logged with their line number, and the rest still replays).
     */
    public static AlertSchedule read(Path eveFile, Duration delay, EveAlertParser parser, AlertIntakeCounters counters)
            throws IOException {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("the alert delay cannot be negative: " + delay);
        }
        List<EveAlert> alerts = new ArrayList<>();
        EveAlertFile.read(eveFile, parser, new EveAlertFile.Visitor() {
            @Override
            public void alert(EveAlert alert) {
                alerts.add(alert);
            }

            @Override
            public void malformed(int lineNumber, MalformedAlertException reason) {
                counters.incrementMalformed();
                log.warn("{} line {}: {}", eveFile, lineNumber, reason.getMessage());
            }

            @Override
            public void otherEvent() {
                counters.incrementIgnored();
            }
        });
        // Stable: alerts with one timestamp keep the order Suricata wrote them in.
        alerts.sort(Comparator.comparingLong(EveAlert::timestampNanos));
        return new AlertSchedule(alerts, delay);
    }

    /** This schedule with every alert moved by {@code deltaNanos}, its JSON too ({@link EveTimeShift}). */
    public AlertSchedule shifted(long deltaNanos) throws MalformedAlertException {
        List<EveAlert> moved = new ArrayList<>(alerts.size());
        for (EveAlert a : alerts) {
            moved.add(EveTimeShift.shift(a, deltaNanos));
        }
        return new AlertSchedule(moved, Duration.ofNanos(delayNanos));
    }

    /** The alerts, in delivery order. */
    public List<EveAlert> alerts() {
        return List.copyOf(alerts);
    }

    public int size() {
        return alerts.size();
    }

    /** Delivers every alert due before a packet stamped {@code packetNanos} is processed. */
    public void deliverDue(long packetNanos, CaptureEngine engine) throws IOException {
        while (nextDueNanos <= packetNanos) {
            deliverNext(engine);
        }
    }

    /** Delivers what is left once the capture has ended. */
    public void deliverRemaining(CaptureEngine engine) throws IOException {
        while (next < alerts.size()) {
            deliverNext(engine);
        }
    }

    private void deliverNext(CaptureEngine engine) throws IOException {
        int i = next++;
        nextDueNanos = next < dueNanos.length ? dueNanos[next] : Long.MAX_VALUE;
        long hash = communityHashes[i];
        if (hash == CaptureEngine.NO_COMMUNITY_HASH) {
            engine.onAlert(alerts.get(i));
        } else {
            engine.onAlert(alerts.get(i), hash);
        }
    }
}
