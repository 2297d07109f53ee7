package io.flowtrap.probe.alert;

import java.util.concurrent.atomic.LongAdder;

/**
 * What happened to EVE lines and alerts, for metrics and status. The sources count lines
 * (delivered, ignored, malformed, sink failures); the engine that matches alerts to flows counts
 * outcomes (matched, late, unknown, duplicate) and alerts it could not take in (inbox full), so
 * that no alert disappears without a trace.
 *
 * <p>Thread-safe; increments never block (LongAdder).
 */
public final class AlertIntakeCounters {
    private final LongAdder delivered = new LongAdder();
    private final LongAdder ignored = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder sinkFailures = new LongAdder();
    private final LongAdder matched = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder unknown = new LongAdder();
    private final LongAdder duplicate = new LongAdder();
    private final LongAdder unarmed = new LongAdder();
    private final LongAdder inboxFull = new LongAdder();
    private final LongAdder overlong = new LongAdder();
    private final LongAdder connectionsRefused = new LongAdder();
    private final LongAdder intakeErrors = new LongAdder();

    /** An alert was parsed and handed to the sink. */
    public void incrementDelivered() {
        delivered.increment();
    }

    /** A well-formed EVE line of another event type (flow, stats, dns, …). */
    public void incrementIgnored() {
        ignored.increment();
    }

    /** A line that is not a valid EVE alert (see the WARN log for why). */
    public void incrementMalformed() {
        malformed.increment();
    }

    /** The sink threw while accepting an alert. */
    public void incrementSinkFailures() {
        sinkFailures.increment();
    }

    /** An alert matched a live flow and armed it. */
    public void incrementMatched() {
        matched.increment();
    }

    /** An alert for a flow that had already ended or left the flow table. */
    public void incrementLate() {
        late.increment();
    }

    /** An alert for a flow the probe never saw. */
    public void incrementUnknown() {
        unknown.increment();
    }

    /** An alert for a flow already armed by an earlier alert. */
    public void incrementDuplicate() {
        duplicate.increment();
    }

    /** An alert that armed nothing because pcap extraction on alerts is off (it is still forwarded to the manager). */
    public void incrementUnarmed() {
        unarmed.increment();
    }

    /** An alert parsed but not handed to the capture thread, whose inbox was full: lost. */
    public void incrementInboxFull() {
        inboxFull.increment();
    }

    /** A line longer than its source's cap: dropped unread (logged once per interval). */
    public void incrementOverlong() {
        overlong.increment();
    }

    /** An EVE writer's connection refused because the socket already had its most connections. */
    public void incrementConnectionsRefused() {
        connectionsRefused.increment();
    }

    /**
     * Something threw (an Error included) while reading or cutting a connection's bytes, outside any
     * one line's handling: what that connection had sent and not yet cut into lines is dropped.
     */
    public void incrementIntakeErrors() {
        intakeErrors.increment();
    }

    public long delivered() {
        return delivered.sum();
    }

    public long ignored() {
        return ignored.sum();
    }

    public long malformed() {
        return malformed.sum();
    }

    public long sinkFailures() {
        return sinkFailures.sum();
    }

    public long matched() {
        return matched.sum();
    }

    public long late() {
        return late.sum();
    }

    public long unknown() {
        return unknown.sum();
    }

    public long duplicate() {
        return duplicate.sum();
    }

    public long unarmed() {
        return unarmed.sum();
    }

    public long inboxFull() {
        return inboxFull.sum();
    }

    public long overlong() {
        return overlong.sum();
    }

    public long connectionsRefused() {
        return connectionsRefused.sum();
    }

    public long intakeErrors() {
        return intakeErrors.sum();
    }

    /**
     * EVE input lost on the probe's side: lines it could not read, alerts it could not hand over
     * (refused connections and intake errors lose an unknown number of lines, counted apart).
     */
    public long lost() {
        return malformed() + overlong() + sinkFailures() + inboxFull();
    }

    @Override
    public String toString() {
        return "delivered=" + delivered() + " ignored=" + ignored() + " malformed=" + malformed()
                + " sinkFailures=" + sinkFailures() + " matched=" + matched() + " late=" + late()
                + " unknown=" + unknown() + " duplicate=" + duplicate() + " unarmed=" + unarmed() + " inboxFull=" + inboxFull()
                + " overlong=" + overlong() + " connectionsRefused=" + connectionsRefused() + " intakeErrors=" + intakeErrors();
    }
}
