package io.flowtrap.manager.searches;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.CaptureSummary;
import io.flowtrap.api.manager.SearchAnswer;
import io.flowtrap.api.manager.SearchRequest;
import io.flowtrap.api.manager.SearchesPage;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.pcap.PcapMerge;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.probes.ProbeRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * The searches: each asks every probe it names for the packets its filter keeps in its window
 * (the probe API's {@code POST /api/v1/searches/<job>}), fetches each part (SHA-256 checked) and
 * merges the parts by time into one pcap. A probe runs one search of this manager at a time (one
 * thread per probe, first come first served); a part waiting for it shows its queue position. A
 * request whose window is longer than {@code max-window}, or whose window a probe's manifest says
 * covers more than {@code max-bytes} of that probe's store, is refused before anything is read. A
 * part whose probe is busy or unreachable is tried again, {@code max-attempts} calls at most, each
 * reason kept (one whose probe did not answer within {@code flowtrap.probe-timeout} is told to stop
 * and fails: the bound is what keeps parts short enough); a part that fails fails alone (the search is done with the others' packets, and
 * says which probe failed and why), the search fails only when every part failed. While a part
 * runs its probe is asked how far it has come ({@code GET .../progress}) every progress interval;
 * a cancel drops the queued parts and asks the probes to stop the running ones ({@code DELETE}).
 * The searches are kept in memory (a restart forgets them) and their pcaps under {@code
 * <data-dir>/searches/<id>/}, the newest {@code max-kept} finished ones. Each start, cancel, end
 * (finished, failed) and delete (a user's, or {@code system}'s past {@code max-kept}, saying so) is
 * audited ({@link Audited}, published outside the lock). Thread-safe.
 */
@Component
public class Searches implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Searches.class);
    static final String NO_PACKETS = "no packets matched";
    /** Who deletes the searches past {@code max-kept}. */
    static final String SYSTEM = "system";

    /** Where a search, or one probe's part of it, stands. */
    enum State {
        QUEUED, RUNNING, DONE, FAILED, CANCELLED;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        boolean ended() {
            return this == DONE || this == FAILED || this == CANCELLED;
        }
    }

    /** One probe's part of a search; guarded by the Searches' lock. */
    private static final class Part {
        final String probe;
        final String job;
        State state = State.QUEUED;
        Long windowSegments;
        Long windowBytes;
        SearchAnswer.Progress progress;
        long packets;
        long bytes;
        String sha256;
        int attempts;
        final List<String> retryReasons = new ArrayList<>();
        String error;
        Path file;

        Part(String probe, String job) {
            this.probe = probe;
            this.job = job;
        }
    }

    /** One search; guarded by the Searches' lock. */
    private static final class Search {
        final String id;
        final String analyst;
        final String filter;
        final long fromNanos;
        final long toNanos;
        final List<String> probes;
        final Instant created;
        final List<Part> parts = new ArrayList<>();
        State state = State.QUEUED;
        Instant ended;
        String message;
        CaptureSummary summary;
        boolean cancelled;
        /** Its parts have ended and one thread merges them: no other does. */
        boolean finishing;

        Search(String id, String analyst, String filter, long fromNanos, long toNanos, List<String> probes, Instant created) {
            this.id = id;
            this.analyst = analyst;
            this.filter = filter;
            this.fromNanos = fromNanos;
            this.toNanos = toNanos;
            this.probes = List.copyOf(probes);
            this.created = created;
        }
    }

    private final SearchesProperties.Searches settings;
    private final Path dir;
    private final ObjectMapper json;
    private final Map<String, ProbeClient> probes = new LinkedHashMap<>();
    /** Each probe's one search thread. */
    private final Map<String, ExecutorService> lanes = new LinkedHashMap<>();
    /** Each probe's parts not ended yet, in the order they were asked (the running one first). */
    private final Map<String, List<Part>> lines = new LinkedHashMap<>();
    private final Map<String, Search> searches = new LinkedHashMap<>();
    private final ScheduledExecutorService ticks;
    private final ApplicationEventPublisher events;

    public Searches(SearchesProperties properties, ProbeRegistry registry, ObjectMapper json, ApplicationEventPublisher events)
            throws IOException {
        this.events = events;
        this.settings = properties.searches();
        this.json = json;
        this.dir = Files.createDirectories(properties.dataDir().resolve("searches"));
        for (ProbeClient p : registry.all()) {
            probes.put(p.name(), p);
            lanes.put(p.name(), Executors.newSingleThreadExecutor(r -> daemon(r, "flowtrap-search-" + p.name())));
            lines.put(p.name(), new ArrayList<>());
        }
        this.ticks = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "flowtrap-search-progress"));
        long every = settings.progressInterval().toMillis();
        ticks.scheduleWithFixedDelay(this::askProgress, every, every, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts a search for {@code analyst}: 201's answer. Unknown probes and a window that ends
     * before it starts are INVALID; a window longer than {@code max-window}, or one a probe's
     * manifest says covers more than {@code max-bytes}, TOO_LARGE, and nothing is kept. A probe that
     * cannot say what the window covers is not a refusal: its part is tried (and fails alone).
     */
    public SearchAnswer create(SearchRequest request, String analyst) {
        List<String> names = request.probes() == null || request.probes().isEmpty() ? List.copyOf(probes.keySet())
                : request.probes();
        for (String p : names) {
            if (!probes.containsKey(p)) {
                throw new DomainException(Kind.INVALID, "unknown probe", "no probe named '" + p + "' is registered; registered: "
                        + String.join(", ", probes.keySet()));
            }
        }
        if (names.isEmpty()) {
            throw new DomainException(Kind.INVALID, "no probes", "this manager knows no probe to search");
        }
        long from;
        long to;
        try {
            from = nanos(Instant.parse(request.from()));
            to = nanos(Instant.parse(request.to()));
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new DomainException(Kind.INVALID, "bad window", "from and to are RFC 3339 times: " + e.getMessage(), e);
        }
        if (to < from) {
            throw new DomainException(Kind.INVALID, "bad window", "the window ends (" + request.to() + ") before it starts ("
                    + request.from() + ")");
        }
        Duration window = Duration.ofNanos(to - from);
        if (window.compareTo(settings.maxWindow()) > 0) {
            throw new DomainException(Kind.TOO_LARGE, "search too long", "a window of " + window.toSeconds() + " s is longer than"
                    + " flowtrap.searches.max-window (" + settings.maxWindow().toSeconds() + " s); narrow it");
        }
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Search s = new Search(id, analyst, request.filter(), from, to, names, Instant.now());
        for (int i = 0; i < names.size(); i++) {
            Part part = new Part(names.get(i), "srch-" + id + "-" + i);
            try {
                JsonNode coverage = probes.get(part.probe).storeCoverage(from, to);
                part.windowSegments = coverage.path("segments").asLong();
                part.windowBytes = coverage.path("bytes").asLong();
            } catch (DomainException e) {
                log.info("search {}: probe {} cannot say what the window covers ({}): its part is tried anyway", id, part.probe,
                        e.detail());
            }
            if (part.windowBytes != null && part.windowBytes > settings.maxBytes().toBytes()) {
                throw new DomainException(Kind.TOO_LARGE, "search too large", "probe " + part.probe + "'s store holds "
                        + part.windowBytes + " bytes in " + part.windowSegments + " segments for this window, more than"
                        + " flowtrap.searches.max-bytes (" + settings.maxBytes().toBytes() + "); narrow the window");
            }
            s.parts.add(part);
        }
        synchronized (this) {
            searches.put(id, s);
            for (Part part : s.parts) {
                lines.get(part.probe).add(part);
                lanes.get(part.probe).execute(() -> run(s, part));
            }
        }
        log.info("search {} by {}: '{}' from {} to {} on {}", id, analyst, s.filter, request.from(), request.to(), names);
        audit(analyst, "search.start", "id", id, "filter", s.filter, "from", request.from(), "to", request.to(), "probes", names);
        return get(id);
    }

    /** Every search, newest first (every analyst's: progress is for all to see). */
    public synchronized SearchesPage list() {
        List<SearchAnswer> all = new ArrayList<>();
        for (Search s : searches.values()) {
            all.add(0, answer(s));
        }
        return new SearchesPage(all.size(), all);
    }

    public synchronized SearchAnswer get(String id) {
        return answer(require(id));
    }

    /** Cancels a search that has not ended: its queued parts are dropped, its probes asked to stop the running ones. */
    public SearchAnswer cancel(String id, String user) {
        List<Part> running = new ArrayList<>();
        synchronized (this) {
            Search s = require(id);
            if (s.state.ended()) {
                throw new DomainException(Kind.CONFLICT, "search " + s.state.wire(), "search " + id + " has ended already");
            }
            s.cancelled = true;
            for (Part p : s.parts) {
                if (p.state == State.QUEUED) {
                    end(p, State.CANCELLED, "cancelled by " + user + " before it started");
                } else if (p.state == State.RUNNING) {
                    running.add(p);
                }
            }
            log.info("search {} cancelled by {}", id, user);
        }
        audit(user, "search.cancel", "id", id, "parts_running", running.stream().map(p -> p.probe).toList());
        for (Part p : running) {
            try {
                probes.get(p.probe).cancelSearch(p.job);
            } catch (DomainException e) {
                log.warn("search {}: probe {} was not told to stop: {}", id, p.probe, e.detail());
            }
        }
        finishIfEnded(id);
        return get(id);
    }

    /** Deletes an ended search and its pcaps. */
    public SearchAnswer delete(String id, String user) throws IOException {
        SearchAnswer was;
        synchronized (this) {
            Search s = require(id);
            if (!s.state.ended()) {
                throw new DomainException(Kind.CONFLICT, "search " + s.state.wire(), "search " + id + " is " + s.state.wire()
                        + "; cancel it first");
            }
            was = answer(s);
            deleteFiles(id);
            searches.remove(id);
            log.info("search {} deleted by {}", id, user);
        }
        audit(user, "search.delete", "id", id, "filter", was.filter(), "sha256", was.summary() == null ? null : was.summary().sha256());
        events.publishEvent(new SearchDeleted(id, user, "deleted by " + user));
        return was;
    }

    /** A done search's merged pcap, or one probe's ({@code probe} non-null). */
    public record Download(Path file, String fileName) {}

    public synchronized Download download(String id, String probe) {
        Search s = require(id);
        if (s.state != State.DONE) {
            throw new DomainException(Kind.CONFLICT, "search " + s.state.wire(), "search " + id + " is " + s.state.wire()
                    + (s.message != null ? ": " + s.message : "") + "; nothing to download");
        }
        if (s.summary == null) {
            throw new DomainException(Kind.NOT_FOUND, NO_PACKETS, "search " + id + " holds no packet: nothing to download");
        }
        if (probe == null || probe.isBlank()) {
            return new Download(result(id), fileName(id));
        }
        Part part = s.parts.stream().filter(p -> p.probe.equals(probe)).findFirst().orElseThrow(() -> new DomainException(
                Kind.NOT_FOUND, "unknown probe", "search " + id + " ran on " + s.probes + ", not " + probe));
        if (part.file == null) {
            throw new DomainException(Kind.NOT_FOUND, NO_PACKETS, "probe " + probe + " gave search " + id + " no packet");
        }
        return new Download(part.file, "search-" + id + "." + probe + ".pcap");
    }

    private Search require(String id) {
        Search s = id == null ? null : searches.get(id);
        if (s == null) {
            throw new DomainException(Kind.NOT_FOUND, "no such search", "no search " + id + " (deleted, or never made)");
        }
        return s;
    }

    /** One part, on its probe's thread: the probe's search (tried again while busy or unreachable), then its pcap fetched. */
    private void run(Search s, Part part) {
        synchronized (this) {
            if (part.state != State.QUEUED) {
                return; // cancelled while it waited
            }
            part.state = State.RUNNING;
            s.state = State.RUNNING;
        }
        ProbeClient probe = probes.get(part.probe);
        JsonNode body = json.createObjectNode().put("filter", s.filter).put("from", s.fromNanos).put("to", s.toNanos);
        try {
            JsonNode report = null;
            while (report == null) {
                synchronized (this) {
                    if (s.cancelled) {
                        end(part, State.CANCELLED, "cancelled while it ran");
                        return;
                    }
                    part.attempts++;
                }
                try {
                    report = probe.search(part.job, body);
                } catch (DomainException e) {
                    String why = e.getMessage() + ": " + e.detail();
                    if (e.kind() == Kind.PROBE_TIMEOUT) {
                        // it may still be searching: stop it rather than ask again under the same name
                        stopQuietly(probe, part.job);
                        why += " (flowtrap.probe-timeout; narrow the window, or lower flowtrap.searches.max-bytes)";
                    }
                    boolean again = e.kind() == Kind.PROBE_FAILED || e.kind() == Kind.UNAVAILABLE;
                    synchronized (this) {
                        if (s.cancelled) {
                            end(part, State.CANCELLED, "cancelled while it ran");
                            return;
                        }
                        if (!again || part.attempts >= settings.maxAttempts()) {
                            end(part, State.FAILED, why + (again ? " (" + part.attempts + " attempts, flowtrap.searches.max-attempts)" : ""));
                            return;
                        }
                        part.retryReasons.add(why);
                    }
                    log.info("search {}: probe {} attempt {} failed ({}); trying again in {}", s.id, part.probe, part.attempts, why,
                            settings.retryDelay());
                    Thread.sleep(settings.retryDelay().toMillis());
                }
            }
            if ("found".equals(report.path("outcome").asText())) {
                Path file = Files.createDirectories(dir.resolve(s.id)).resolve("probe-" + s.parts.indexOf(part) + ".pcap");
                MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), sha256)) {
                    probe.fetchSearch(part.job, out, report.path("size").asLong());
                }
                String digest = HexFormat.of().formatHex(sha256.digest());
                if (!digest.equals(report.path("sha256").asText())) {
                    Files.deleteIfExists(file);
                    throw new DomainException(Kind.PROBE_FAILED, "search changed in transit", "probe " + part.probe
                            + " announced SHA-256 " + report.path("sha256").asText() + " and sent " + digest);
                }
                synchronized (this) {
                    part.file = file;
                    part.packets = report.path("packets").asLong();
                    part.bytes = report.path("bytes").asLong();
                    part.sha256 = digest;
                }
            }
            synchronized (this) {
                end(part, State.DONE, null);
            }
        } catch (DomainException | IOException e) {
            String why = e instanceof DomainException d ? d.getMessage() + ": " + d.detail() : e.toString();
            log.warn("search {}: no result from probe {}: {}", s.id, part.probe, why);
            synchronized (this) {
                end(part, State.FAILED, why);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (this) {
                end(part, State.FAILED, "the manager is shutting down");
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        } finally {
            finishIfEnded(s.id);
        }
    }

    private static void stopQuietly(ProbeClient probe, String job) {
        try {
            probe.cancelSearch(job);
        } catch (DomainException e) {
            log.debug("search part {}: {} not told to stop: {}", job, probe.name(), e.detail());
        }
    }

    /** Ends a part (callers hold the lock): it leaves its probe's line. */
    private void end(Part part, State state, String error) {
        if (part.state.ended()) {
            return;
        }
        part.state = state;
        part.error = state == State.DONE ? null : error;
        part.progress = null;
        lines.get(part.probe).remove(part);
    }

    /** When every part has ended: the parts merged into the search's pcap, and its outcome. */
    private void finishIfEnded(String id) {
        Search s;
        synchronized (this) {
            s = searches.get(id);
            if (s == null || s.finishing || s.parts.stream().anyMatch(p -> !p.state.ended())) {
                return;
            }
            s.finishing = true;
        }
        List<Path> inputs = s.parts.stream().map(p -> p.file).filter(f -> f != null).toList();
        PcapMerge.Merged merged = null;
        String message;
        long failed = s.parts.stream().filter(p -> p.state == State.FAILED).count();
        try {
            if (!inputs.isEmpty()) {
                merged = PcapMerge.merge(inputs, result(id), 0);
            }
            message = failed > 0 ? failed + " of " + s.parts.size() + " probes failed: " + String.join("; ", s.parts.stream()
                    .filter(p -> p.state == State.FAILED).map(p -> p.probe + ": " + p.error).toList())
                    : merged == null ? NO_PACKETS : null;
        } catch (IOException e) {
            message = "the parts could not be merged: " + e.getMessage();
            failed = s.parts.size();
        }
        List<SearchAnswer> dropped;
        synchronized (this) {
            s.summary = merged == null ? null : CaptureSummary.of(fileName(id), merged.size(), merged.packets(), merged.bytes(),
                    merged.firstNanos(), merged.lastNanos(), merged.sha256());
            s.state = s.cancelled ? State.CANCELLED : failed == s.parts.size() ? State.FAILED : State.DONE;
            s.message = s.cancelled ? "cancelled" + (message != null ? "; " + message : "") : message;
            s.ended = Instant.now();
            log.info("search {} {}: {} packets{}", id, s.state.wire(), merged == null ? 0 : merged.packets(),
                    s.message != null ? " (" + s.message + ")" : "");
            dropped = keepNewest();
        }
        String reason = "more than flowtrap.searches.max-kept (" + settings.maxKept() + ") ended searches";
        for (SearchAnswer old : dropped) {
            audit(SYSTEM, "search.delete", "id", old.id(), "filter", old.filter(), "sha256", old.summary() == null ? null
                    : old.summary().sha256(), "reason", reason);
            events.publishEvent(new SearchDeleted(old.id(), SYSTEM, reason));
        }
        audit(s.analyst, s.state == State.FAILED ? "search.failed" : "search.finished", "id", id, "state", s.state.wire(),
                "filter", s.filter, "probes", s.probes, "packets", merged == null ? 0 : merged.packets(),
                "sha256", merged == null ? null : merged.sha256(), "message", s.message,
                "failed_parts", s.parts.stream().filter(p -> p.state == State.FAILED).map(p -> p.probe + ": " + p.error).toList());
    }

    private void audit(String user, String action, Object... pairs) {
        Map<String, Object> details = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            details.put((String) pairs[i], pairs[i + 1]);
        }
        events.publishEvent(new Audited(user, action, details));
    }

    /** Deletes the oldest ended searches past {@code max-kept}; what they were. Callers hold the lock. */
    private List<SearchAnswer> keepNewest() {
        List<SearchAnswer> dropped = new ArrayList<>();
        List<Search> ended = searches.values().stream().filter(x -> x.state.ended()).toList();
        for (int i = 0; i < ended.size() - settings.maxKept(); i++) {
            Search old = ended.get(i);
            try {
                deleteFiles(old.id);
            } catch (IOException e) {
                log.warn("search {}: pcaps not deleted: {}", old.id, e.getMessage());
            }
            dropped.add(answer(old));
            searches.remove(old.id);
            log.info("search {} deleted: more than flowtrap.searches.max-kept ({}) ended searches", old.id, settings.maxKept());
        }
        return dropped;
    }

    /** Every progress interval: each running part's progress, asked of its probe. Never throws. */
    private void askProgress() {
        List<Part> running;
        synchronized (this) {
            running = lines.values().stream().flatMap(List::stream).filter(p -> p.state == State.RUNNING).toList();
        }
        for (Part p : running) {
            try {
                JsonNode n = probes.get(p.probe).searchProgress(p.job);
                SearchAnswer.Progress progress = new SearchAnswer.Progress(n.path("segments_read").asLong(),
                        n.path("segments").asLong(), n.path("bytes_read").asLong(), n.path("bytes").asLong(),
                        n.hasNonNull("packet_ts") ? n.get("packet_ts").asText() : null);
                synchronized (this) {
                    if (p.state == State.RUNNING) {
                        p.progress = progress;
                    }
                }
            } catch (DomainException e) {
                log.debug("search part {}: no progress from {}: {}", p.job, p.probe, e.detail()); // not running there (yet), or gone
            } catch (RuntimeException e) {
                log.warn("search part {}: progress not asked", p.job, e);
            }
        }
    }

    private Path result(String id) {
        return dir.resolve(id).resolve("search.pcap");
    }

    private static String fileName(String id) {
        return "search-" + id + ".pcap";
    }

    private void deleteFiles(String id) throws IOException {
        Path d = dir.resolve(id);
        if (!Files.isDirectory(d)) {
            return;
        }
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(d);
    }

    /** The answer of a search (callers hold the lock). */
    private SearchAnswer answer(Search s) {
        List<SearchAnswer.Part> parts = new ArrayList<>();
        for (Part p : s.parts) {
            Integer position = p.state == State.QUEUED ? lines.get(p.probe).indexOf(p) : null;
            parts.add(new SearchAnswer.Part(p.probe, p.state.wire(), position, p.windowSegments, p.windowBytes, p.progress,
                    p.state == State.DONE ? p.packets : null, p.state == State.DONE ? p.bytes : null, p.sha256, p.attempts,
                    p.retryReasons.isEmpty() ? null : List.copyOf(p.retryReasons), p.error));
        }
        return new SearchAnswer(s.id, s.analyst, s.filter, instant(s.fromNanos), instant(s.toNanos), s.probes, s.state.wire(),
                s.created.toString(), s.ended == null ? null : s.ended.toString(), s.message, parts, s.summary,
                s.state == State.DONE && s.summary != null ? "/rest/searches/" + s.id + "/download/" : null);
    }

    private static String instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos).toString();
    }

    private static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    /** The probes a search may name (the registry's when the manager started), by name. */
    public List<String> probeNames() {
        return probes.keySet().stream().sorted().toList();
    }

    @Override
    public void close() {
        ticks.shutdownNow();
        for (ExecutorService lane : lanes.values()) {
            lane.shutdownNow();
        }
    }
}
