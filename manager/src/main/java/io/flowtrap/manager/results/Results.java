package io.flowtrap.manager.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.CaptureSummary;
import io.flowtrap.api.manager.FilterRequest;
import io.flowtrap.api.manager.MergeRequest;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.api.manager.ResultLabels;
import io.flowtrap.api.manager.ResultRef;
import io.flowtrap.api.manager.ResultsPage;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.captures.CaptureDeleted;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.extraction.ExtractionJobs;
import io.flowtrap.manager.pcap.PcapFilter;
import io.flowtrap.manager.pcap.PcapMerge;
import io.flowtrap.manager.searches.SearchDeleted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Every result of every kind in one list (the {@link ResultSource}s: captures, searches, merges,
 * filters and the pcap chain's extractions), and what analysts do with any of them: tags and a comment ({@code
 * <data-dir>/results/labels.json}, by {@code kind/id}; a result never labelled shows the tags it was
 * made with), a merge of several by packet time ({@link PcapMerge}, duplicates dropped on request),
 * a filter of one by a tcpdump expression ({@link PcapFilter}), both made at once on the caller's
 * thread and kept by {@link DerivedResults}. Tags: at most {@value #MAX_TAGS}, each 1 to {@value
 * #MAX_TAG} of letters, digits and {@code . _ : -}; a comment at most {@value #MAX_COMMENT}
 * characters. Each change is audited (an {@link Audited} event, published outside the lock). A
 * result whose file is gone ({@link Result#gone()}: an extraction's expired pcap) is listed but
 * neither downloaded nor merged nor filtered (GONE). A result deleted, of any kind and however
 * ({@link CaptureDeleted}, {@link SearchDeleted}, {@link ExtractionJobs.JobDeleted}, a merge or filter
 * deleted here or past {@code max-kept}), takes its labels with it ({@code result.unlabel} audited for
 * each) and is told on as a {@link ResultDeleted}, for its share links to go too; so do, at start,
 * the labels of results no source knows any more (the searches a restart forgot). Thread-safe.
 */
@Component
public class Results {
    private static final Logger log = LoggerFactory.getLogger(Results.class);
    /** Who deletes the merges and filters past {@code max-kept}. */
    static final String SYSTEM = "system";
    static final int MAX_TAGS = 30;
    static final int MAX_TAG = 64;
    static final int MAX_COMMENT = 4000;
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_TAG + "}");

    /** What analysts set on one result. */
    record Label(List<String> tags, String comment, String by, String at) {}

    private final Map<String, ResultSource> sources = new LinkedHashMap<>();
    private final DerivedResults derived;
    private final ExtractionJobs jobs;
    private final ResultsProperties.Results settings;
    private final ApplicationEventPublisher events;
    private final JsonFile<Map<String, Label>> file;
    private final Map<String, Label> labels;

    public Results(List<ResultSource> sources, DerivedResults derived, ExtractionJobs jobs, ResultsProperties properties,
            ObjectMapper json, ApplicationEventPublisher events) throws IOException {
        this.jobs = jobs;
        for (ResultSource s : sources) {
            for (String kind : s.kinds()) {
                this.sources.put(kind, s);
            }
        }
        this.derived = derived;
        this.settings = properties.results();
        this.events = events;
        this.file = new JsonFile<>(properties.dataDir().resolve("results/labels.json"), json,
                json.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Label.class));
        this.labels = new LinkedHashMap<>(file.read(Map.of()));
    }

    /** The kinds there are, e.g. for a form. */
    public List<String> kinds() {
        return List.copyOf(sources.keySet());
    }

    /** The results of {@code kind} (null: all) carrying {@code tag} (null: any), newest first. */
    public ResultsPage list(String kind, String tag) {
        List<ResultAnswer> answers = new ArrayList<>();
        for (ResultSource s : kind == null || kind.isBlank() ? new LinkedHashSet<>(sources.values()) : List.of(source(kind))) {
            for (Result r : s.all()) {
                if (kind != null && !kind.isBlank() && !r.kind().equals(kind)) {
                    continue;
                }
                ResultAnswer a = answer(r);
                if (tag == null || tag.isBlank() || a.tags().contains(tag.strip())) {
                    answers.add(a);
                }
            }
        }
        answers.sort(Comparator.comparing(ResultAnswer::created, Comparator.nullsLast(Comparator.naturalOrder())).reversed());
        return new ResultsPage(answers.size(), answers);
    }

    /** One result; NOT_FOUND for an unknown kind or id. */
    public Result find(String kind, String id) {
        if (id == null || id.isBlank()) {
            throw new DomainException(Kind.NOT_FOUND, "no such result", "no " + kind + " result without an id");
        }
        return source(kind).find(kind, id);
    }

    public ResultAnswer get(String kind, String id) {
        return answer(find(kind, id));
    }

    /** A result's pcap to hand over to {@code user}: NOT_FOUND when it holds no packet, GONE when its file is. Audited. */
    public Result download(String kind, String id, String user) {
        Result r = requirePresent(find(kind, id));
        if (r.file() == null) {
            throw new DomainException(Kind.NOT_FOUND, "no packets", kind + " " + id + " holds no packet: nothing to download");
        }
        if (!Files.isRegularFile(r.file())) {
            throw new DomainException(Kind.GONE, "result gone", "the file of " + kind + " " + id + " is gone");
        }
        audit(user, "result.download", details("kind", kind, "id", id, "file_name", r.fileName(), "sha256", r.sha256()));
        return r;
    }

    /** Sets a result's tags and/or comment ({@link ResultLabels}), as {@code user}. */
    public ResultAnswer label(String kind, String id, ResultLabels change, String user) throws IOException {
        Result r = find(kind, id);
        List<String> tags = change.tags() == null ? null : validTags(change.tags());
        String comment = change.comment();
        if (comment != null && comment.length() > MAX_COMMENT) {
            throw new DomainException(Kind.INVALID, "comment too long", "a comment is at most " + MAX_COMMENT + " characters");
        }
        List<String> oldTags;
        String oldComment;
        synchronized (this) {
            Label old = labels.get(r.key());
            oldTags = old != null ? old.tags() : r.tags();
            oldComment = old != null ? old.comment() : null;
            List<String> newTags = tags != null ? tags : oldTags;
            String newComment = comment != null ? (comment.isBlank() ? null : comment.strip()) : oldComment;
            Label label = new Label(newTags, newComment, user, Instant.now().toString());
            Map<String, Label> next = new LinkedHashMap<>(labels);
            next.put(r.key(), label);
            file.write(next);
            labels.put(r.key(), label);
        }
        ResultAnswer answer = answer(r);
        if (tags != null) {
            audit(user, "result.tag", details("kind", kind, "id", id, "tags", answer.tags(), "was", oldTags));
        }
        if (comment != null) {
            audit(user, "result.comment", details("kind", kind, "id", id, "comment", answer.comment(), "was", oldComment));
        }
        return answer;
    }

    /** Merges the inputs by time (dropping duplicates when asked): 201's answer. */
    public ResultAnswer merge(MergeRequest request, String analyst) throws IOException {
        List<ResultRef> inputs = request.inputs();
        if (inputs == null || inputs.isEmpty()) {
            throw new DomainException(Kind.INVALID, "no inputs", "name the results to merge: \"inputs\": [{\"kind\", \"id\"}, ...]");
        }
        List<Path> files = new ArrayList<>();
        LinkedHashSet<String> probes = new LinkedHashSet<>();
        for (ResultRef ref : inputs) {
            Result r = input(ref);
            files.add(r.file());
            probes.addAll(r.probes());
        }
        boolean dedup = Boolean.TRUE.equals(request.dedup());
        long windowMicros = request.dedupWindowMicros() != null ? request.dedupWindowMicros() : settings.dedupWindow().toNanos() / 1000;
        DerivedResults.Slot slot = derived.newSlot();
        PcapMerge.Merged m = PcapMerge.merge(files, slot.pcap(), 0, dedup ? windowMicros * 1000 : PcapMerge.NO_DEDUP);
        long in = m == null ? 0 : m.read();
        Derivation d = new Derivation(slot.id(), "merge", analyst, Instant.now().toString(), List.copyOf(inputs), null, dedup,
                dedup ? windowMicros : null, in, m == null ? 0 : m.packets(), dedup ? (m == null ? 0 : m.duplicates()) : null,
                m == null || m.otherLinkType() == 0 ? null : m.otherLinkType(), m == null ? "no packets in the inputs" : null,
                m == null ? null : CaptureSummary.of(fileName(slot.id()), m.size(), m.packets(), m.bytes(), m.firstNanos(),
                        m.lastNanos(), m.sha256()),
                List.copyOf(probes));
        evicted(derived.keep(d));
        log.info("result {} by {}: merge of {} ({} packets in, {} out{})", d.id(), analyst, inputs, in, d.packetsOut(),
                dedup ? ", " + d.duplicates() + " duplicates within " + windowMicros + " us dropped" : "");
        audit(analyst, "result.merge", details("id", d.id(), "inputs", refs(inputs), "dedup", dedup, "packets_in", in,
                "packets", d.packetsOut(), "duplicates", d.duplicates(), "sha256", d.summary() == null ? null : d.summary().sha256()));
        return get("merge", d.id());
    }

    /** The packets of one result that a tcpdump filter keeps: 201's answer; a filter libpcap refuses is INVALID with its words. */
    public ResultAnswer filter(FilterRequest request, String analyst) throws IOException {
        if (request.input() == null) {
            throw new DomainException(Kind.INVALID, "no input", "name the result to filter: \"input\": {\"kind\", \"id\"}");
        }
        Result input = input(request.input());
        DerivedResults.Slot slot = derived.newSlot();
        PcapFilter.Filtered f;
        try {
            f = PcapFilter.filter(input.file(), slot.pcap(), request.filter());
        } catch (PcapFilter.InvalidFilter e) {
            derived.drop(slot);
            throw new DomainException(Kind.INVALID, "invalid filter", e.getMessage(), e);
        }
        boolean none = f.packets() == 0;
        Derivation d = new Derivation(slot.id(), "filter", analyst, Instant.now().toString(), List.of(request.input()),
                request.filter(), null, null, f.read(), f.packets(), null, null, none ? "no packets matched" : null,
                none ? null : CaptureSummary.of(fileName(slot.id()), f.size(), f.packets(), f.bytes(), f.firstNanos(),
                        f.lastNanos(), f.sha256()),
                input.probes());
        evicted(derived.keep(d));
        log.info("result {} by {}: filter '{}' of {} ({} packets in, {} out)", d.id(), analyst, request.filter(), request.input(),
                f.read(), d.packetsOut());
        audit(analyst, "result.filter", details("id", d.id(), "input", refs(List.of(request.input())).get(0), "filter",
                request.filter(), "packets_in", f.read(), "packets", d.packetsOut(), "sha256", d.summary() == null ? null
                        : d.summary().sha256()));
        return get("filter", d.id());
    }

    /**
     * Deletes a merge or a filter, or an extraction (its whole job: the chain then answers it
     * unknown; only who uploaded its alert, or {@code mayDeleteAny}: an admin, may; a refusal is
     * FORBIDDEN and audited), with its labels. Captures and searches are deleted where they are made.
     */
    public ResultAnswer delete(String kind, String id, String user, boolean mayDeleteAny) throws IOException {
        if (ExtractionResults.KIND.equals(kind)) {
            return deleteExtraction(id, user, mayDeleteAny);
        }
        if (!DerivedResults.KINDS.contains(kind)) {
            source(kind);
            throw new DomainException(Kind.CONFLICT, "not deleted here", "a " + kind + " is deleted at DELETE /rest/"
                    + (kind.equals("capture") ? "captures" : "searches") + "/<id>/; here only merges, filters and extractions");
        }
        ResultAnswer was = get(kind, id);
        derived.delete(kind, id);
        log.info("result {} {} deleted by {}", kind, id, user);
        audit(user, "result.delete", details("kind", kind, "id", id, "sha256", was.sha256()));
        deleted(new ResultDeleted(kind, id, user, "deleted by " + user));
        return was;
    }

    /**
     * Whether {@code user} may delete {@code r} by {@link #delete} (pages show Delete to them only):
     * a merge or a filter, anyone; an extraction, who asked for it or {@code mayDeleteAny}; a capture
     * or a search, no one here.
     */
    public boolean mayDelete(ResultAnswer r, String user, boolean mayDeleteAny) {
        if (DerivedResults.KINDS.contains(r.kind())) {
            return true;
        }
        return ExtractionResults.KIND.equals(r.kind()) && (mayDeleteAny || r.analyst() != null && r.analyst().equals(user));
    }

    private ResultAnswer deleteExtraction(String id, String user, boolean mayDeleteAny) throws IOException {
        ResultAnswer was = get(ExtractionResults.KIND, id);
        if (!mayDelete(was, user, mayDeleteAny)) {
            audit(user, "result.refused", details("kind", ExtractionResults.KIND, "id", id, "action", "delete", "analyst",
                    was.analyst(), "reason", "neither who asked for it nor an admin"));
            throw new DomainException(Kind.FORBIDDEN, "forbidden", "extraction " + id + " was asked for by "
                    + (was.analyst() == null ? "no one known" : was.analyst()) + ": only they or an admin may delete it");
        }
        if (!jobs.delete(id, user)) { // deleted meanwhile (its retention, another user)
            throw new DomainException(Kind.NOT_FOUND, "no such result", "extraction " + id + " was deleted meanwhile");
        } // its labels went on the JobDeleted event
        log.info("result {} {} deleted by {}", ExtractionResults.KIND, id, user);
        audit(user, "result.delete", details("kind", ExtractionResults.KIND, "id", id, "analyst", was.analyst(), "sha256",
                was.sha256()));
        return was;
    }

    /** An extraction's job was deleted (by {@link #delete}, or its retention): its labels go as any deleted result's. */
    @EventListener
    void jobDeleted(ExtractionJobs.JobDeleted e) {
        deleted(new ResultDeleted(ExtractionResults.KIND, e.id(), e.by(), e.reason()));
    }

    @EventListener
    void captureDeleted(CaptureDeleted e) {
        deleted(new ResultDeleted(CaptureResults.KIND, e.id(), e.by(), e.reason()));
    }

    @EventListener
    void searchDeleted(SearchDeleted e) {
        deleted(new ResultDeleted(SearchResults.KIND, e.id(), e.by(), e.reason()));
    }

    /** At start, once every source has read what it keeps: the labels of results none knows go as a deletion takes them. */
    @EventListener(ApplicationReadyEvent.class)
    void forgetUnknown() {
        List<String> keys;
        synchronized (this) {
            keys = List.copyOf(labels.keySet());
        }
        for (String key : keys) {
            int slash = key.indexOf('/');
            ResultDeleted unknown = unknownAtStart(key.substring(0, slash), key.substring(slash + 1));
            if (unknown != null) {
                deleted(unknown);
            }
        }
    }

    /** The deletion of {@code kind/id} if no source knows it at the manager's start (the others: GONE, CONFLICT, are kept). */
    public ResultDeleted unknownAtStart(String kind, String id) {
        try {
            find(kind, id);
            return null;
        } catch (DomainException e) {
            return e.kind() != Kind.NOT_FOUND ? null
                    : new ResultDeleted(kind, id, SYSTEM, "unknown at the manager's start (" + e.detail() + ")");
        } catch (RuntimeException e) {
            log.warn("result {} {} kept: whether it is still there cannot be told: {}", kind, id, e.toString());
            return null;
        }
    }

    /** The merges and filters deleted to make room for a new one. */
    private void evicted(List<Derivation> oldest) {
        for (Derivation d : oldest) {
            audit(SYSTEM, "result.delete", details("kind", d.kind(), "id", d.id(), "sha256", d.summary() == null ? null
                    : d.summary().sha256(), "reason", "more than flowtrap.results.max-kept (" + settings.maxKept() + ")"));
            deleted(new ResultDeleted(d.kind(), d.id(), SYSTEM, "more than flowtrap.results.max-kept (" + settings.maxKept() + ")"));
        }
    }

    /**
     * Drops the labels of a result deleted and of its per-probe parts (each audited), then tells the
     * others. A labels file that cannot be written keeps them (logged): they name a result no list shows.
     */
    private void deleted(ResultDeleted gone) {
        Map<String, Label> dropped = new LinkedHashMap<>();
        synchronized (this) {
            labels.forEach((key, label) -> {
                int slash = key.indexOf('/');
                if (slash > 0 && gone.covers(key.substring(0, slash), key.substring(slash + 1))) {
                    dropped.put(key, label);
                }
            });
            if (!dropped.isEmpty()) {
                Map<String, Label> next = new LinkedHashMap<>(labels);
                next.keySet().removeAll(dropped.keySet());
                try {
                    file.write(next);
                    labels.keySet().removeAll(dropped.keySet());
                } catch (IOException e) {
                    log.error("the labels of deleted result {} {} are kept: the labels file cannot be written: {}", gone.kind(),
                            gone.id(), e.getMessage());
                    dropped.clear();
                }
            }
        }
        dropped.forEach((key, label) -> audit(gone.by(), "result.unlabel", details("kind", gone.kind(), "id",
                key.substring(key.indexOf('/') + 1), "tags", label.tags(), "comment", label.comment(), "reason", gone.reason())));
        events.publishEvent(gone);
    }

    static List<String> validTags(List<String> tags) {
        LinkedHashSet<String> unique = new LinkedHashSet<>();
        for (String t : tags) {
            String tag = t == null ? "" : t.strip();
            if (!TAG.matcher(tag).matches()) {
                throw new DomainException(Kind.INVALID, "invalid tag", "'" + t + "': a tag is 1 to " + MAX_TAG
                        + " letters, digits, '.', '_', ':' or '-'");
            }
            unique.add(tag);
        }
        if (unique.size() > MAX_TAGS) {
            throw new DomainException(Kind.INVALID, "too many tags", unique.size() + " tags: a result has at most " + MAX_TAGS);
        }
        return List.copyOf(unique);
    }

    /** The result an input of a merge or a filter names, which must hold packets. */
    private Result input(ResultRef ref) {
        if (ref == null || ref.kind() == null || ref.id() == null) {
            throw new DomainException(Kind.INVALID, "bad input", "each input is {\"kind\": " + String.join("|", sources.keySet())
                    + ", \"id\"[, \"probe\"]}");
        }
        if (ref.probe() != null && DerivedResults.KINDS.contains(ref.kind())) {
            throw new DomainException(Kind.INVALID, "bad input", "a " + ref.kind() + " has no probe parts");
        }
        if (ref.probe() != null && ExtractionResults.KIND.equals(ref.kind())) {
            throw new DomainException(Kind.INVALID, "bad input", "an extraction has no probe parts: it holds one probe's carve");
        }
        Result r = requirePresent(find(ref.kind(), ref.probe() == null ? ref.id() : ref.id() + ":" + ref.probe()));
        if (r.file() == null) {
            throw new DomainException(Kind.NOT_FOUND, "no packets", ref.kind() + " " + ref.id() + " holds no packet");
        }
        return r;
    }

    /** {@code r}, unless its file is gone ({@link Result#gone()}: an extraction's expired pcap): GONE, saying why. */
    private static Result requirePresent(Result r) {
        if (r.gone() != null) {
            throw new DomainException(Kind.GONE, "result gone", r.kind() + " " + r.id() + ": " + r.gone());
        }
        return r;
    }

    private ResultSource source(String kind) {
        ResultSource s = kind == null ? null : sources.get(kind);
        if (s == null) {
            throw new DomainException(Kind.NOT_FOUND, "unknown kind", "no results of kind '" + kind + "'; kinds: "
                    + String.join(", ", sources.keySet()));
        }
        return s;
    }

    private ResultAnswer answer(Result r) {
        Label label;
        synchronized (this) {
            label = labels.get(r.key());
        }
        Derivation d = r.derivation();
        return new ResultAnswer(r.kind(), r.id(), r.name(), r.analyst(), r.created(), r.probes(), r.fileName(), r.size(),
                r.packets(), r.bytes(), r.sha256(), label != null ? label.tags() : r.tags(), label != null ? label.comment() : null,
                label != null ? label.by() : null, r.file() == null ? null : "/rest/results/" + r.kind() + "/" + r.id() + "/download/",
                d == null ? null : d.inputs(), d == null ? null : d.filter(), d == null ? null : d.dedup(),
                d == null ? null : d.dedupWindowMicros(), d == null ? null : d.packetsIn(), d == null ? null : d.duplicates(),
                d == null ? null : d.otherLinkType(), d == null ? r.gone() : d.message(), r.alert(), r.expired());
    }

    private void audit(String user, String action, Map<String, Object> details) {
        events.publishEvent(new Audited(user, action, details));
    }

    /** Details from pairs; null values kept (left out downstream). */
    private static Map<String, Object> details(Object... pairs) {
        Map<String, Object> d = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            d.put((String) pairs[i], pairs[i + 1]);
        }
        return d;
    }

    private static List<String> refs(List<ResultRef> refs) {
        return refs.stream().map(r -> r.kind() + " " + r.id() + (r.probe() == null ? "" : ":" + r.probe())).toList();
    }

    private static String fileName(String id) {
        return "result-" + id + ".pcap";
    }
}
