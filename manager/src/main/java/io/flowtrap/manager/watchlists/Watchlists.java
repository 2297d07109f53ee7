package io.flowtrap.manager.watchlists;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.api.manager.WatchlistAnswer;
import io.flowtrap.api.manager.WatchlistAnswer.ProbeTrigger;
import io.flowtrap.api.manager.WatchlistRequest;
import io.flowtrap.api.manager.WatchlistsPage;
import io.flowtrap.manager.alerts.WatchlistEventListener;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.probes.ProbeRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * Held in memory: a manager restart forgets the watchlists (the probes keep their triggers; load
 * them again to manage them). Thread-safe: loads, reloads and deletes are serialised (probe calls are
 * made under that lock; they are rare), reads and the ingest's events never wait for them.
 */
@Component
public class Watchlists implements WatchlistEventListener {
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
        volatile Instant reloaded;
        final EntrySessions sessions = new EntrySessions();

        Watchlist(String name, List<String> probes, Instant loaded) {
            this.name = name;
            this.probes = List.copyOf(probes);
            this.loaded = loaded;
        }
    }

    private final ProbeRegistry registry;
    private final WatchlistsProperties properties;
    private final Clock clock;
    private final Map<String, Watchlist> byName = new ConcurrentHashMap<>();

    public Watchlists(ProbeRegistry registry, WatchlistsProperties properties) {
        this.registry = registry;
        this.properties = properties;
        this.clock = Clock.systemUTC();
    }

    /**
     * Loads a new watchlist and puts it in force on its probes. 400: a bad name, neither or both of
     * entries and file, a file outside the directory, no entry read; 404 an unknown probe or file;
     * 409 the name is taken. A probe that refuses it is reported ({@code failed}), the others keep it.
     */
    public synchronized WatchlistAnswer load(WatchlistRequest request) {
        String name = request.name();
        if (name == null || !NAME.matcher(name).matches() || name.equals("alert") || name.startsWith("capture-")) {
            throw new DomainException(Kind.INVALID, "invalid name", "a watchlist's name is 1 to 64 letters, digits and . _ : -,"
                    + " not 'alert' nor starting with 'capture-'");
        }
        if (byName.containsKey(name)) {
            throw new DomainException(Kind.CONFLICT, "watchlist exists", "a watchlist named '" + name
                    + "' is loaded; reload it (POST /rest/watchlists/" + name + "/reload/) or delete it first");
        }
        List<String> probes = probes(request.probes());
        Source source = source(request, null);
        Watchlist w = new Watchlist(name, probes, clock.instant());
        w.source = source.name();
        w.text = source.text();
        w.read = source.read();
        w.inForce = new HashSet<>(w.read.entries());
        byName.put(name, w); // first: events of flows armed as soon as a probe has it count
        for (String probe : probes) {
            w.triggers.put(probe, put(registry.require(probe), name, w.text, false));
        }
        log.info("watchlist '{}' loaded from {}: {} entries, {} lines refused, on {}", name, w.source, w.read.entries().size(),
                w.read.refusedCount(), triggers(w));
        return answer(w, true);
    }

    /**
     * Replaces the list of {@code name} (from the request, or its file read again) on its probes and
     * ends the sessions of the entries dropped. 404 no such watchlist; 400 as {@link #load}.
     */
    public synchronized WatchlistAnswer reload(String name, WatchlistRequest request) {
        Watchlist w = require(name);
        Source source = source(request == null ? new WatchlistRequest(name, null, null, null) : request, w.source);
        List<String> before = w.read.entries();
        w.source = source.name();
        w.text = source.text();
        w.read = source.read();
        w.inForce = new HashSet<>(w.read.entries());
        w.reloaded = clock.instant();
        w.sessions.reloaded(before, w.read.entries(), w.reloaded);
        for (String probe : w.probes) {
            w.triggers.put(probe, put(registry.require(probe), name, w.text, true));
        }
        log.info("watchlist '{}' reloaded from {}: {} entries ({} before), {} lines refused, on {}", name, w.source,
                w.read.entries().size(), before.size(), w.read.refusedCount(), triggers(w));
        return answer(w, true);
    }

    /** Removes the watchlist and its triggers; 404 if there is none. Its sessions go with it. */
    public synchronized WatchlistAnswer delete(String name) {
        Watchlist w = require(name);
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
        return answer(require(name), true);
    }

    public WatchlistsPage list() {
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
                detail ? w.read.refusedShown() : null, triggers(w), w.loaded.toString(),
                w.reloaded == null ? null : w.reloaded.toString(), properties.sessionIdle().toSeconds(),
                w.sessions.counts(w.read.entries().size(), now, properties.sessionIdle()),
                detail ? w.sessions.list(now, properties.sessionIdle()) : null);
    }
}
