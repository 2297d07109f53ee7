package io.flowtrap.probe.pipeline;

import io.flowtrap.packet.BpfProgram;
import io.flowtrap.packet.CommunityId;
import io.flowtrap.packet.DecodedPacket;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.FlowResolver;
import io.flowtrap.packet.PacketDecoder;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.flow.FlowEndReason;
import io.flowtrap.probe.flow.FlowTable;
import io.flowtrap.probe.lookback.LookbackRing;
import io.flowtrap.probe.trigger.TriggerSet;
import io.flowtrap.store.BackpressurePolicy;
import io.flowtrap.store.PcapStore;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe's per-packet path: resolve the packet's flow, track it, and either hold the packet in
 * the look-back ring or, once the flow is armed by an alert, write it to the store. Arming writes
 * the flow's packets still held in the ring first, in capture order, so a stored flow is whole from
 * its start whenever the ring still held its start. Each packet reaches the store at most once:
 * a flow is armed once, however many alerts name it. The store only takes a copy of each packet
 * (its writer thread does the disk work), and of the packets the ring holds not even that: their
 * positions ({@link PcapStore#appendHeld}), the writer copying them from the ring, which keeps them
 * pinned until it has ({@link HandedOverChains}); a replay waits for the writer when the ring needs
 * that room, a live capture does not hold the new packet (counted: look-back blocked). A packet the
 * store could not take (store backlog) is counted against its flow, so the flow's record says what
 * the store really holds.
 *
 * <p>Owned by one capture thread: {@link #onPacket} and {@link #onAlert} must be called from it.
 * Other threads hand alerts over with {@link #submit}, which the capture thread drains before each
 * packet (a bounded lock-free {@link BoundedInbox} allocated up front; an empty poll allocates nothing).
 * An alert that finds the inbox full is counted as lost ({@link AlertIntakeCounters#inboxFull()})
 * and logged once per episode, never waited for.
 */
public final class CaptureEngine implements FlowTable.FlowEndListener {
    private static final Logger log = LoggerFactory.getLogger(CaptureEngine.class);
    private static final long HOUSEKEEPING_INTERVAL_NANOS = 1_000_000_000L;
    /** How many recently ended flows are remembered, to tell a late alert from an unknown one. */
    private static final int RECENTLY_ENDED = 1 << 16;
    /** Alerts for flows not seen yet wait this long, in packet time, for their flow to appear. */
    private static final long PENDING_GRACE_NANOS = 10_000_000_000L;
    private static final int PENDING_CAPACITY = 4096;
    /** Alerts the readers may queue ahead of the capture thread: more than Suricata sends in seconds. */
    static final int INBOX_CAPACITY = 1 << 16;
    /** Look-back chains the store's writer may have yet to copy at once before their pins merge. */
    private static final int CHAINS_HANDED_OVER = 1 << 16;

    /**
     * Stands for "this alert has no Community ID hash": {@link #onAlert(EveAlert, long)} then finds
     * its flow by the 5-tuple only. A real hash of 0 is one in 2^64; it, too, only loses the faster lookup.
     */
    public static final long NO_COMMUNITY_HASH = 0;

    private final FlowTable flows;
    private LookbackRing ring; // replaced, on the capture thread, by a new look-back size (useLookback)
    private final PcapStore store;
    private final FlowResolver resolver = new FlowResolver();
    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket redecoded = new DecodedPacket();
    private final AlertIntakeCounters alertCounters;
    private final CaptureCounters counters = new CaptureCounters();
    private final BoundedInbox<EveAlert> inbox = new BoundedInbox<>(INBOX_CAPACITY);
    /** Set while alerts are being refused (the inbox is full): one warning per episode. */
    private final AtomicBoolean inboxOverflowing = new AtomicBoolean();
    private final AtomicLong inboxLostInEpisode = new AtomicLong();

    private final byte[] key = new byte[FlowKey.SIZE];
    private final byte[] alertKey = new byte[FlowKey.SIZE];
    private final byte[] digest = new byte[20];
    private final byte[] endedDigest = new byte[20];
    private long[] chain;
    private final HandedOverChains handedOver = new HandedOverChains(CHAINS_HANDED_OVER);
    private final PacketRecord held = new PacketRecord();
    private final PendingAlerts pending = new PendingAlerts(PENDING_CAPACITY);
    private final RecentlyEnded recentlyEnded = new RecentlyEnded(RECENTLY_ENDED);
    // What the store holds of each armed flow, by slot (reset when a flow is armed): told at its end.
    private final long[] storedPackets;
    private final long[] storedBytes;
    private final long[] firstStoredNanos;
    private final boolean[] storedFromStart;
    private final long[] backlogLost;
    /** What armed each armed flow ({@link TriggerSet} bits; {@link TriggerSet#ALERT}: an alert) and the set that names them. */
    private final long[] armedBy;
    private final TriggerSet[] armedUnder;
    /** The triggers new flows are tested with: the capture thread's copy of {@link #offeredTriggers}. */
    private TriggerSet triggers = TriggerSet.EMPTY;
    private final AtomicReference<TriggerSet> offeredTriggers = new AtomicReference<>(TriggerSet.EMPTY);
    /** Flows each trigger bit armed since its trigger came into force (read by the probe API). */
    private final AtomicLongArray armedByBit = new AtomicLongArray(64);
    private final int[] filterMemory = new int[BpfProgram.MEMORY_WORDS];
    private final PacketRecord scanned = new PacketRecord();
    private StoredFlowListener storedFlowListener; // null: nobody asks, nothing is built
    /** A look-back ring of a new size waiting for the capture thread's next housekeeping (once a second). */
    private final AtomicReference<LookbackSwap> lookbackSwap =
            new AtomicReference<>();
    /** Whether an alert arms its flow (pcap extraction on alerts); read once per alert, never per packet. */
    private volatile boolean pcapExtractionOnAlerts = true;
    private long nextHousekeepingNanos = Long.MIN_VALUE;
    private long clockNanos;
    private boolean monotonicTimers;
    private long monotonicBase;

    public CaptureEngine(FlowTable flows, LookbackRing ring, PcapStore store, AlertIntakeCounters alertCounters) {
        this.flows = flows;
        this.ring = ring;
        this.store = store;
        this.alertCounters = alertCounters;
        this.chain = new long[ring.maxRecords()];
        store.holdFrom(ring);
        this.storedPackets = new long[flows.maxFlows()];
        this.storedBytes = new long[flows.maxFlows()];
        this.firstStoredNanos = new long[flows.maxFlows()];
        this.storedFromStart = new boolean[flows.maxFlows()];
        this.backlogLost = new long[flows.maxFlows()];
        this.armedBy = new long[flows.maxFlows()];
        this.armedUnder = new TriggerSet[flows.maxFlows()];
    }

    /**
     * What the store holds of one armed flow, told when the flow ends: the packets and bytes it
     * took, whether they start at the flow's first packet, how many packets of the armed flow it
     * could not take (store backlog), and what armed it ("alert", and the names of triggers); its key
     * ({@link FlowKey}, a copy) and the trigger set that armed it, so that whoever hears it can find,
     * off the capture thread, the watchlist entry an endpoint fell in.
     */
    public record StoredFlow(String communityId, long firstStoredNanos, long lastSeenNanos, long storedPackets,
            long storedBytes, long flowPackets, boolean fromFlowStart, long backlogLostPackets, FlowEndReason end,
            List<String> armedBy, byte[] flowKey, TriggerSet armedUnder) {
        public StoredFlow {
            armedBy = List.copyOf(armedBy);
        }

        /** Without the key and the triggers (a flow told by something other than the engine, a test). */
        public StoredFlow(String communityId, long firstStoredNanos, long lastSeenNanos, long storedPackets, long storedBytes,
                long flowPackets, boolean fromFlowStart, long backlogLostPackets, FlowEndReason end, List<String> armedBy) {
            this(communityId, firstStoredNanos, lastSeenNanos, storedPackets, storedBytes, flowPackets, fromFlowStart,
                    backlogLostPackets, end, armedBy, null, null);
        }

        /**
         * Equal by value, the key by its bytes (a record compares arrays by reference); {@code armedUnder}, a
         * lookup aid whose names {@code armedBy} already holds, is not compared.
         */
        @Override
        public boolean equals(Object o) {
            return o instanceof StoredFlow f && communityId.equals(f.communityId) && firstStoredNanos == f.firstStoredNanos
                    && lastSeenNanos == f.lastSeenNanos && storedPackets == f.storedPackets && storedBytes == f.storedBytes
                    && flowPackets == f.flowPackets && fromFlowStart == f.fromFlowStart
                    && backlogLostPackets == f.backlogLostPackets && end == f.end && armedBy.equals(f.armedBy)
                    && Arrays.equals(flowKey, f.flowKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(communityId, firstStoredNanos, lastSeenNanos, storedPackets, armedBy) * 31 + Arrays.hashCode(flowKey);
        }

        @Override
        public String toString() {
            return "StoredFlow[" + communityId + " " + (flowKey == null ? "" : FlowKey.toString(flowKey, 0)) + " first "
                    + firstStoredNanos + " last " + lastSeenNanos + " stored " + storedPackets + "/" + flowPackets + " packets "
                    + storedBytes + " bytes, from start " + fromFlowStart + ", backlog lost " + backlogLostPackets + ", " + end
                    + ", armed by " + armedBy + "]";
        }

        /** From its first packet, with no packet lost to the store backlog after it. */
        public boolean whole() {
            return fromFlowStart && backlogLostPackets == 0;
        }
    }

    /** Told on the capture thread, once per alerted flow as it ends (not per packet). */
    @FunctionalInterface
    public interface StoredFlowListener {
        void flowStored(StoredFlow flow);
    }

    /** Sets who hears of each alerted flow's end (the probe's spool); call before the first packet. */
    public void onStoredFlow(StoredFlowListener listener) {
        this.storedFlowListener = listener;
    }

    /**
     * Thread-safe: queues an alert for the capture thread, which applies it before its next packet.
     * Never waits: if the inbox is full the alert is counted as lost and false is returned.
     */
    public boolean submit(EveAlert alert) {
        if (inbox.offer(alert)) {
            if (inboxOverflowing.get() && inboxOverflowing.compareAndSet(true, false)) {
                log.warn("alert inbox accepts alerts again; {} alerts were lost while it was full",
                        inboxLostInEpisode.getAndSet(0));
            }
            return true;
        }
        alertCounters.incrementInboxFull();
        inboxLostInEpisode.incrementAndGet();
        if (inboxOverflowing.compareAndSet(false, true)) {
            log.warn("alert inbox full ({} alerts waiting for the capture thread): alerts are lost and counted"
                    + " until it drains", inbox.capacity());
        }
        return false;
    }

    /**
     * Thread-safe: whether alerts arm their flows from now on. Off, an alert (and one waiting for its
     * flow) arms nothing and is counted as unarmed; flows armed before go on being stored until they
     * end. Decided per alert, where it would arm: no cost per packet.
     */
    public void pcapExtractionOnAlerts(boolean on) {
        pcapExtractionOnAlerts = on;
    }

    private record LookbackSwap(LookbackRing ring, long[] chain, CompletableFuture<Void> done) {}

    /**
     * Thread-safe: replaces the look-back ring by {@code ring} (of the same flows, allocated by the
     * caller off the capture thread), at the capture thread's next housekeeping, within a second
     * of its timer clock. What the old ring held is given up, counted: its packets of flows still
     * waiting as look-back evictions of waiting flows, and such a flow, if an alert arms it later,
     * is stored from its next packet (a look-back miss). The future completes once the new ring is
     * in use.
     */
    public CompletableFuture<Void> useLookback(LookbackRing ring) {
        LookbackSwap swap = new LookbackSwap(ring, new long[ring.maxRecords()], new CompletableFuture<>());
        LookbackSwap replaced = lookbackSwap.getAndSet(swap);
        if (replaced != null) {
            replaced.done().cancel(false); // a later size came first
        }
        return swap.done();
    }

    /**
     * Capture thread, at housekeeping: puts a waiting look-back ring in use, once the store's writer
     * has copied every chain handed to it from the old one (else at a later housekeeping).
     */
    private void takeLookbackSwap() {
        LookbackSwap swap = lookbackSwap.get();
        if (swap == null) {
            return;
        }
        handedOver.taken(store.takenPosition());
        if (!handedOver.isEmpty()) {
            return; // the writer still reads the old ring: in a second, it will not
        }
        if (!lookbackSwap.compareAndSet(swap, null) || swap.done().isCancelled()) {
            return;
        }
        ring.pinFrom(Long.MAX_VALUE);
        swap.ring().continueFrom(ring);
        ring = swap.ring();
        chain = swap.chain();
        store.holdFrom(ring);
        swap.done().complete(null);
    }

    /**
     * Thread-safe: puts a set of triggers in force (replacing the last). The capture thread takes
     * it up at its next housekeeping (within a second of its timer clock; before the first packet
     * when given before it) and then tests what it already holds with each trigger that is new: a
     * watchlist against every live flow not armed yet, a filter against every packet the look-back
     * ring holds of such flows; so a trigger reaches back as far as the look-back ring does.
     */
    public void useTriggers(TriggerSet set) {
        offeredTriggers.set(Objects.requireNonNull(set, "set"));
    }

    /** The triggers in force, or about to be ({@link #useTriggers}). */
    public TriggerSet triggers() {
        return offeredTriggers.get();
    }

    /** Thread-safe: flows the trigger on {@code bit} has armed since it came into force. */
    public long flowsArmedBy(int bit) {
        return armedByBit.get(bit);
    }

    /**
     * The packet source's own losses, as it reports them now; call on the capture thread now and
     * then (not per packet). Published with the other counters.
     */
    public void sourceLosses(long kernelDrops, long ringFreezes) {
        // the counts only grow; a closed source answers 0 (or -1 on an error), which must not hide them
        counters.kernelDrops = Math.max(counters.kernelDrops, kernelDrops);
        counters.ringFreezes = Math.max(counters.ringFreezes, ringFreezes);
    }

    /**
     * Runs timers (flow timeouts, the grace of alerts waiting for their flow, the store's segment age)
     * on a monotonic clock instead of packet time: for a live capture, where packet timestamps follow
     * the wall clock, which can step (NTP, an operator) and would otherwise stall every timer for the
     * length of a backward step. The clock starts at the wall time of this call and then only
     * advances with {@link System#nanoTime()}; packets keep their own timestamps. Call before the
     * first packet.
     */
    public void useMonotonicTimers() {
        monotonicBase = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        monotonicTimers = true;
    }

    /**
     * The timer clock: the newest packet's timestamp in a replay, the monotonic clock of {@link
     * #useMonotonicTimers} on a live capture. Never goes back.
     */
    public long clockNanos() {
        return clockNanos;
    }

    public CaptureCounters counters() {
        return counters;
    }

    /** Processes one packet. Allocation-free in steady state. */
    public void onPacket(PacketRecord packet) throws IOException {
        long ts = beginPacket(packet);
        if (!resolver.resolve(packet, key, 0)) {
            counters.unparsed++;
            return;
        }
        DecodedPacket decoded = resolver.decoded();
        int slot = flows.track(key, 0, flows.keyHash(key, 0), decoded.protocol, decoded.tcpFlags,
                resolver.lastFromLow(), ts, clockNanos, packet.wireLength(), this);
        if (flows.lastTrackCreated()) {
            resolver.communityId(digest, 0);
            flowCreated(slot, key, 0, packet);
        }
        holdOrStore(packet, slot);
    }

    /**
     * As {@link #onPacket}, for a packet another thread has resolved already: its flow key, hash and
     * headers are in {@code ring}'s entry at {@code at}. Decodes the packet again only when it starts
     * a flow (for its Community ID).
     */
    void onResolvedPacket(PacketRecord packet, ResolvedPacketRing ring, int at) throws IOException {
        long ts = beginPacket(packet);
        long flags = ring.flags(at);
        if (!ResolvedPacketRing.resolved(flags)) {
            counters.unparsed++;
            return;
        }
        byte[] entries = ring.entries();
        int slot = flows.track(entries, at, ring.hash(at), ResolvedPacketRing.protocol(flags),
                ResolvedPacketRing.tcpFlags(flags), ResolvedPacketRing.fromLow(flags), ts, clockNanos,
                packet.wireLength(), this);
        if (flows.lastTrackCreated()) {
            if (!decoder.decode(packet, redecoded)) {
                throw new IllegalStateException("a packet resolved by the resolving thread does not decode here");
            }
            resolver.communityId(redecoded, ResolvedPacketRing.communityIdSrcPort(flags),
                    ResolvedPacketRing.communityIdDstPort(flags), digest, 0);
            flowCreated(slot, entries, at, packet);
        }
        holdOrStore(packet, slot);
    }

    /** What every packet does first: pending alerts, the clock, counts, housekeeping when due. */
    private long beginPacket(PacketRecord packet) throws IOException {
        drainInbox();
        long ts = packet.timestampNanos();
        long timer = monotonicTimers ? System.nanoTime() + monotonicBase : ts;
        if (timer > clockNanos) {
            clockNanos = timer;
        }
        counters.packets++;
        counters.bytes += packet.wireLength();
        if (clockNanos >= nextHousekeepingNanos) {
            housekeeping();
        }
        return ts;
    }

    /**
     * A flow was just created for {@code packet}, whose Community ID is in {@link #digest}: alerts
     * may wait for it, and triggers in force may take it.
     */
    private void flowCreated(int slot, byte[] flowKey, int keyOffset, PacketRecord packet) throws IOException {
        flows.setCommunityId(slot, digest, 0);
        int waiting = pending.isEmpty() ? 0 : pending.take(flows.communityHash(slot), flowKey, keyOffset);
        long triggered = triggers.isEmpty() ? 0 : triggers.match(triggers.bits(), packet, flowKey, keyOffset, filterMemory);
        if (waiting > 0 && !pcapExtractionOnAlerts) {
            for (int i = 0; i < waiting; i++) {
                alertCounters.incrementUnarmed();
            }
            waiting = 0; // alerts arm nothing while extraction is off; triggers still do
        }
        if (waiting > 0) {
            alertCounters.incrementMatched();
            for (int i = 1; i < waiting; i++) {
                alertCounters.incrementDuplicate();
            }
            arm(slot, TriggerSet.ALERT | triggered);
        } else if (triggered != 0) {
            counters.triggerArmedFlows++;
            arm(slot, triggered);
        }
    }

    /** An armed flow's packet goes to the store, any other's to the look-back ring. */
    private void holdOrStore(PacketRecord packet, int slot) {
        if (flows.armed(slot)) {
            store(packet, slot);
            return;
        }
        long position = ring.append(packet, flows.lookbackHead(slot), flows.handle(slot));
        if (position == LookbackRing.PINNED) {
            position = appendPastPins(packet, slot);
        }
        if (position < 0) {
            if (position == LookbackRing.TOO_LARGE) {
                counters.lookbackTooLarge++;
            } else {
                counters.lookbackBlocked++;
            }
            flows.setLookbackHead(slot, LookbackRing.BROKEN_CHAIN); // the flow can no longer be stored whole
            return;
        }
        counters.lookbackWrites++;
        flows.setLookbackHead(slot, position);
    }

    /**
     * The ring's room is pinned by chains handed to the store's writer: unpins what it has taken
     * and tries again; a replay waits for the writer to take the oldest chain, a live capture does not.
     */
    private long appendPastPins(PacketRecord packet, int slot) {
        while (true) {
            handedOver.taken(store.takenPosition());
            ring.pinFrom(handedOver.oldestHeld());
            long position = ring.append(packet, flows.lookbackHead(slot), flows.handle(slot));
            if (position != LookbackRing.PINNED || store.backpressure() != BackpressurePolicy.WAIT
                    || !store.awaitTaken(handedOver.oldestHandoffEnd())) {
                return position;
            }
        }
    }

    /** The flow table, for a thread that resolves packets ahead of this one ({@link FlowTable#keyHash} only). */
    FlowTable flows() {
        return flows;
    }

    /**
     * Lets a live capture's quiet moments count: applies queued alerts and advances the timer clock
     * so idle flows expire and segments seal: to the monotonic clock with {@link
     * #useMonotonicTimers}, else to {@code nowNanos} (wall clock) if it is ahead.
     */
    public void idle(long nowNanos) throws IOException {
        drainInbox();
        applyOfferedTriggers();
        long timer = monotonicTimers ? System.nanoTime() + monotonicBase : nowNanos;
        if (timer > clockNanos) {
            clockNanos = timer;
        }
        if (clockNanos >= nextHousekeepingNanos) {
            housekeeping();
        }
    }

    /**
     * Applies one alert on the capture thread: finds its flow (Community ID, else the 5-tuple and
     * VLANs) and arms it. Counts matched, duplicate (flow already armed), late (flow already ended)
     * and unknown alerts (flow not seen within a grace period: see {@link PendingAlerts}).
     */
    public void onAlert(EveAlert alert) throws IOException {
        long hash = NO_COMMUNITY_HASH;
        if (alert.communityId() != null) {
            try {
                hash = CommunityId.hash64(alert.communityId());
            } catch (IllegalArgumentException e) {
                log.warn("alert sid {} has an unreadable community_id ({}); matching by 5-tuple", alert.signatureId(), e.getMessage());
            }
        }
        onAlert(alert, hash);
    }

    /**
     * As {@link #onAlert(EveAlert)}, with the {@link CommunityId#hash64(String) hash} of the alert's
     * Community ID worked out already (by whoever read the alert, off the capture thread), or
     * {@link #NO_COMMUNITY_HASH}.
     */
    public void onAlert(EveAlert alert, long hash) throws IOException {
        if (!pcapExtractionOnAlerts) {
            alertCounters.incrementUnarmed();
            return;
        }
        int slot = hash == NO_COMMUNITY_HASH ? -1 : flows.findByCommunityHash(hash);
        if (slot < 0) {
            alert.writeFlowKey(alertKey, 0);
            slot = flows.find(alertKey, 0);
        }
        if (slot < 0) {
            if (hash != NO_COMMUNITY_HASH && endedRecently(hash)) {
                alertCounters.incrementLate();
            } else if (!pending.add(hash, alertKey, 0, clockNanos + PENDING_GRACE_NANOS)) {
                alertCounters.incrementUnknown(); // the oldest pending alert gave way
            }
            return;
        }
        if (flows.armed(slot)) {
            alertCounters.incrementDuplicate();
            armedBy[slot] |= TriggerSet.ALERT;
            return;
        }
        alertCounters.incrementMatched();
        arm(slot, TriggerSet.ALERT);
    }

    /**
     * Settles pending alerts, ends every flow, waits until the store's writer has written every
     * packet handed to it, and publishes counters; call when the source is drained.
     */
    public void finish() throws IOException {
        drainInbox();
        for (int i = pending.expire(Long.MAX_VALUE); i > 0; i--) {
            alertCounters.incrementUnknown();
        }
        flows.endAll(this);
        store.flush();
        publishCounters();
    }

    /** Copies in the flow table's and the look-back ring's counts, then publishes all. */
    private void publishCounters() {
        counters.flowsTracked = flows.size();
        counters.flowEvictions = flows.evicted();
        counters.lookbackEvictedWaiting = ring.overwrittenWaiting();
        counters.publish();
    }

    private void drainInbox() throws IOException {
        EveAlert alert;
        while ((alert = inbox.poll()) != null) {
            onAlert(alert);
        }
    }

    /** Arms a flow not armed yet, for the reasons in {@code by} ({@link TriggerSet} bits). */
    private void arm(int slot, long by) throws IOException {
        flows.arm(slot);
        counters.armedFlows++;
        armedBy[slot] = by;
        armedUnder[slot] = triggers;
        for (long rest = by & ~TriggerSet.ALERT; rest != 0; rest &= rest - 1) {
            armedByBit.incrementAndGet(Long.numberOfTrailingZeros(rest)); // once per flow, not per packet
        }
        storedPackets[slot] = 0;
        storedBytes[slot] = 0;
        firstStoredNanos[slot] = 0;
        backlogLost[slot] = 0;
        long head = flows.lookbackHead(slot);
        if (head >= 0) {
            int n = ring.collectChain(head, chain);
            boolean whole = ring.lastChainComplete();
            storedFromStart[slot] = whole; // before storing: a first packet the store cannot take clears it
            if (whole) {
                counters.lookbackHits++;
            } else {
                counters.lookbackMisses++;
            }
            storeHeld(slot, n);
        } else if (head == -1 && flows.packets(slot) <= 1) {
            counters.lookbackHits++; // armed by a waiting alert as its first packet arrives: stored whole
            storedFromStart[slot] = true;
        } else {
            counters.lookbackMisses++;
            storedFromStart[slot] = false;
        }
        flows.setLookbackHead(slot, -1);
    }

    /**
     * Hands the flow's {@code n} held packets in {@link #chain} to the store by position and pins
     * them in the ring until its writer has copied them; counts them for the flow (the ring's record
     * headers give their lengths and times).
     */
    private void storeHeld(int slot, int n) {
        if (n == 0) {
            return;
        }
        int taken = store.appendHeld(chain, n, flows.communityIds(), flows.communityIdOffset(slot), flows.keys(),
                flows.keyOffset(slot));
        for (int i = 0; i < n; i++) {
            if (i < taken) {
                ring.read(chain[i], held);
                countStored(held, slot);
            } else {
                lostToBacklog(slot);
            }
        }
        if (taken > 0) {
            handedOver.add(store.handedOffPosition(), chain[0]);
            ring.pinFrom(handedOver.oldestHeld());
        }
    }

    private void store(PacketRecord packet, int slot) {
        if (store.append(packet, flows.communityIds(), flows.communityIdOffset(slot), flows.keys(), flows.keyOffset(slot))) {
            countStored(packet, slot);
        } else {
            lostToBacklog(slot);
        }
    }

    /** A packet of the flow the store could not take: it counts the loss itself; the flow must not look whole. */
    private void lostToBacklog(int slot) {
        backlogLost[slot]++;
        if (storedPackets[slot] == 0) {
            storedFromStart[slot] = false;
        }
    }

    private void countStored(PacketRecord packet, int slot) {
        counters.storedPackets++;
        counters.storedBytes += packet.capturedLength();
        if (storedPackets[slot]++ == 0) {
            firstStoredNanos[slot] = packet.timestampNanos();
        }
        storedBytes[slot] += packet.capturedLength();
    }

    /** Takes up the set {@link #useTriggers} offered, if it is new, and lets its new triggers reach back. */
    private void applyOfferedTriggers() throws IOException {
        TriggerSet offered = offeredTriggers.get();
        if (offered == triggers) {
            return;
        }
        long added = 0;
        for (long rest = offered.bits(); rest != 0; rest &= rest - 1) {
            int bit = Long.numberOfTrailingZeros(rest);
            if (offered.trigger(bit) != triggers.trigger(bit)) {
                added |= 1L << bit;
                armedByBit.set(bit, 0);
            }
        }
        triggers = offered;
        if (added != 0) {
            reachBack(added);
        }
    }

    /**
     * Arms the live, unarmed flows the triggers on {@code bits} take: by their addresses (watchlists),
     * or by a packet of theirs still in the look-back ring (filters). Runs once per new trigger, on
     * the capture thread: one pass over the flow table and one over the look-back ring's records.
     */
    private void reachBack(long bits) throws IOException {
        long lists = 0;
        for (long rest = bits; rest != 0; rest &= rest - 1) {
            int bit = Long.numberOfTrailingZeros(rest);
            if (triggers.trigger(bit).isWatchlist()) {
                lists |= 1L << bit;
            }
        }
        long filters = bits & ~lists;
        if (lists != 0) {
            byte[] keys = flows.keys();
            for (int slot = 0; slot < flows.maxFlows(); slot++) {
                if (flows.waiting(slot)) {
                    long m = triggers.matchEndpoints(lists, keys, flows.keyOffset(slot));
                    if (m != 0) {
                        counters.triggerArmedFlows++;
                        arm(slot, m);
                    }
                }
            }
        }
        if (filters != 0) {
            byte[] keys = flows.keys();
            for (long p = ring.oldest(); p >= 0; p = ring.after(p)) {
                long owner = ring.owner(p);
                if (owner != LookbackRing.NO_OWNER && flows.waitingForAlert(owner)) {
                    int slot = (int) (owner >>> 32);
                    ring.read(p, scanned);
                    long m = triggers.match(filters, scanned, keys, flows.keyOffset(slot), filterMemory);
                    if (m != 0) {
                        counters.triggerArmedFlows++;
                        arm(slot, m); // stores the flow's held packets; the ring itself does not change
                    }
                }
            }
        }
    }

    private void housekeeping() throws IOException {
        if (lookbackSwap.get() != null) {
            takeLookbackSwap();
        }
        applyOfferedTriggers();
        for (int i = pending.expire(clockNanos); i > 0; i--) {
            alertCounters.incrementUnknown();
        }
        flows.expire(clockNanos, this);
        store.tick(clockNanos); // the writer seals by age on this clock
        publishCounters();
        nextHousekeepingNanos = clockNanos + HOUSEKEEPING_INTERVAL_NANOS;
    }

    @Override
    public void flowEnded(int slot, FlowEndReason reason) {
        recentlyEnded.add(flows.communityHash(slot));
        if (storedFlowListener != null && flows.armed(slot)) {
            flows.copyCommunityId(slot, endedDigest, 0);
            storedFlowListener.flowStored(new StoredFlow(CommunityId.format(endedDigest, 0), firstStoredNanos[slot],
                    flows.lastSeen(slot), storedPackets[slot], storedBytes[slot], flows.packets(slot),
                    storedFromStart[slot], backlogLost[slot], reason, armedUnder[slot].names(armedBy[slot]),
                    Arrays.copyOfRange(flows.keys(), flows.keyOffset(slot), flows.keyOffset(slot) + FlowKey.SIZE),
                    armedUnder[slot]));
        }
    }

    private boolean endedRecently(long hash) {
        return recentlyEnded.contains(hash);
    }
}
