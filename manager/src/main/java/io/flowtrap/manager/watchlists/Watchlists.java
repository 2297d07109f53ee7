package io.flowtrap.manager.watchlists;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.api.manager.WatchlistAnswer.ProbeTrigger;
import io.flowtrap.api.manager.WatchlistAnswer;
import io.flowtrap.api.manager.WatchlistRequest;
import io.flowtrap.api.manager.WatchlistsPage;
import io.flowtrap.manager.alerts.WatchlistEventListener;
import io.flowtrap.manager.elasticsearch.StateIndices;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.probes.ProbeRegistry;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.elasticsearch.core.query.Criteria;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The watchlists: each is a list of addresses and CIDRs (read by {@link WatchlistText}) put in
 * force on some probes as a watchlist trigger of the same name (the probe arms every flow with an
 * endpoint in it, and ships a watchlist event when such a flow ends), with the capture sessions of
 * its entries ({@link EntrySessions}) counted from the watchlist events the ingest indexes. A list
 * comes in a request or from a file of the watchlist directory, named bare (no path: a name with a
 * separator, {@code ..}, or a link out of the directory is refused). A reload replaces the list on
 * each probe (its trigger removed, then added with the new list: flows that start in between are
 * not armed by it) and ends the sessions of entries it dropped; a delete removes the triggers.
 * Kept in Elasticsearch ({@link StoredWatchlist}, {@link StoredWatchlistSession}: written before
 * memory is changed, so a write that fails changes nothing; sessions stored every 2 s) and read
 * back at start; until they have been read, loads, reloads, deletes and reads answer UNAVAILABLE.
 * Thread-safe: loads, reloads, deletes and the sessions' store are serialised (probe and
 * Elasticsearch calls are made under that lock; they are rare); once the stored watchlists have
 * been read, reads and the ingest's events never wait for them.
 */
@Component
public class Watchlists implements WatchlistEventListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Watchlists.class);
    /** A watchlist's name: a probe trigger's name, not one the captures use. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");
    /** A file of the watchlist directory, by its bare name. */
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** The probe takes a trigger's list up to this (probe-trigger.schema.json's entries). */
    public static final int MAX_TEXT_CHARS = 16 << 20;
    /** The probe takes a trigger request of 16 MiB + 64 KiB (ProbeApiServer): the list's JSON string, with room for the rest. */
    private static final int MAX_PROBE_LIST_BYTES = (16 << 20) + (60 << 10);

    private static final class Watchlist {
        final String name;
        volatile String source;
        volatile String text;
        volatile WatchlistText read;
        volatile Set<String> inForce; // read's entries, for the lookup of each event
        final List<String> probes;
        final Map<String, ProbeTrigger> triggers = new ConcurrentHashMap<>();
        final Instant loaded;
        final String loadedBy;
        volatile Instant reloaded;
        volatile String reloadedBy;
        final EntrySessions sessions = new EntrySessions();

        Watchlist(String name, List<String> probes, Instant loaded, String loadedBy) {
            this.name = name;
            this.probes = List.copyOf(probes);
            this.loaded = loaded;
            this.loadedBy = loadedBy;
        }

        void list(Source source) {
            this.source = source.name();
            this.text = source.text();
            this.read = source.read();
            this.inForce = new HashSet<>(read.entries());
        }

        /** As stored: {@code triggers} those to store (the ones now, or those before a probe was called). */
        StoredWatchlist stored(List<ProbeTrigger> triggers) {
            return new StoredWatchlist(name, source, text, read.entries().size(), read.refusedCount(), read.refusedShown(), probes,
                    triggers, loaded.toEpochMilli(), loadedBy, reloaded == null ? 0 : reloaded.toEpochMilli(), reloadedBy);
        }
    }

    private final ProbeRegistry registry;
    private final WatchlistsProperties properties;
    private final StateIndices indices;
    private final StoredWatchlists storedLists;
    private final StoredWatchlistSessions storedSessions;
    private final Counter eventsNotCounted;
    private final Clock clock;
    private final Map<String, Watchlist> byName = new ConcurrentHashMap<>();
    private volatile boolean loaded;

    public Watchlists(ProbeRegistry registry, WatchlistsProperties properties, StateIndices indices, StoredWatchlists storedLists,
            StoredWatchlistSessions storedSessions, MeterRegistry meters) {
        this.registry = registry;
        this.properties = properties;
        this.indices = indices;
        this.storedLists = storedLists;
        this.storedSessions = storedSessions;
        this.eventsNotCounted = Counter.builder("flowtrap.watchlist.events.unsessioned")
                .description("Watchlist events indexed before the watchlists were read from Elasticsearch: in alert search, "
                        + "not in their entry's session").register(meters);
        this.clock = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1)); // what is stored (epoch ms) reads back the same
    }

    /** Reads the stored watchlists and sessions, at start and every 10 s until Elasticsearch has answered once. */
    @Scheduled(initialDelay = 0, fixedDelay = 10_000)
    void loadUntilLoaded() {
        if (loaded) {
            return;
        }
        try {
            loadStored();
        } catch (DomainException e) {
            log.warn("watchlists: {}; tried again in 10 s (loads, reloads and deletes wait for it)", e.detail());
        }
    }

    /**
     * Takes the stored watchlists and their sessions into memory (once). The probes keep their
     * triggers across their own restarts (their triggers file), so none is put again here: a probe
     * whose trigger failed shows it failed, and a reload puts it again. UNAVAILABLE, with nothing
     * changed, if Elasticsearch cannot be used.
     */
    private synchronized void loadStored() {
        if (loaded) {
            return;
        }
        Map<String, Watchlist> read = new TreeMap<>();
        for (StoredWatchlist stored : indices.readAll(Document.STORED_WATCHLIST, StoredWatchlist.KIND, StoredWatchlist.class,
                "read the watchlists")) {
            WatchlistText text = WatchlistText.read(stored.text());
            Watchlist w = new Watchlist(stored.name(), stored.probes(), Instant.ofEpochMilli(stored.loadedMs()), stored.loadedBy());
            w.list(new Source(stored.source(), stored.text(), text));
            w.reloaded = stored.reloadedMs() == 0 ? null : Instant.ofEpochMilli(stored.reloadedMs());
            w.reloadedBy = stored.reloadedBy().isEmpty() ? null : stored.reloadedBy();
            stored.triggers().forEach(t -> w.triggers.put(t.probe(), t));
            sessionsOf(w.name, "read the sessions of watchlist " + w.name).forEach(w.sessions::restore);
            read.put(w.name, w);
        }
        byName.putAll(read);
        loaded = true;
        log.info("watchlists: {} read from Elasticsearch{}", read.size(), read.isEmpty() ? "" : " " + read.keySet());
    }

    /** Every stored session of watchlist {@code name} (a list may have many). */
    private List<StoredWatchlistSession> sessionsOf(String name, String what) {
        return indices.readMatching(Document.STORED_WATCHLIST_SESSION, StoredWatchlistSession.KIND, StoredWatchlistSession.class,
                Criteria.where("watchlist").is(name), what);
    }

    /** Deletes every stored session of watchlist {@code name}, by id (the Elasticsearch the manager runs on may lack delete-by-query). */
    private void deleteSessionsOf(String name, String what) {
        List<String> ids = sessionsOf(name, what).stream().map(StoredWatchlistSession::id).toList();
        for (int from = 0; from < ids.size(); from += 1_000) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + 1_000));
            indices.run(Document.STORED_WATCHLIST_SESSION, StoredWatchlistSession.KIND, what, () -> storedSessions.deleteAllById(batch));
        }
    }

    /** Loads, reloads and deletes need what was stored first: UNAVAILABLE while Elasticsearch cannot be read. */
    private void requireLoaded() {
        if (!loaded) {
            loadStored();
        }
    }

    /**
     * Stores what changed in the sessions (every 2 s, and at close). A failure keeps it for the next
     * try; nothing is lost while the manager runs.
     */
    @Scheduled(initialDelay = 2_000, fixedDelay = 2_000)
    synchronized void storeSessions() {
        if (!loaded) {
            return;
        }
        for (Watchlist w : byName.values()) {
            Map<String, StoredWatchlistSession> changed = w.sessions.takeUnsaved(w.name);
            if (changed.isEmpty()) {
                continue;
            }
            List<StoredWatchlistSession> save = changed.values().stream().filter(Objects::nonNull).toList();
            List<String> gone = changed.entrySet().stream().filter(e -> e.getValue() == null)
                    .map(e -> StoredWatchlistSession.id(w.name, e.getKey())).toList();
            try {
                indices.run(Document.STORED_WATCHLIST_SESSION, StoredWatchlistSession.KIND, "store the sessions of watchlist " + w.name,
                        () -> {
                            if (!save.isEmpty()) {
                                storedSessions.saveAll(save);
                            }
                            if (!gone.isEmpty()) {
                                storedSessions.deleteAllById(gone);
                            }
                        });
            } catch (DomainException e) {
                w.sessions.unsaved(changed.keySet());
                log.warn("watchlist '{}': {} sessions not stored yet: {}", w.name, changed.size(), e.detail());
            }
        }
    }

    /** Stores the sessions' last changes as the manager stops. */
    @Override
    public void close() {
        storeSessions();
    }

    /**
     * Loads a new watchlist and puts it in force on its probes. 400: a bad name, neither or both of
     * entries and file, a file outside the directory, no entry read; 404 an unknown probe or file;
     * 409 the name is taken. A probe that refuses it is reported ({@code failed}), the others keep it.
     */
    public synchronized WatchlistAnswer load(WatchlistRequest request, String user) {
        String name = request.name();
        if (name == null || !NAME.matcher(name).matches() || name.equals("alert") || name.startsWith("capture-")) {
            throw new DomainException(Kind.INVALID, "invalid name", "a watchlist's name is 1 to 64 letters, digits and . _ : -,"
                    + " not 'alert' nor starting with 'capture-'");
        }
        requireLoaded();
        if (byName.containsKey(name)) {
            throw new DomainException(Kind.CONFLICT, "watchlist exists", "a watchlist named '" + name
                    + "' is loaded; reload it (POST /rest/watchlists/" + name + "/reload/) or delete it first");
        }
        List<String> probes = probes(request.probes());
        Source source = source(request, null);
        Watchlist w = new Watchlist(name, probes, clock.instant(), user);
        w.list(source);
        deleteSessionsOf(name, "clear old sessions of watchlist " + name); // left by a delete that stopped half-way
        indices.run(Document.STORED_WATCHLIST, StoredWatchlist.KIND, "store watchlist " + name, () -> storedLists.save(w.stored(List.of())));
        byName.put(name, w); // first: events of flows armed as soon as a probe has it count
        for (String probe : probes) {
            w.triggers.put(probe, put(registry.require(probe), name, w.text, false));
        }
        storeTriggers(w);
        log.info("watchlist '{}' loaded from {}: {} entries, {} lines refused, on {}", name, w.source, w.read.entries().size(),
                w.read.refusedCount(), triggers(w));
        return answer(w, true);
    }

    /**
     * Replaces the list of {@code name} (from the request, or its file read again) on its probes and
     * ends the sessions of the entries dropped. 404 no such watchlist; 400 as {@link #load}.
     */
    public synchronized WatchlistAnswer reload(String name, WatchlistRequest request, String user) {
        requireLoaded();
        Watchlist w = require(name);
        Source source = source(request == null ? new WatchlistRequest(name, null, null, null) : request, w.source);
        Instant now = clock.instant();
        Watchlist next = new Watchlist(name, w.probes, w.loaded, w.loadedBy);
        next.list(source);
        next.reloaded = now;
        next.reloadedBy = user;
        indices.run(Document.STORED_WATCHLIST, StoredWatchlist.KIND, "store watchlist " + name, () -> storedLists.save(
                next.stored(triggers(w)))); // first: nothing changes if it cannot be stored
        List<String> before = w.read.entries();
        w.list(source);
        w.reloaded = now;
        w.reloadedBy = user;
        w.sessions.reloaded(before, w.read.entries(), w.reloaded);
        for (String probe : w.probes) {
            w.triggers.put(probe, put(registry.require(probe), name, w.text, true));
        }
        storeTriggers(w);
        log.info("watchlist '{}' reloaded from {}: {} entries ({} before), {} lines refused, on {}", name, w.source,
                w.read.entries().size(), before.size(), w.read.refusedCount(), triggers(w));
        return answer(w, true);
    }

    /** Removes the watchlist and its triggers; 404 if there is none. Its sessions go with it. */
    public synchronized WatchlistAnswer delete(String name) {
        requireLoaded();
        Watchlist w = require(name);
        indices.run(Document.STORED_WATCHLIST, StoredWatchlist.KIND, "delete watchlist " + name, () -> storedLists.deleteById(name));
        try {
            deleteSessionsOf(name, "delete the sessions of watchlist " + name);
        } catch (DomainException e) { // a load of the name clears them first
            log.warn("watchlist '{}' deleted, its stored sessions not yet: {}", name, e.detail());
        }
        for (String probe : w.probes) {
            try {
                registry.require(probe).removeTrigger(name);
                w.triggers.put(probe, new ProbeTrigger(probe, "removed", null));
            } catch (DomainException e) {
                w.triggers.put(probe, new ProbeTrigger(probe, "failed", e.detail()));
            }
        }
        byName.remove(name);
        log.info("watchlist '{}' deleted: {}", name, triggers(w));
        return answer(w, true);
    }

    public WatchlistAnswer get(String name) {
        requireLoaded();
        return answer(require(name), true);
    }

    /** A page of a watchlist's entries, in the list's order: {@code size} of them from {@code from}, and how many in all. */
    public record EntriesPage(List<String> entries, int from, int total) {}

    /** {@code size} entries of {@code name} from {@code from} (0 on); 404 no such watchlist. */
    public EntriesPage entries(String name, int from, int size) {
        requireLoaded();
        List<String> all = require(name).read.entries();
        int start = Math.max(0, Math.min(from, all.size()));
        return new EntriesPage(List.copyOf(all.subList(start, Math.min(all.size(), start + Math.max(0, size)))), start, all.size());
    }

    /** The directory a load may name a file of. */
    public Path directory() {
        return properties.directory();
    }

    /** The probes a watchlist may be put on, by name. */
    public List<String> probeNames() {
        return registry.all().stream().map(ProbeClient::name).sorted().toList();
    }

    public WatchlistsPage list() {
        requireLoaded();
        List<WatchlistAnswer> all = new ArrayList<>();
        for (Watchlist w : new TreeMap<>(byName).values()) {
            all.add(answer(w, false));
        }
        return new WatchlistsPage(all.size(), all);
    }

    /** A watchlist event indexed: counts in the session of its entry, if the watchlist and entry are in force here. */
    @Override
    public void watchlistEventIndexed(String probe, JsonNode event) {
        String name = event.path("watchlist").path("name").asText();
        String entry = event.path("watchlist").path("entry").asText();
        if (!loaded) {
            eventsNotCounted.increment(); // the lists are not read yet: in alert search, not in a session
            return;
        }
        Watchlist w = byName.get(name);
        if (w == null || !w.probes.contains(probe) || !w.inForce.contains(entry)) {
            return; // a list this manager did not load (or no longer has that entry): indexed, no session
        }
        Instant seen;
        try {
            seen = OffsetDateTime.parse(event.path("timestamp").asText(), SURICATA).toInstant();
        } catch (RuntimeException e) {
            seen = clock.instant();
        }
        w.sessions.event(entry, probe, seen, clock.instant());
    }

    /** The size of {@code text} as a JSON string (quotes, escapes, UTF-8): what the probe's request carries of it. */
    private static long jsonBytes(String text) {
        return JsonStringEncoder.getInstance().quoteAsUTF8(text).length + 2L;
    }

    private static final DateTimeFormatter SURICATA = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss[.SSSSSS]xx");

    private record Source(String name, String text, WatchlistText read) {}

    /** The list a request gives: its entries, or a file of the directory (a reload of a file's list without either: the file again). */
    private Source source(WatchlistRequest request, String previous) {
        String entries = request.entries();
        String file = request.file();
        if (entries != null && file != null) {
            throw new DomainException(Kind.INVALID, "entries or file", "give the list as entries or as file, not both");
        }
        if (entries == null && file == null) {
            if (previous != null && previous.startsWith("file:")) {
                file = previous.substring("file:".length());
            } else {
                throw new DomainException(Kind.INVALID, "no list", previous == null
                        ? "give the list as entries (its text) or as file (a file of " + properties.directory() + ")"
                        : "the list was uploaded: give its new entries (or a file)");
            }
        }
        String text = entries != null ? entries : readFile(file);
        if (text.length() > MAX_TEXT_CHARS || jsonBytes(text) > MAX_PROBE_LIST_BYTES) {
            throw new DomainException(Kind.TOO_LARGE, "watchlist too large", "at most " + MAX_TEXT_CHARS
                    + " characters, " + MAX_PROBE_LIST_BYTES + " bytes as the JSON string a probe is sent (what a probe takes)");
        }
        WatchlistText read = WatchlistText.read(text);
        if (read.entries().isEmpty()) {
            throw new DomainException(Kind.INVALID, "no entry", "the list has no entry that could be read ("
                    + read.refusedCount() + " lines refused" + (read.refusedShown().isEmpty() ? ""
                    : "; line " + read.refusedShown().get(0).line() + ": " + read.refusedShown().get(0).reason()) + ")");
        }
        return new Source(entries != null ? "upload" : "file:" + file, text, read);
    }

    /** A file of the watchlist directory by its bare name, never a path out of it (nor a link out of it). */
    private String readFile(String file) {
        if (!FILE.matcher(file).matches() || file.contains("..")) {
            throw new DomainException(Kind.INVALID, "file outside the watchlist directory", "name a file of "
                    + properties.directory() + " by its bare name (letters, digits, . _ -; no path, no ..): '"
                    + (file.length() <= 100 ? file : file.substring(0, 100)) + "'");
        }
        Path dir = properties.directory();
        Path path = dir.resolve(file);
        try {
            Path real = path.toRealPath();
            if (!real.getParent().equals(dir.toRealPath())) {
                throw new DomainException(Kind.INVALID, "file outside the watchlist directory", file + " leads out of "
                        + dir + " (a link)");
            }
            if (!Files.isRegularFile(real)) {
                throw new DomainException(Kind.INVALID, "not a file", file + " in " + dir + " is not a regular file");
            }
            if (Files.size(real) > 4L * MAX_TEXT_CHARS) {
                throw new DomainException(Kind.TOO_LARGE, "watchlist too large", file + " is over " + MAX_TEXT_CHARS + " characters");
            }
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(real))).toString();
        } catch (NoSuchFileException e) {
            throw new DomainException(Kind.NOT_FOUND, "no such file", "no file " + file + " in " + dir);
        } catch (CharacterCodingException e) {
            throw new DomainException(Kind.INVALID, "not text", file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new DomainException(Kind.INVALID, "unreadable file", file + " in " + dir + ": " + e.getMessage());
        }
    }

    /** Stores each probe's trigger as it now is; a failure leaves the stored ones (a reload puts them again), and says so. */
    private void storeTriggers(Watchlist w) {
        try {
            indices.run(Document.STORED_WATCHLIST, StoredWatchlist.KIND, "store watchlist " + w.name,
                    () -> storedLists.save(w.stored(triggers(w))));
        } catch (DomainException e) {
            log.warn("watchlist '{}': its probes' outcome not stored: {}", w.name, e.detail());
        }
    }

    /** Puts the list in force on one probe (after taking the old one off, for a reload): what came of it. */
    private static ProbeTrigger put(ProbeClient probe, String name, String text, boolean replace) {
        try {
            if (replace) {
                probe.removeTrigger(name);
            }
            probe.addWatchlist(name, text);
            return new ProbeTrigger(probe.name(), "in_force", null);
        } catch (DomainException e) {
            log.warn("watchlist '{}' on probe {}: {}", name, probe.name(), e.detail());
            return new ProbeTrigger(probe.name(), "failed", e.error() + ": " + e.detail());
        }
    }

    /** The probes a request names (absent or empty: every probe registered); 404 for one unknown. */
    private List<String> probes(List<String> asked) {
        List<String> out = new ArrayList<>();
        if (asked == null || asked.isEmpty()) {
            registry.all().forEach(p -> out.add(p.name()));
        } else {
            for (String p : asked) {
                if (!out.contains(p)) {
                    out.add(registry.require(p).name());
                }
            }
        }
        if (out.isEmpty()) {
            throw new DomainException(Kind.INVALID, "no probe", "no probe is registered (flowtrap.probes)");
        }
        return out;
    }

    /** Each probe's trigger, in the watchlist's order of probes. */
    private static List<ProbeTrigger> triggers(Watchlist w) {
        List<ProbeTrigger> out = new ArrayList<>();
        for (String probe : w.probes) {
            ProbeTrigger t = w.triggers.get(probe);
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    private Watchlist require(String name) {
        Watchlist w = byName.get(name);
        if (w == null) {
            throw new DomainException(Kind.NOT_FOUND, "no such watchlist", "no watchlist named '" + name + "' is loaded");
        }
        return w;
    }

    private WatchlistAnswer answer(Watchlist w, boolean detail) {
        Instant now = clock.instant();
        return new WatchlistAnswer(w.name, w.source, w.read.entries().size(), w.read.refusedCount(),
                detail ? w.read.refusedShown() : null, triggers(w), w.loaded.toString(), w.loadedBy,
                w.reloaded == null ? null : w.reloaded.toString(), w.reloadedBy, properties.sessionIdle().toSeconds(),
                w.sessions.counts(w.read.entries().size(), now, properties.sessionIdle()),
                detail ? w.sessions.list(now, properties.sessionIdle()) : null);
    }
}
