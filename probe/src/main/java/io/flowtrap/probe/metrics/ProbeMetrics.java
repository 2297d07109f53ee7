package io.flowtrap.probe.metrics;

import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.pipeline.CaptureCounters;
import io.flowtrap.probe.spool.SpoolShipper;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.StoreStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Every count and loss of one probe as Prometheus meters (names and meanings: README.md, "Probe
 * metrics"). The meters are functions over published values, read when scraped: the capture
 * thread's {@link CaptureCounters#snapshot()} and the store's {@link PcapStore#status()} are taken
 * once at the start of each {@link #scrape()} so that all meters of one scrape agree, and the alert
 * intake counters are thread-safe sums. Nothing is added to the per-packet path; the only meter
 * fed directly is the carve timer ({@link #recordCarve}), once per carve.
 *
 * <p>Thread-safe: scrapes are serialized, carves may be recorded from any thread.
 */
public final class ProbeMetrics {
    /** What {@link #scrape()} answers in: the Prometheus text exposition format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Histogram buckets of the carve timer: from a small flow in a sealed segment to a seal wait and a big flow. */
    private static final Duration[] CARVE_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CaptureCounters capture;
    private final PcapStore store;
    private final Map<ExtractionResult.Outcome, Timer> carveTimers = new EnumMap<>(ExtractionResult.Outcome.class);
    private volatile CaptureCounters.Snapshot captureNow;
    private volatile StoreStatus storeNow;

    public ProbeMetrics(CaptureCounters capture, AlertIntakeCounters alerts, PcapStore store) {
        this.capture = capture;
        this.store = store;
        refresh();

        captureCounter("flowtrap.packets.captured", "packets the probe read from its source",
                CaptureCounters.Snapshot::packets);
        captureCounter("flowtrap.bytes.captured", "wire bytes of the packets read from the source",
                CaptureCounters.Snapshot::bytes);
        captureCounter("flowtrap.packets.unparsed", "packets read whose headers could not be decoded into a flow",
                CaptureCounters.Snapshot::unparsed);
        captureCounter("flowtrap.kernel.drops", "packets the kernel or capture library dropped before the probe read them",
                CaptureCounters.Snapshot::kernelDrops);
        captureCounter("flowtrap.ring.freezes", "times the kernel froze the capture ring because it was full",
                CaptureCounters.Snapshot::ringFreezes);
        captureCounter("flowtrap.lookback.evicted.waiting",
                "look-back packets overwritten while their flow was live and not yet armed (lost to a later alert)",
                CaptureCounters.Snapshot::lookbackEvictedWaiting);
        captureCounter("flowtrap.lookback.too.large", "packets too large for the look-back ring (their flow cannot be stored whole)",
                CaptureCounters.Snapshot::lookbackTooLarge);
        captureCounter("flowtrap.lookback.blocked",
                "packets a live capture did not hold in the look-back ring: their room still held armed flows' packets"
                        + " the store's writer had not copied yet (store backlog; their flows cannot be stored whole)",
                CaptureCounters.Snapshot::lookbackBlocked);
        captureCounter("flowtrap.lookback.hits", "armed flows whose first packet was still in the look-back ring",
                CaptureCounters.Snapshot::lookbackHits);
        captureCounter("flowtrap.lookback.misses", "armed flows whose start had already left the look-back ring",
                CaptureCounters.Snapshot::lookbackMisses);
        captureCounter("flowtrap.flows.evicted", "flows ended early because the flow table was full",
                CaptureCounters.Snapshot::flowEvictions);
        captureCounter("flowtrap.flows.armed", "flows armed by an alert or a trigger (each flow once)",
                CaptureCounters.Snapshot::armedFlows);
        captureCounter("flowtrap.flows.armed.by.trigger", "flows a trigger (BPF filter, watchlist) armed before any alert did",
                CaptureCounters.Snapshot::triggerArmedFlows);
        captureCounter("flowtrap.packets.stored", "packets written to the store",
                CaptureCounters.Snapshot::storedPackets);
        captureCounter("flowtrap.bytes.stored", "captured bytes of the packets written to the store",
                CaptureCounters.Snapshot::storedBytes);
        Gauge.builder("flowtrap.flows.tracked", this, m -> m.captureNow.flowsTracked())
                .description("flows in the flow table now").register(registry);

        alertCounter("flowtrap.alerts.received", "EVE alerts parsed and handed to the capture engine", alerts,
                AlertIntakeCounters::delivered);
        alertCounter("flowtrap.alerts.matched", "alerts that matched a live flow and armed it", alerts,
                AlertIntakeCounters::matched);
        alertCounter("flowtrap.alerts.duplicate", "alerts for a flow already armed", alerts,
                AlertIntakeCounters::duplicate);
        alertCounter("flowtrap.alerts.late", "alerts for a flow that had already ended", alerts, AlertIntakeCounters::late);
        alertCounter("flowtrap.alerts.unknown", "alerts for a flow the probe never saw", alerts,
                AlertIntakeCounters::unknown);
        alertCounter("flowtrap.alerts.unarmed", "alerts that armed nothing: pcap extraction on alerts was off", alerts,
                AlertIntakeCounters::unarmed);
        alertCounter("flowtrap.eve.ignored", "well-formed EVE events of other types (flow, stats, dns, ...)", alerts,
                AlertIntakeCounters::ignored);
        alertCounter("flowtrap.eve.malformed", "EVE lines that could not be read as an event (lost)", alerts,
                AlertIntakeCounters::malformed);
        alertCounter("flowtrap.eve.overlong", "EVE lines longer than the line cap, dropped unread (lost)", alerts,
                AlertIntakeCounters::overlong);
        alertCounter("flowtrap.eve.connections.refused", "EVE writer connections refused at the socket's connection cap",
                alerts, AlertIntakeCounters::connectionsRefused);
        alertCounter("flowtrap.eve.intake.errors", "failures while reading a connection's bytes (its unfinished line lost)",
                alerts, AlertIntakeCounters::intakeErrors);
        FunctionCounter.builder("flowtrap.alerts.lost", alerts, AlertIntakeCounters::inboxFull)
                .description("alerts parsed but lost on the probe's side").tag("reason", "inbox_full").register(registry);
        FunctionCounter.builder("flowtrap.alerts.lost", alerts, AlertIntakeCounters::sinkFailures)
                .description("alerts parsed but lost on the probe's side").tag("reason", "sink_failure").register(registry);

        storeGauge("flowtrap.store.bytes", "bytes the store holds (sealed pcap and index files, active pcap)",
                StoreStatus::totalBytes);
        storeGauge("flowtrap.store.max.bytes", "the store's size limit (0: none)", StoreStatus::maxSizeBytes);
        storeGauge("flowtrap.store.segments", "sealed segments in the store", s -> s.segments().size());
        storeGauge("flowtrap.store.packets", "packets the store holds (sealed and active)", StoreStatus::packets);
        storeGauge("flowtrap.store.oldest.packet.seconds", "time of the oldest packet the store holds, sealed or active (Unix seconds; 0: none)",
                s -> s.oldestTimestamp() / 1e9);
        storeGauge("flowtrap.store.newest.packet.seconds", "time of the newest packet the store holds, sealed or active (Unix seconds; 0: none)",
                s -> s.newestTimestamp() / 1e9);
        FunctionCounter.builder("flowtrap.store.rotated.segments", this, m -> m.storeNow.rotatedSegments())
                .description("segments deleted by rotation: to keep the store under its size limit, or for room on a full disk")
                .register(registry);
        FunctionCounter.builder("flowtrap.store.rotated.bytes", this, m -> m.storeNow.rotatedBytes())
                .description("bytes deleted by rotation").register(registry);
        FunctionCounter.builder("flowtrap.store.rotated.disk.full.segments", store, PcapStore::rotatedForRoomSegments)
                .description("of those, segments deleted since the probe started because the disk had no room before the"
                        + " store reached its size limit (nothing lost for them)")
                .register(registry);
        FunctionCounter.builder("flowtrap.store.rotated.disk.full.bytes", store, PcapStore::rotatedForRoomBytes)
                .description("bytes of those segments").register(registry);

        // the store's writer thread: its counters are its own, safe to read from here
        FunctionCounter.builder("flowtrap.store.backlog.dropped.packets", store, PcapStore::backlogDroppedPackets)
                .description("packets of armed flows not stored because the writer's hand-off was full (store backlog)")
                .register(registry);
        FunctionCounter.builder("flowtrap.store.backlog.dropped.bytes", store, PcapStore::backlogDroppedBytes)
                .description("captured bytes of those packets").register(registry);
        Gauge.builder("flowtrap.store.backlog.bytes", store, PcapStore::backlogBytes)
                .description("bytes handed to the store's writer and not yet written").register(registry);
        FunctionCounter.builder("flowtrap.store.write.failures", store, PcapStore::writeFailures)
                .description("times writing the store failed (a full disk, an I/O error); the writer tries again a second later")
                .register(registry);
        FunctionCounter.builder("flowtrap.store.write.lost.packets", store, PcapStore::writeLostPackets)
                .description("packets handed to the writer that are not in the store because writing failed").register(registry);
        FunctionCounter.builder("flowtrap.store.write.lost.bytes", store, PcapStore::writeLostBytes)
                .description("captured bytes of those packets").register(registry);
        Gauge.builder("flowtrap.store.writing", store, s -> s.writing() ? 1 : 0)
                .description("1 while the store's writer writes, 0 from a write failure (a full disk) until it writes again")
                .register(registry);
        FunctionCounter.builder("flowtrap.store.segments.sealed", store, PcapStore::segmentsSealed)
                .description("segments sealed since the probe started").register(registry);

        for (ExtractionResult.Outcome outcome : ExtractionResult.Outcome.values()) {
            carveTimers.put(outcome, Timer.builder("flowtrap.carve.duration")
                    .description("time to carve one alert's flow out of the store (seal wait included)")
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .serviceLevelObjectives(CARVE_BUCKETS)
                    .register(registry));
        }
    }

    /**
     * Adds the carve directory's quota counters: carves removed, oldest first, to stay under
     * {@code api.carve-quota}, and their bytes. Call once.
     */
    public void carveDirectory(LongSupplier removed, LongSupplier bytesRemoved) {
        FunctionCounter.builder("flowtrap.carves.removed.quota", removed, LongSupplier::getAsLong)
                .description("carves removed, oldest first, to keep the carve directory under api.carve-quota")
                .register(registry);
        FunctionCounter.builder("flowtrap.carves.removed.quota.bytes", bytesRemoved, LongSupplier::getAsLong)
                .description("bytes of those carves").register(registry);
    }

    /**
     * Adds the spool's meters: what its shipper delivered, passed over and holds back, and the events
     * that could not be spooled ({@code unspooled}, e.g. a full disk). Call once, before scraping.
     */
    public synchronized void bindSpool(SpoolShipper shipper, LongSupplier unspooled) {
        FunctionCounter.builder("flowtrap.spool.unspooled", unspooled, LongSupplier::getAsLong)
                .description("alerts and flow records the spool could not write (a full disk): lost to the manager")
                .register(registry);
        FunctionCounter.builder("flowtrap.spool.shipped", shipper, SpoolShipper::shipped)
                .description("events the manager accepted").register(registry);
        FunctionCounter.builder("flowtrap.spool.delivery.failures", shipper, SpoolShipper::failures)
                .description("deliveries that failed and are retried (manager or Elasticsearch down, 5xx)").register(registry);
        FunctionCounter.builder("flowtrap.spool.rejected", shipper, SpoolShipper::rejected)
                .description("events the manager did not take, passed over to the dead letters").register(registry);
        FunctionCounter.builder("flowtrap.spool.dead.letters", shipper, SpoolShipper::deadLettered)
                .description("events written to the spool's dead-letter file").register(registry);
        FunctionCounter.builder("flowtrap.spool.dead.letters.lost", shipper, s -> s.deadLetters().overflowed())
                .description("events the manager did not take that did not fit in the dead-letter file (lost)").register(registry);
        Gauge.builder("flowtrap.spool.backlog", shipper, SpoolShipper::backlog)
                .description("events spooled and not yet delivered, as of the last batch").register(registry);
    }

    /** Records one carve's duration under its outcome. Thread-safe. */
    public void recordCarve(ExtractionResult.Outcome outcome, long nanos) {
        carveTimers.get(outcome).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Every meter now, in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public synchronized String scrape() {
        refresh();
        return registry.scrape();
    }

    private void refresh() {
        captureNow = capture.snapshot();
        storeNow = store.status();
    }

    private void captureCounter(String name, String description, ToLongFunction<CaptureCounters.Snapshot> value) {
        FunctionCounter.builder(name, this, m -> value.applyAsLong(m.captureNow)).description(description).register(registry);
    }

    private void alertCounter(String name, String description, AlertIntakeCounters alerts,
            ToLongFunction<AlertIntakeCounters> value) {
        FunctionCounter.builder(name, alerts, a -> value.applyAsLong(a)).description(description).register(registry);
    }

    private void storeGauge(String name, String description, ToDoubleFunction<StoreStatus> value) {
        Gauge.builder(name, this, m -> value.applyAsDouble(m.storeNow)).description(description).register(registry);
    }
}
