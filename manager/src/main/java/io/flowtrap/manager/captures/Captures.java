package io.flowtrap.manager.captures;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.CaptureRequest;
import io.flowtrap.api.manager.CaptureSummary;
import io.flowtrap.api.manager.CapturesPage;
import io.flowtrap.manager.captures.Capture.State;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.pcap.PcapMerge;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.probes.ProbeRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The captures: each is a BPF trigger named {@code capture-<id>} on every probe it names, from its
 * start until its duration ends, its packet limit is reached or it is stopped; then the triggers
 * are removed and each probe's store searched for exactly the packets the filter keeps inside the
 * capture's window (the probe API's {@code POST /api/v1/searches}), the results fetched (SHA-256
 * checked) and merged by time into one pcap, the earliest {@code max_packets}. The packets so far
 * (and so the packet limit) are watched by a count-only search of each probe every poll interval:
 * it counts exactly what the result will hold (the filter on every packet of the window), where
 * the trigger's armed-flow counter would count flows. One capture per probe at a time: another is refused (409) or queued,
 * and a queued one starts when its probes are free (first come, first served). Finished captures
 * past the retention limits (count, age, total size) have their pcaps deleted, oldest first, and
 * say when and why. All on disk ({@link CaptureStore}); a capture a restart interrupted is ended
 * at the restart ({@code manager_restart}) and carved. Thread-safe.
 */
@Component
public class Captures implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Captures.class);
    static final String NO_PACKETS = "no packets matched";
    /** Who acts when a capture ends by its limits, finishes or is deleted by retention. */
    static final String SYSTEM = "system";

    private final CaptureStore store;
    /** The probes, looked up at each use: admins add and remove them at run time (the GUI). */
    private final ProbeRegistry registry;
    /** Where what captures do on their own (start, refusal, end, result, deletion) is told, for the audit trail; never under the lock. */
    private final ApplicationEventPublisher events;
    private final CapturesProperties.Captures settings;
    private final ObjectMapper json;
    /** Every capture, by id, in creation order. */
    private final Map<String, Capture> captures = new LinkedHashMap<>();
    private final Map<String, Future<?>> carves = new ConcurrentHashMap<>();
    /** Queued captures whose triggers are being put on their probes (by a request or the poll): no one else starts them. */
    private final Set<String> starting = new HashSet<>();
    private final ScheduledExecutorService ticks;
    private final ExecutorService carvers;

    public Captures(CapturesProperties properties, ProbeRegistry registry, ObjectMapper json, ApplicationEventPublisher events)
            throws IOException {
        this.events = events;
        this.settings = properties.captures();
        this.json = json;
        this.store = new CaptureStore(properties.dataDir().resolve("captures"), json);
        this.registry = registry;
        this.ticks = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "flowtrap-captures"));
        this.carvers = Executors.newFixedThreadPool(2, r -> daemon(r, "flowtrap-capture-carve"));
        for (Capture c : store.load()) {
            captures.put(c.id(), c);
        }
    }

    /**
     * Ends the captures a restart interrupted and starts the poll: once the application is up, not
     * in the constructor, because what this does is audited, and an event published while the context
     * is still creating its beans reaches no listener (the audit trail's is registered after them).
     */
    @EventListener(ApplicationReadyEvent.class)
    public void resume() {
        List<Capture> interrupted;
        synchronized (this) {
            interrupted = captures.values().stream()
                    .filter(c -> c.state() == State.RUNNING || c.state() == State.CARVING).toList();
        }
        for (Capture c : interrupted) {
            log.info("capture {} was {} when the manager stopped: it ends now", c.id(), c.state().wire());
            if (c.state() == State.RUNNING) {
                end(c.id(), "manager_restart");
            } else {
                carves.put(c.id(), carvers.submit(() -> carve(c)));
            }
        }
        long poll = settings.pollInterval().toMillis();
        ticks.scheduleWithFixedDelay(this::tick, poll, poll, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts a capture for {@code analyst} (or queues it): 201's answer. A filter a probe refuses
     * (INVALID, libpcap's words) or a probe that cannot be reached fails the request, and nothing is kept.
     */
    public CaptureAnswer create(CaptureRequest request, String analyst) throws IOException {
        List<String> registered = registry.all().stream().map(ProbeClient::name).toList();
        List<String> names = request.probes() == null || request.probes().isEmpty() ? registered : request.probes();
        for (String p : names) {
            if (!registered.contains(p)) {
                throw new DomainException(Kind.INVALID, "unknown probe", "no probe named '" + p + "' is registered; registered: "
                        + String.join(", ", registered));
            }
        }
        if (names.isEmpty()) {
            throw new DomainException(Kind.INVALID, "no probes", "this manager knows no probe to capture on");
        }
        long duration = request.duration() != null ? request.duration() : settings.defaultDuration().toSeconds();
        if (duration > settings.maxDuration().toSeconds()) {
            throw new DomainException(Kind.INVALID, "duration too long", "at most " + settings.maxDuration().toSeconds()
                    + " s (flowtrap.captures.max-duration)");
        }
        long maxPackets = request.maxPackets() != null ? request.maxPackets() : settings.defaultMaxPackets();
        Instant now = Instant.now();
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String description = request.description() == null ? "" : request.description();
        Capture c = new Capture(id, request.name().strip(), description, analyst, request.filter(), names, duration,
                maxPackets, request.tags() == null ? List.of() : request.tags(), State.QUEUED, now.toString(), null, null,
                null, null, null, CaptureFileName.of(analyst, description.isBlank() ? request.name() : description, now),
                null, null, List.of(), null, null, null);
        boolean startNow;
        Capture busy;
        synchronized (this) {
            busy = conflicting(c);
            startNow = busy == null;
            if (startNow || Boolean.TRUE.equals(request.queue())) {
                captures.put(id, c);
                if (startNow) {
                    starting.add(id);
                }
                store.save(c);
            }
        }
        if (busy != null && !Boolean.TRUE.equals(request.queue())) {
            audit(analyst, "capture.refused", "filter", c.filter(), "probes", names, "running", busy.id());
            throw new DomainException(Kind.CONFLICT, "capture running", "capture " + busy.id() + " ('" + busy.name()
                    + "' by " + busy.analyst() + ") is " + busy.state().wire() + " on " + shared(busy, c)
                    + "; stop it, or send \"queue\": true to start when it ends");
        }
        if (startNow) {
            try {
                start(c);
            } catch (RuntimeException e) {
                synchronized (this) {
                    captures.remove(id);
                    store.delete(id);
                }
                throw e;
            } finally {
                synchronized (this) {
                    starting.remove(id);
                }
            }
        } else {
            log.info("capture {} ('{}' by {}, filter '{}') queued for {}", id, c.name(), analyst, c.filter(), names);
        }
        audit(analyst, "capture.start", "id", id, "name", c.name(), "description", description, "filter", c.filter(), "probes", names,
                "duration", duration, "max_packets", maxPackets, "tags", c.tags(), "queued", !startNow);
        return get(id);
    }

    /** The registered probes a capture may name, now (admins add and remove them at run time), by name. */
    public List<String> probeNames() {
        return registry.all().stream().map(ProbeClient::name).sorted().toList();
    }

    /** The captures, newest first, of {@code analyst} and in {@code state} (null: any). */
    public synchronized CapturesPage list(String analyst, String state) throws IOException {
        State wanted = null;
        if (state != null && !state.isBlank()) {
            try {
                wanted = State.valueOf(state.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new DomainException(Kind.INVALID, "unknown state", "state is one of " + Arrays.stream(State.values())
                        .map(State::wire).toList());
            }
        }
        List<CaptureAnswer> results = new ArrayList<>();
        List<Capture> all = new ArrayList<>(captures.values());
        all.sort(Comparator.comparing(Capture::created).reversed());
        for (Capture c : all) {
            if ((analyst == null || analyst.isBlank() || c.analyst().equals(analyst)) && (wanted == null || c.state() == wanted)) {
                results.add(answer(c));
            }
        }
        return new CapturesPage(results.size(), results, new CapturesPage.Retention(settings.maxCount(),
                settings.maxAge().toSeconds(), settings.maxTotalSize().toBytes(), totalBytes()));
    }

    public synchronized CaptureAnswer get(String id) {
        return answer(require(id));
    }

    /**
     * Stops a running capture (or drops a queued one) and waits for its result, at most
     * {@code flowtrap.captures.stop-wait}; answers the capture as it then stands.
     */
    public CaptureAnswer stop(String id, Caller caller) {
        Capture c;
        synchronized (this) {
            c = require(id);
        }
        requireAnalystOrAdmin(c, caller, "stop");
        audit(caller.name(), "capture.stop", "id", id);
        synchronized (this) {
            c = require(id);
            if (c.state() == State.QUEUED) {
                update(c.finished(State.FAILED, "stopped before it started", List.of(), null));
                return answer(captures.get(id));
            }
            if (!c.state().active()) {
                throw new DomainException(Kind.CONFLICT, "capture " + c.state().wire(), "capture " + id + " has ended already");
            }
            end(id, "stopped");
        }
        Future<?> carve = carves.get(id);
        if (carve != null) {
            try {
                carve.get(settings.stopWait().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // answered as it stands (carving): the result follows
            } catch (ExecutionException e) {
                log.warn("capture {}: carve failed", id, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DomainException(Kind.UNAVAILABLE, "interrupted", "the manager is shutting down", e);
            }
        }
        return get(id);
    }

    /**
     * Deletes a finished capture and its pcaps (an active one must be stopped first); what it was,
     * deleted by {@code caller} (its analyst or an admin: others are FORBIDDEN).
     */
    public CaptureAnswer delete(String id, Caller caller) throws IOException {
        String user = caller.name();
        Capture c;
        synchronized (this) {
            c = require(id);
        }
        requireAnalystOrAdmin(c, caller, "delete");
        synchronized (this) {
            c = require(id);
            if (c.state().active()) {
                throw new DomainException(Kind.CONFLICT, "capture " + c.state().wire(), "capture " + id + " is " + c.state().wire()
                        + "; stop it first");
            }
            store.delete(id);
            captures.remove(id);
        }
        log.info("capture {} ('{}' by {}) deleted by {}", id, c.name(), c.analyst(), user);
        audit(user, "capture.delete", "id", id, "analyst", c.analyst(), "reason", "deleted by " + user,
                "packets", c.summary() == null ? 0 : c.summary().packets(), "sha256", c.summary() == null ? null : c.summary().sha256());
        events.publishEvent(new CaptureDeleted(id, user, "deleted by " + user));
        return answer(c.state() == State.DELETED ? c : c.deleted(Instant.now(), "deleted by " + user));
    }

    /** A finished capture's pcap to download: the merged one, or one probe's ({@code probe} non-null). */
    /** A capture's pcap to hand over: the file, the name to give it, its SHA-256 (null when not known: a probe's part). */
    public record Download(Path file, String fileName, String sha256) {}

    public synchronized Download download(String id, String probe) {
        Capture c = require(id);
        if (c.state() == State.DELETED) {
            throw new DomainException(Kind.GONE, "capture deleted", "the pcaps of capture " + id + " were deleted at "
                    + c.deletedAt() + ": " + c.deletedReason());
        }
        if (c.state() != State.DONE) {
            throw new DomainException(Kind.CONFLICT, "capture " + c.state().wire(), "capture " + id + " is "
                    + c.state().wire() + (c.message() != null ? ": " + c.message() : "") + "; nothing to download");
        }
        if (c.summary() == null) {
            throw new DomainException(Kind.NOT_FOUND, NO_PACKETS, "capture " + id + " holds no packet: nothing to download");
        }
        if (probe == null || probe.isBlank()) {
            return new Download(store.result(id), c.fileName(), c.summary().sha256());
        }
        int index = c.probes().indexOf(probe);
        if (index < 0) {
            throw new DomainException(Kind.NOT_FOUND, "unknown probe", "capture " + id + " ran on " + c.probes() + ", not " + probe);
        }
        Path file = store.probeResult(id, index);
        if (!Files.isRegularFile(file)) {
            throw new DomainException(Kind.NOT_FOUND, NO_PACKETS, "probe " + probe + " gave capture " + id + " no packet");
        }
        return new Download(file, c.fileName().replaceFirst("\\.pcap$", "") + "." + probe + ".pcap", c.probeResults().get(index).sha256());
    }

    /**
     * Who asks to stop or delete a capture: the user (or {@code key-<id>}), and whether they may
     * change anyone's captures (an admin; or a key no user owns, made by the token command, which
     * names the analyst of the captures it starts and so speaks for every analyst).
     */
    public record Caller(String name, boolean anyCapture) {
        /** Whether this caller may stop or delete a capture of {@code analyst}: its own analyst may, and those who may change any. */
        public boolean mayChange(String analyst) {
            return anyCapture || name.equals(analyst);
        }
    }

    /** FORBIDDEN, audited as {@code capture.refused}, unless {@code caller} may change {@code c}; never called under the lock. */
    private void requireAnalystOrAdmin(Capture c, Caller caller, String action) {
        if (caller.mayChange(c.analyst())) {
            return;
        }
        audit(caller.name(), "capture.refused", "id", c.id(), "action", action, "analyst", c.analyst(),
                "reason", "neither its analyst nor an admin");
        throw new DomainException(Kind.FORBIDDEN, "forbidden", "capture " + c.id() + " is " + c.analyst()
                + "'s: only its analyst or an admin may " + action + " it");
    }

    private Capture require(String id) {
        Capture c = id == null ? null : captures.get(id);
        if (c == null) {
            throw new DomainException(Kind.NOT_FOUND, "no such capture", "no capture " + id + " (deleted, or never made)");
        }
        return c;
    }

    /** The first active capture sharing a probe with {@code c}, or null. */
    private Capture conflicting(Capture c) {
        for (Capture other : captures.values()) {
            if (other != c && !other.id().equals(c.id()) && other.state().active()
                    && other.probes().stream().anyMatch(c.probes()::contains)) {
                return other;
            }
        }
        return null;
    }

    private static String shared(Capture a, Capture b) {
        return String.join(", ", a.probes().stream().filter(b.probes()::contains).toList());
    }

    /** Puts the capture's trigger on each of its probes; on a failure, those put are taken off again. */
    private void start(Capture c) {
        Instant at = Instant.now();
        List<ProbeClient> armed = new ArrayList<>();
        try {
            for (String p : c.probes()) {
                ProbeClient probe = registry.require(p);
                try {
                    probe.addTrigger(trigger(c), c.filter());
                } catch (DomainException e) {
                    throw e.kind() == Kind.INVALID ? new DomainException(Kind.INVALID, "invalid filter", e.detail(), e) : e;
                }
                armed.add(probe);
            }
        } catch (RuntimeException e) {
            removeTriggers(c, armed);
            throw e;
        }
        synchronized (this) {
            Capture now = captures.get(c.id());
            if (now == null || now.state() != State.QUEUED) { // stopped while its triggers were being put
                removeTriggers(c, armed);
                return;
            }
            update(now.running(at, nanos(at)));
        }
        log.info("capture {} ('{}' by {}, filter '{}') started on {} for {} s or {} packets", c.id(), c.name(), c.analyst(),
                c.filter(), c.probes(), c.durationSeconds(), c.maxPackets() == 0 ? "any number of" : c.maxPackets());
    }

    private void removeTriggers(Capture c, List<ProbeClient> armed) {
        for (ProbeClient probe : armed) {
            try {
                probe.removeTrigger(trigger(c));
            } catch (RuntimeException again) {
                log.warn("capture {}: trigger left on {}: {}", c.id(), probe.name(), again.getMessage());
            }
        }
    }

    private static String trigger(Capture c) {
        return "capture-" + c.id();
    }

    /** Ends a running capture now ({@code reason}) and carves it in the background. */
    private synchronized void end(String id, String reason) {
        Capture c = captures.get(id);
        if (c == null || c.state() != State.RUNNING) {
            return;
        }
        Instant at = Instant.now();
        Capture carving = c.carving(at, nanos(at), reason);
        update(carving);
        log.info("capture {} ends ({}): carving {} on {}", id, reason, c.filter(), c.probes());
        carves.put(id, carvers.submit(() -> carve(carving)));
    }

    /** Removes the triggers, searches each probe's store in the window, fetches and merges: the capture's result. */
    private void carve(Capture c) {
        audit(SYSTEM, "capture.end", "id", c.id(), "reason", c.endReason(), "from_ns", c.windowFromNanos(), "to_ns", c.windowToNanos());
        try {
            for (String p : c.probes()) {
                try {
                    registry.require(p).removeTrigger(trigger(c));
                } catch (RuntimeException e) {
                    log.warn("capture {}: cannot remove its trigger from {}: {}", c.id(), p, e.getMessage());
                }
            }
            List<CaptureAnswer.ProbeResult> results = new ArrayList<>();
            List<Path> inputs = new ArrayList<>();
            for (int i = 0; i < c.probes().size(); i++) {
                results.add(carveOne(c, i, inputs));
            }
            Path result = store.result(c.id());
            PcapMerge.Merged merged = PcapMerge.merge(inputs, result, c.maxPackets());
            Capture done;
            if (merged == null) {
                boolean allFailed = results.stream().allMatch(r -> r.error() != null);
                done = allFailed
                        ? c.finished(State.FAILED, "every probe failed: " + String.join("; ", results.stream()
                                .map(r -> r.probe() + ": " + r.error()).toList()), results, null)
                        : c.finished(State.DONE, NO_PACKETS, results, null);
            } else {
                String note = merged.otherLinkType() > 0 ? merged.otherLinkType() + " packets of another link type left out" : null;
                done = c.finished(State.DONE, note, results, CaptureSummary.of(c.fileName(), merged.size(), merged.packets(),
                        merged.bytes(), merged.firstNanos(), merged.lastNanos(), merged.sha256()));
            }
            synchronized (this) {
                update(done);
            }
            log.info("capture {} ('{}' by {}) {}: {} packets, sha256 {}", c.id(), c.name(), c.analyst(), done.state().wire(),
                    merged == null ? 0 : merged.packets(), merged == null ? "-" : merged.sha256());
            audit(SYSTEM, "capture.finished", "id", c.id(), "analyst", c.analyst(), "filter", c.filter(), "probes", c.probes(),
                    "state", done.state().wire(), "packets", merged == null ? 0 : merged.packets(),
                    "bytes", merged == null ? 0 : merged.bytes(), "sha256", merged == null ? null : merged.sha256(),
                    "message", done.message(), "per_probe", results.stream().map(r -> r.probe() + ": " + r.packets() + " packets"
                            + (r.error() == null ? "" : " (" + r.error() + ")")).toList());
            startQueued();
            applyRetention();
        } catch (IOException | RuntimeException e) {
            log.warn("capture {}: carve failed", c.id(), e);
            synchronized (this) {
                Capture now = captures.get(c.id());
                if (now != null && now.state() == State.CARVING) {
                    update(now.finished(State.FAILED, "the result could not be made: " + e.getMessage(), now.probeResults(), null));
                }
            }
        } finally {
            carves.remove(c.id());
        }
    }

    /** One probe's part: its search, fetched into probe-<i>.pcap (added to {@code inputs} when it has packets). */
    private CaptureAnswer.ProbeResult carveOne(Capture c, int index, List<Path> inputs) {
        String name = c.probes().get(index);
        Path file = store.probeResult(c.id(), index);
        try {
            ProbeClient probe = registry.require(name); // NOT_FOUND if an admin removed it meanwhile: this part's error
            JsonNode report = probe.search("cap-" + c.id() + "-" + index, window(c, c.windowToNanos(), false));
            if (!"found".equals(report.path("outcome").asText())) {
                return new CaptureAnswer.ProbeResult(name, 0, 0, null, null, null, null);
            }
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), sha256)) {
                probe.fetchSearch("cap-" + c.id() + "-" + index, out, report.path("size").asLong());
            }
            String digest = HexFormat.of().formatHex(sha256.digest());
            if (!digest.equals(report.path("sha256").asText())) {
                throw new DomainException(Kind.PROBE_FAILED, "search changed in transit", "probe " + name + " announced SHA-256 "
                        + report.path("sha256").asText() + " and sent " + digest);
            }
            inputs.add(file);
            return new CaptureAnswer.ProbeResult(name, report.path("packets").asLong(), report.path("bytes").asLong(),
                    report.path("first_ts").asText(), report.path("last_ts").asText(), digest, null);
        } catch (DomainException | IOException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the retention's deletion takes it
            }
            String why = e instanceof DomainException d ? d.getMessage() + ": " + d.detail() : e.toString();
            log.warn("capture {}: no result from probe {}: {}", c.id(), name, why);
            return new CaptureAnswer.ProbeResult(name, 0, 0, null, null, null, why);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** A probe-search-request for the capture's window up to {@code toNanos}. */
    private ObjectNode window(Capture c, long toNanos, boolean countOnly) {
        ObjectNode body = json.createObjectNode().put("filter", c.filter()).put("from", c.windowFromNanos()).put("to", toNanos)
                .put("max_packets", c.maxPackets());
        if (countOnly) {
            body.put("count_only", true);
        }
        return body;
    }

    /** Every poll interval: the running captures' limits, the queue, the retention. Never throws. */
    private void tick() {
        try {
            List<Capture> running;
            synchronized (this) {
                running = captures.values().stream().filter(c -> c.state() == State.RUNNING).toList();
            }
            for (Capture c : running) {
                Instant now = Instant.now();
                if (!now.isBefore(Instant.parse(c.started()).plusSeconds(c.durationSeconds()))) {
                    end(c.id(), "duration");
                } else {
                    long seen = seen(c, nanos(now));
                    synchronized (this) {
                        Capture current = captures.get(c.id());
                        if (current != null && current.state() == State.RUNNING && seen >= 0) {
                            captures.put(c.id(), current.seen(seen)); // not saved: a restart ends it anyway
                        }
                    }
                    if (c.maxPackets() > 0 && seen >= c.maxPackets()) {
                        end(c.id(), "max_packets");
                    }
                }
            }
            startQueued();
            applyRetention();
        } catch (RuntimeException | IOException e) {
            log.warn("captures: a poll failed", e);
        }
    }

    /** Packets the filter keeps in the window so far on all the capture's probes; -1 if a probe could not say. */
    private long seen(Capture c, long nowNanos) {
        long total = 0;
        for (String p : c.probes()) {
            try {
                total += registry.require(p).search("cap-" + c.id() + "-count", window(c, nowNanos, true)).path("matched").asLong();
            } catch (DomainException e) {
                log.debug("capture {}: no count from {} this time: {}", c.id(), p, e.detail());
                return -1;
            }
        }
        return total;
    }

    /** Starts the queued captures whose probes are free, oldest first (a queued one holds its probes for later ones). */
    private void startQueued() {
        List<Capture> ready = new ArrayList<>();
        synchronized (this) {
            List<Capture> ahead = new ArrayList<>();
            for (Capture c : captures.values()) {
                if (c.state() != State.QUEUED) {
                    continue;
                }
                if (starting.contains(c.id())) {
                    ahead.add(c);
                    continue;
                }
                boolean free = captures.values().stream().noneMatch(o -> (o.state() == State.RUNNING || o.state() == State.CARVING)
                        && o.probes().stream().anyMatch(c.probes()::contains))
                        && ahead.stream().noneMatch(o -> o.probes().stream().anyMatch(c.probes()::contains));
                if (free) {
                    ready.add(c);
                    starting.add(c.id());
                }
                ahead.add(c);
            }
        }
        for (Capture c : ready) {
            try {
                start(c);
            } catch (RuntimeException e) {
                String why = e instanceof DomainException d ? d.getMessage() + ": " + d.detail() : e.toString();
                log.warn("queued capture {} could not start: {}", c.id(), why);
                synchronized (this) {
                    Capture now = captures.get(c.id());
                    if (now != null && now.state() == State.QUEUED) {
                        update(now.finished(State.FAILED, "could not start: " + why, List.of(), null));
                    }
                }
            } finally {
                synchronized (this) {
                    starting.remove(c.id());
                }
            }
        }
    }

    /** Deletes the pcaps of finished captures past the age, count and total-size limits, oldest first; tells each deletion. */
    private void applyRetention() throws IOException {
        List<Capture> deleted = new ArrayList<>();
        synchronized (this) {
            deleteOverRetention(deleted);
        }
        for (Capture c : deleted) {
            audit(SYSTEM, "capture.delete", "id", c.id(), "analyst", c.analyst(), "reason", c.deletedReason(),
                    "packets", c.summary() == null ? 0 : c.summary().packets(), "sha256", c.summary() == null ? null : c.summary().sha256());
            events.publishEvent(new CaptureDeleted(c.id(), SYSTEM, c.deletedReason()));
        }
    }

    private void deleteOverRetention(List<Capture> deleted) throws IOException {
        Instant now = Instant.now();
        List<Capture> kept = new ArrayList<>(captures.values().stream().filter(c -> c.state().finished())
                .sorted(Comparator.comparing(Capture::finishedAt)).toList());
        for (Capture c : List.copyOf(kept)) {
            if (c.finishedAt().plus(settings.maxAge()).isBefore(now)) {
                deleted.add(deleteForRetention(c, now, "older than flowtrap.captures.max-age (" + settings.maxAge() + ")"));
                kept.remove(c);
            }
        }
        while (kept.size() > settings.maxCount()) {
            deleted.add(deleteForRetention(kept.remove(0), now, "more than flowtrap.captures.max-count (" + settings.maxCount()
                    + ") finished captures"));
        }
        long total = 0;
        Map<String, Long> bytes = new LinkedHashMap<>();
        for (Capture c : kept) {
            long b = store.bytes(c.id());
            bytes.put(c.id(), b);
            total += b;
        }
        while (total > settings.maxTotalSize().toBytes() && !kept.isEmpty()) {
            Capture oldest = kept.remove(0);
            total -= bytes.get(oldest.id());
            deleted.add(deleteForRetention(oldest, now, "the captures' pcaps over flowtrap.captures.max-total-size ("
                    + settings.maxTotalSize().toBytes() + " bytes)"));
        }
        // what was deleted says so for as long as a capture is kept; then it is forgotten
        for (Capture c : List.copyOf(captures.values())) {
            if (c.state() == State.DELETED && Instant.parse(c.deletedAt()).plus(settings.maxAge()).isBefore(now)) {
                store.delete(c.id());
                captures.remove(c.id());
            }
        }
    }

    private Capture deleteForRetention(Capture c, Instant now, String reason) throws IOException {
        store.deletePcaps(c.id());
        Capture deleted = c.deleted(now, reason);
        update(deleted);
        log.info("capture {} ('{}' by {}): pcaps deleted, {}", c.id(), c.name(), c.analyst(), reason);
        return deleted;
    }

    /** Tells the audit trail of an action (fields as name, value pairs); callers hold no lock (the trail writes to Elasticsearch). */
    private void audit(String user, String action, Object... fields) {
        Map<String, Object> details = new LinkedHashMap<>();
        for (int i = 0; i < fields.length; i += 2) {
            details.put((String) fields[i], fields[i + 1]);
        }
        events.publishEvent(new Audited(user, action, details));
    }

    private long totalBytes() throws IOException {
        long total = 0;
        for (Capture c : captures.values()) {
            total += store.bytes(c.id());
        }
        return total;
    }

    /** Keeps the capture's new state, in memory and on disk. Callers hold the lock. */
    private void update(Capture c) {
        captures.put(c.id(), c);
        try {
            store.save(c);
        } catch (IOException e) {
            throw new DomainException(Kind.INTERNAL, "capture not saved", "capture " + c.id() + ": " + e.getMessage(), e);
        }
    }

    private CaptureAnswer answer(Capture c) {
        boolean downloadable = c.state() == State.DONE && c.summary() != null;
        return new CaptureAnswer(c.id(), c.name(), c.description().isEmpty() ? null : c.description(), c.analyst(), c.filter(),
                c.probes(), c.durationSeconds(), c.maxPackets(), c.tags(), c.state().wire(), c.created(), c.started(), c.ended(),
                c.endReason(), instant(c.windowFromNanos()), instant(c.windowToNanos()), c.fileName(),
                c.state() == State.RUNNING ? c.packetsSeen() : null, c.message(), c.probeResults().isEmpty() ? null : c.probeResults(),
                c.summary(), downloadable ? "/rest/captures/" + c.id() + "/download/" : null,
                c.state().finished() ? c.finishedAt().plus(settings.maxAge()).toString() : null,
                c.state() == State.DELETED ? new CaptureAnswer.Deleted(c.deletedAt(), c.deletedReason()) : null);
    }

    private static String instant(Long nanos) {
        return nanos == null ? null : Instant.ofEpochSecond(0, nanos).toString();
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Override
    public void close() {
        ticks.shutdownNow();
        carvers.shutdown();
        try {
            carvers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
