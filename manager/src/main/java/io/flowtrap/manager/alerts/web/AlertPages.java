package io.flowtrap.manager.alerts.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.api.JobName;
import io.flowtrap.manager.alerts.AlertSearch;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.probes.ProbeRegistry;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The Alerts pages. {@code GET /alerts?q=Q&range=R&from=F&to=T&page=N}: the alerts a query string
 * finds (the {@code qfilter} language of {@code alerts_tail}, searched by the same {@link AlertSearch})
 * within a time range (1 h, 24 h, 7 d, 30 d, or custom: {@code from}/{@code to} in UTC), newest
 * first, {@value #PAGE_SIZE} a page, with the most frequent signatures and probes of the same query
 * (each a link that narrows it). {@code GET /alerts/<id>}: one alert's EVE JSON and its PCAP
 * section: what the probe's store holds of the flow (its flow record), and either the Download pcap
 * button (assets/alert-pcap.js drives the REST chain with the user's session), or why there is none:
 * the flow rotated out of the store (its last packet is older than the store's oldest), or it was
 * not stored because the probe does not arm flows on alerts. A page waits at most {@code PROBE_WAIT}
 * for each probe it asks; a probe that does not answer leaves the page without what it would say.
 */
final class AlertPages {
    static final int PAGE_SIZE = 50;
    private static final int TOP = 10;
    /** How long a page waits for a probe's store status or settings (not the chain's probe-timeout). */
    private static final Duration PROBE_WAIT = Duration.ofSeconds(3);
    private static final int MAX_HITS = 10_000;
    /** The ranges offered, by their name in {@code range=}; anything else is {@code custom}. */
    private static final Map<String, Duration> RANGES = rangesInOrder();
    private static final String CUSTOM = "custom";
    private static final String DEFAULT_RANGE = "24h";
    private static final DateTimeFormatter FORM_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm");
    /** Suricata's timestamps ({@code 2026-11-22T10:15:30.123456+0000}); RFC 3339 is read too. */
    private static final DateTimeFormatter SURICATA = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss[.SSSSSS]xx");

    private final AlertSearch search;
    private final ProbeRegistry probes;
    private final ObjectMapper json;

    AlertPages(AlertSearch search, ProbeRegistry probes, ObjectMapper json) {
        this.search = search;
        this.probes = probes;
        this.json = json;
    }

    /** {@code /}: the GUI's home is the alert list. */
    ServerResponse home(ServerRequest request) {
        return ServerResponse.status(HttpStatus.FOUND).header("Location", "/alerts").build();
    }

    ServerResponse list(ServerRequest request) {
        Map<String, Object> model = model(request);
        String q = request.param("q").orElse("").strip();
        String range = request.param("range").orElse(DEFAULT_RANGE);
        String from = request.param("from").orElse("");
        String to = request.param("to").orElse("");
        model.put("q", q);
        model.put("range", RANGES.containsKey(range) ? range : CUSTOM);
        model.put("ranges", RANGES.keySet());
        model.put("from", from);
        model.put("to", to);
        long toMillis;
        long fromMillis;
        if (RANGES.containsKey(range)) {
            toMillis = System.currentTimeMillis();
            fromMillis = toMillis - RANGES.get(range).toMillis();
            model.put("from", FORM_TIME.format(Instant.ofEpochMilli(fromMillis).atOffset(ZoneOffset.UTC)));
            model.put("to", FORM_TIME.format(Instant.ofEpochMilli(toMillis).atOffset(ZoneOffset.UTC)));
        } else {
            try {
                fromMillis = formTime(from, "from");
                toMillis = to.isBlank() ? System.currentTimeMillis() : formTime(to, "to");
            } catch (IllegalArgumentException e) {
                return error(model, HttpStatus.BAD_REQUEST, e.getMessage());
            }
            if (fromMillis > toMillis) {
                return error(model, HttpStatus.BAD_REQUEST, "The range starts (from) after it ends (to).");
            }
        }
        int page;
        try {
            page = Integer.parseInt(request.param("page").orElse("1"));
        } catch (NumberFormatException e) {
            page = 0;
        }
        if (page < 1 || (long) page * PAGE_SIZE > MAX_HITS) {
            return error(model, HttpStatus.BAD_REQUEST, "Pages go from 1 to " + MAX_HITS / PAGE_SIZE
                    + " (the first " + MAX_HITS + " alerts); narrow the query or the range.");
        }
        AlertSearch.Page result;
        AlertSearch.Summary summary;
        try {
            result = search.search(q, fromMillis, toMillis, page, PAGE_SIZE);
            summary = search.summary(q, fromMillis, toMillis, TOP);
        } catch (AlertSearch.BadQuery e) {
            return error(model, HttpStatus.BAD_REQUEST, "The query does not parse: " + e.getMessage());
        } catch (IOException e) {
            return error(model, HttpStatus.SERVICE_UNAVAILABLE, "The alert search is unavailable: Elasticsearch cannot be "
                    + "reached (" + e.getMessage() + "). Try again shortly.");
        }
        String rangeParam = (String) model.get("range");
        String fromParam = CUSTOM.equals(rangeParam) ? from : null;
        String toParam = CUSTOM.equals(rangeParam) ? to : null;
        model.put("total", result.total());
        model.put("page", page);
        long pages = Math.max(1, Math.min((result.total() + PAGE_SIZE - 1) / PAGE_SIZE, MAX_HITS / PAGE_SIZE));
        model.put("pages", pages);
        model.put("previous", page > 1 ? listUrl(q, rangeParam, fromParam, toParam, page - 1) : null);
        model.put("next", page < pages ? listUrl(q, rangeParam, fromParam, toParam, page + 1) : null);
        Map<String, Optional<Instant>> oldest = new HashMap<>();
        for (ObjectNode hit : result.hits()) {
            oldest.computeIfAbsent(hit.path("host").asText(), this::oldestStored);
        }
        model.put("rows", result.hits().stream().map(h -> row(h, oldest.getOrDefault(h.path("host").asText(), Optional.empty()))).toList());
        model.put("topSignatures", summary.signatures().stream().map(t -> new Narrowing(t.value(), t.count(),
                listUrl(narrow(q, "alert.signature", t.value()), rangeParam, fromParam, toParam, 1))).toList());
        model.put("topProbes", summary.probes().stream().map(t -> new Narrowing(t.value(), t.count(),
                listUrl(narrow(q, "host", t.value()), rangeParam, fromParam, toParam, 1))).toList());
        return ServerResponse.ok().render("alerts", model);
    }

    ServerResponse detail(ServerRequest request) throws JsonProcessingException {
        Map<String, Object> model = model(request);
        String id = request.pathVariable("id");
        model.put("id", id);
        Optional<ObjectNode> found;
        try {
            found = JobName.isValid(id) ? search.find(id) : Optional.empty();
        } catch (IOException e) {
            return detailError(model, HttpStatus.SERVICE_UNAVAILABLE, "The alert search is unavailable: Elasticsearch cannot be "
                    + "reached (" + e.getMessage() + "). Try again shortly.");
        }
        if (found.isEmpty()) {
            return detailError(model, HttpStatus.NOT_FOUND, "There is no alert " + id + ".");
        }
        ObjectNode hit = found.get();
        model.put("row", row(hit, Optional.empty()));
        model.put("eve", json.writerWithDefaultPrettyPrinter().writeValueAsString(hit));
        model.put("hit", json.writeValueAsString(hit));
        model.put("pcap", pcap(hit));
        return ServerResponse.ok().render("alert", model);
    }

    /**
     * What the PCAP section says of the alert's flow: the flow record (what the store held when the
     * flow ended), the store's oldest packet now, whether the probe arms flows, and so whether the
     * download is offered.
     */
    private Pcap pcap(ObjectNode hit) {
        String host = hit.path("host").asText("");
        JsonNode capture = hit.path("capture");
        Map<String, String> held = new LinkedHashMap<>();
        if (capture.isObject()) {
            held.put("first packet", capture.path("first_ts").asText());
            held.put("last packet", capture.path("last_ts").asText());
            held.put("packets", capture.path("packets").asText());
            held.put("bytes", capture.path("bytes").asText());
            held.put("from the flow's start", capture.path("from_flow_start").asBoolean() ? "yes"
                    : "no: its first packets had left the look-back ring when the flow was armed");
            held.put("flow ended", capture.path("end").asText());
        }
        ProbeClient probe;
        try {
            probe = probes.require(host);
        } catch (DomainException e) {
            return new Pcap(host, held, null, "unknown-probe", e.detail(), null);
        }
        Instant oldest = null;
        long storedPackets = -1;
        String problem = null;
        Boolean arming = null;
        try {
            JsonNode store = probe.storeStatus(PROBE_WAIT);
            long oldestNs = store.path("oldest_ts_ns").asLong();
            storedPackets = store.path("packets").asLong();
            oldest = oldestNs > 0 ? Instant.ofEpochSecond(0, oldestNs) : null;
            arming = probe.settings(PROBE_WAIT).map(s -> s.path("running").path("pcap_extraction_on_alerts"))
                    .filter(JsonNode::isBoolean).map(JsonNode::asBoolean).orElse(null);
        } catch (DomainException e) {
            problem = "The probe cannot tell what its store holds now (" + e.error() + ": " + e.detail() + ").";
        }
        if (problem == null) {
            Instant last = capture.isObject() ? instant(capture.path("last_ts").asText()) : instant(hit.path("timestamp").asText());
            boolean empty = storedPackets == 0 || oldest == null;
            if (capture.isObject() && empty) {
                return new Pcap(host, held, null, "expired", "pcap expired (oldest stored packet: none, the store is empty)", null);
            }
            if (last != null && oldest != null && last.isBefore(oldest)) {
                return new Pcap(host, held, oldest, "expired", "pcap expired (oldest stored packet: " + oldest + ")", null);
            }
            if (!capture.isObject() && Boolean.FALSE.equals(arming)) {
                return new Pcap(host, held, oldest, "not-stored", "not stored: pcap extraction is off on this probe", null);
            }
        }
        return new Pcap(host, held, oldest, "download", null, problem);
    }

    /** The oldest packet the probe's store holds now; empty if it holds none, or cannot be asked. */
    private Optional<Instant> oldestStored(String host) {
        try {
            long ns = probes.require(host).storeStatus(PROBE_WAIT).path("oldest_ts_ns").asLong();
            return ns > 0 ? Optional.of(Instant.ofEpochSecond(0, ns)) : Optional.empty();
        } catch (DomainException e) {
            return Optional.empty();
        }
    }

    private static Map<String, Object> model(ServerRequest request) {
        Map<String, Object> model = new HashMap<>();
        request.principal().ifPresent(p -> model.put("user", p.getName()));
        return model;
    }

    private static ServerResponse error(Map<String, Object> model, HttpStatus status, String message) {
        model.putIfAbsent("ranges", RANGES.keySet());
        model.put("message", message);
        model.put("rows", List.of());
        model.put("topSignatures", List.of());
        model.put("topProbes", List.of());
        return ServerResponse.status(status).render("alerts", model);
    }

    private static ServerResponse detailError(Map<String, Object> model, HttpStatus status, String message) {
        model.put("message", message);
        return ServerResponse.status(status).render("alert", model);
    }

    /** One line of the list. */
    record Row(String id, String time, String probe, String signature, long signatureId, String severity,
            String source, String destination, String protocol, String capture, String captureDetail) {}

    /** A value of the top lists: how many alerts have it, and the list narrowed to it. */
    record Narrowing(String value, long count, String href) {}

    /**
     * The PCAP section: the probe, what its store held of the flow, the oldest packet it holds now
     * (null: none, or not known), and {@code state}: {@code
     * download} (the button), {@code expired}, {@code not-stored} or {@code unknown-probe}, with
     * {@code reason} saying why there is no button, and {@code problem} a trouble met while asking
     * the probe (the button stays: the chain will say what it finds).
     */
    record Pcap(String probe, Map<String, String> held, Instant oldest, String state, String reason, String problem) {}

    /** A line of the list; {@code oldest}: the oldest packet in the store of the alert's probe, if known. */
    private static Row row(JsonNode hit, Optional<Instant> oldest) {
        JsonNode alert = hit.path("alert");
        JsonNode capture = hit.path("capture");
        String state;
        String detail;
        if (capture.isObject()) {
            Instant last = instant(capture.path("last_ts").asText());
            boolean expired = last != null && oldest.isPresent() && last.isBefore(oldest.get());
            state = expired ? "expired" : "stored";
            detail = (expired ? "rotated out of the store (oldest stored packet: " + oldest.get() + "); it held " : "")
                    + capture.path("packets").asText() + " packets, " + capture.path("bytes").asText() + " bytes"
                    + (capture.path("from_flow_start").asBoolean() ? ", from the flow's start" : ", not from the flow's start");
        } else {
            state = "no record";
            detail = "no flow record yet: the flow is still open, or it was not stored";
        }
        return new Row(hit.path("_id").asText(), hit.path("timestamp").asText(), hit.path("host").asText(),
                alert.path("signature").asText(""), alert.path("signature_id").asLong(),
                alert.has("severity") ? alert.path("severity").asText() : "",
                endpoint(hit.path("src_ip").asText(), hit.path("src_port")),
                endpoint(hit.path("dest_ip").asText(), hit.path("dest_port")),
                hit.path("proto").asText() + (hit.hasNonNull("app_proto") ? " / " + hit.path("app_proto").asText() : ""),
                state, detail);
    }

    private static String endpoint(String ip, JsonNode port) {
        if (port.isMissingNode() || port.isNull()) {
            return ip;
        }
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port.asText();
    }

    /** {@code q} narrowed to alerts whose {@code field} is exactly {@code value} (a quoted phrase, escaped). */
    static String narrow(String q, String field, String value) {
        String clause = field + ":\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return q.isBlank() ? clause : "(" + q + ") AND " + clause;
    }

    private static String listUrl(String q, String range, String from, String to, int page) {
        UriComponentsBuilder b = UriComponentsBuilder.fromPath("/alerts");
        if (!q.isBlank()) {
            b.queryParam("q", q);
        }
        b.queryParam("range", range);
        if (from != null) {
            b.queryParam("from", from);
        }
        if (to != null) {
            b.queryParam("to", to);
        }
        if (page > 1) {
            b.queryParam("page", page);
        }
        return b.encode().build().toUriString();
    }

    /** A {@code datetime-local} value, read as UTC, in epoch milliseconds. */
    private static long formTime(String text, String name) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("A custom range needs its start (from), as YYYY-MM-DDTHH:MM in UTC.");
        }
        try {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + text + "' (" + name + ") is not a time: give YYYY-MM-DDTHH:MM in UTC.");
        }
    }

    /** A timestamp as Suricata or the flow records write it; null if it is neither. */
    private static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text, SURICATA).toInstant();
        } catch (DateTimeException e) {
            try {
                return Instant.parse(text);
            } catch (DateTimeException notIso) {
                return null;
            }
        }
    }

    private static Map<String, Duration> rangesInOrder() {
        Map<String, Duration> ranges = new LinkedHashMap<>();
        ranges.put("1h", Duration.ofHours(1));
        ranges.put("24h", Duration.ofHours(24));
        ranges.put("7d", Duration.of(7, ChronoUnit.DAYS));
        ranges.put("30d", Duration.of(30, ChronoUnit.DAYS));
        return Collections.unmodifiableMap(ranges);
    }
}
