package io.flowtrap.probe.trigger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.packet.BpfProgram;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.io.IOException;
import java.io.StringReader;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe's triggers as the probe API manages them ({@code GET}, {@code POST /api/v1/triggers},
 * {@code DELETE /api/v1/triggers/<name>}): each request is checked against the probe-trigger schema,
 * a filter compiled by libpcap, a watchlist read line by line; the set in force is handed to the
 * capture engine whole ({@link Target#useTriggers}) and written to the triggers file, so that a
 * restarted probe has the same triggers, less those that expired meanwhile. A trigger with an
 * {@code expires} time is removed then, checked every second. Thread-safe: requests are serialised.
 */
public final class TriggerService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TriggerService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REFUSED_LINES_SHOWN = 100;

    /** Compiles a tcpdump expression for the frames the probe captures (libpcap, through the capture package). */
    @FunctionalInterface
    public interface FilterCompiler {
        BpfProgram compile(String expression) throws IOException;
    }

    /** Where a set takes effect: the capture engine. */
    public interface Target {
        void useTriggers(TriggerSet set);

        long flowsArmedBy(int bit);
    }

    private final String probe;
    private final TriggersFile file;
    private final FilterCompiler compiler;
    private final Target target;
    private final Clock clock;
    private final ScheduledExecutorService expiry;
    /** The documents of the triggers in force (as saved: with {@code added}), by name. */
    private final Map<String, ObjectNode> documents = new LinkedHashMap<>();
    private TriggerSet set = TriggerSet.EMPTY;

    private TriggerService(String probe, TriggersFile file, FilterCompiler compiler, Target target, Clock clock) {
        this.probe = probe;
        this.file = file;
        this.compiler = compiler;
        this.target = target;
        this.clock = clock;
        this.expiry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowtrap-trigger-expiry");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Restores the saved triggers that have not expired (one that no longer compiles or reads is
     * logged and dropped, the others kept), puts them in force and starts the expiry checks.
     *
     * @throws IOException if the file cannot be read or is not a triggers file
     */
    public static TriggerService start(String probe, TriggersFile file, FilterCompiler compiler, Target target, Clock clock)
            throws IOException {
        TriggerService service = new TriggerService(probe, file, compiler, target, clock);
        List<ObjectNode> saved = file.read();
        Instant now = clock.instant();
        int expired = 0;
        for (ObjectNode doc : saved) {
            String name = doc.path("name").asText();
            if (expired(doc, now)) {
                expired++;
                continue;
            }
            try {
                service.set = service.set.with(service.build(doc));
                service.documents.put(name, doc);
            } catch (TriggerRejected e) {
                log.warn("saved trigger '{}' of {} is dropped: {}", name, file.path(), e.detail());
            }
        }
        target.useTriggers(service.set);
        if (!saved.isEmpty()) {
            log.info("restored {} triggers from {} ({} had expired)", service.documents.size(), file.path(), expired);
            if (service.documents.size() != saved.size()) {
                service.save();
            }
        }
        service.expiry.scheduleWithFixedDelay(service::expireQuietly, 1, 1, TimeUnit.SECONDS);
        return service;
    }

    /** The triggers in force (probe-triggers-answer). */
    public synchronized ObjectNode answer() {
        ObjectNode answer = JSON.createObjectNode().put("probe", probe);
        ArrayNode triggers = answer.putArray("triggers");
        for (ObjectNode doc : documents.values()) {
            String name = doc.get("name").asText();
            Trigger trigger = set.trigger(set.bitOf(name));
            ObjectNode t = triggers.addObject().put("name", name).put("kind", trigger.kind());
            if (trigger.isWatchlist()) {
                t.put("entries", trigger.watchlist().entries().size());
            } else {
                t.put("filter", trigger.filter().expression());
            }
            t.put("added", doc.get("added").asText());
            if (doc.hasNonNull("expires")) {
                t.put("expires", doc.get("expires").asText());
            }
            t.put("flows_armed", target.flowsArmedBy(set.bitOf(name)));
        }
        return answer;
    }

    /**
     * Adds the trigger {@code body} describes and answers {@link #answer()} with what it added
     * (and, for a watchlist, the lines it refused).
     *
     * @throws TriggerRejected 400 not a trigger document, a filter libpcap refuses, a watchlist with
     *     no entry, an expiry already past; 409 the name is taken, or 63 triggers are in force
     */
    public synchronized ObjectNode add(byte[] body) throws TriggerRejected, IOException {
        ObjectNode doc = parse(body);
        String name = doc.get("name").asText();
        if (documents.containsKey(name)) {
            throw new TriggerRejected(409, "trigger exists", "a trigger named '" + name + "' is in force already");
        }
        if (documents.size() >= TriggerSet.MAX_TRIGGERS) {
            throw new TriggerRejected(409, "too many triggers",
                    "at most " + TriggerSet.MAX_TRIGGERS + " triggers can be in force at once; delete one first");
        }
        Instant now = clock.instant();
        if (expired(doc, now)) {
            throw new TriggerRejected(400, "bad trigger", "it expires at " + doc.get("expires").asText() + ", which is past");
        }
        doc.put("added", now.toString());
        Trigger trigger = build(doc);
        if (trigger.isWatchlist() && trigger.watchlist().entries().isEmpty()) {
            throw new TriggerRejected(400, "bad trigger", "the watchlist has no entry it could read ("
                    + trigger.watchlist().refused().size() + " lines refused)");
        }
        TriggerSet next = set.with(trigger);
        documents.put(name, doc);
        TriggerSet before = set;
        set = next;
        try {
            save();
        } catch (IOException e) {
            documents.remove(name);
            set = before;
            throw e;
        }
        target.useTriggers(set);
        log.info("trigger '{}' ({}) in force{}", name, trigger.kind(),
                doc.hasNonNull("expires") ? " until " + doc.get("expires").asText() : "");
        ObjectNode answer = answer().put("added", name);
        if (trigger.isWatchlist()) {
            List<Watchlist.Refused> refused = trigger.watchlist().refused();
            answer.put("refused_count", refused.size());
            ArrayNode lines = answer.putArray("refused_lines");
            for (Watchlist.Refused r : refused.subList(0, Math.min(refused.size(), REFUSED_LINES_SHOWN))) {
                lines.addObject().put("line", r.line()).put("text", r.text().length() <= 200 ? r.text()
                        : r.text().substring(0, 200)).put("reason", r.reason());
            }
        }
        return answer;
    }

    /**
     * Removes the trigger named {@code name}; flows it armed stay armed to their end.
     *
     * @throws TriggerRejected 404 if there is none
     */
    public synchronized ObjectNode remove(String name) throws TriggerRejected, IOException {
        if (!documents.containsKey(name)) {
            throw new TriggerRejected(404, "no such trigger", "no trigger named '" + name + "' is in force");
        }
        removeInForce(List.of(name));
        log.info("trigger '{}' removed", name);
        return answer().put("removed", name);
    }

    /** Removes the triggers whose time has come; returns how many. */
    synchronized int expire() throws IOException {
        Instant now = clock.instant();
        List<String> due = new ArrayList<>();
        documents.forEach((name, doc) -> {
            if (expired(doc, now)) {
                due.add(name);
            }
        });
        if (!due.isEmpty()) {
            removeInForce(due);
            log.info("triggers expired: {}", due);
        }
        return due.size();
    }

    private void removeInForce(List<String> names) throws IOException {
        TriggerSet next = set;
        for (String name : names) {
            next = next.without(name);
        }
        Map<String, ObjectNode> before = new LinkedHashMap<>(documents);
        names.forEach(documents::remove);
        try {
            save();
        } catch (IOException e) {
            documents.clear();
            documents.putAll(before);
            throw e;
        }
        set = next;
        target.useTriggers(set);
    }

    private void expireQuietly() {
        try {
            expire();
        } catch (IOException | RuntimeException e) {
            log.warn("trigger expiry: {}", e.toString());
        }
    }

    private void save() throws IOException {
        file.write(List.copyOf(documents.values()));
    }

    private static boolean expired(JsonNode doc, Instant now) {
        return doc.hasNonNull("expires") && !Instant.parse(doc.get("expires").asText()).isAfter(now);
    }

    private static ObjectNode parse(byte[] body) throws TriggerRejected {
        JsonNode doc;
        try {
            doc = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new TriggerRejected(400, "bad trigger", "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new TriggerRejected(400, "bad trigger", "unreadable body: " + e.getMessage());
        }
        if (doc == null || doc.isMissingNode()) {
            throw new TriggerRejected(400, "bad trigger", "empty body");
        }
        List<String> violations = DocumentSchema.of(Document.PROBE_TRIGGER).validate(doc);
        if (!violations.isEmpty()) {
            throw new TriggerRejected(400, "bad trigger", String.join("; ", violations));
        }
        ObjectNode trigger = (ObjectNode) doc;
        trigger.remove("added"); // the probe says when it came into force
        return trigger;
    }

    /** The trigger a (valid) document describes. */
    private Trigger build(ObjectNode doc) throws TriggerRejected {
        String name = doc.get("name").asText();
        try {
            if (doc.get("kind").asText().equals("watchlist")) {
                return Trigger.ofWatchlist(name, Watchlist.read(name, new StringReader(doc.get("entries").asText())));
            }
            return Trigger.ofFilter(name, compiler.compile(doc.get("filter").asText()));
        } catch (IOException | IllegalArgumentException e) {
            throw new TriggerRejected(400, "bad trigger", e.getMessage());
        }
    }

    @Override
    public void close() {
        expiry.shutdownNow();
    }
}
