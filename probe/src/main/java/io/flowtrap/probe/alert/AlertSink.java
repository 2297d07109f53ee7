package io.flowtrap.probe.alert;

/**
 * Where an EVE source delivers each alert it parsed.
 *
 * <p>Each source calls its sink from one thread (its own reading thread), so a sink fed by a single
 * source needs no locking; a sink shared by several sources must be thread-safe. A sink should not
 * throw: a thrown exception is logged and counted ({@link AlertIntakeCounters#sinkFailures()}), and
 * that alert is then lost.
 */
@FunctionalInterface
public interface AlertSink {
    void accept(EveAlert alert);
}
