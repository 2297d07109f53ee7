package io.flowtrap.probe.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.api.JobName;
import io.flowtrap.packet.BpfProgram;
import io.flowtrap.api.auth.ApiToken;
import io.flowtrap.probe.settings.SettingsRejected;
import io.flowtrap.probe.settings.SettingsService;
import io.flowtrap.probe.trigger.Trigger;
import io.flowtrap.probe.trigger.TriggerRejected;
import io.flowtrap.probe.trigger.TriggerService;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.store.ExtractionResult;
import io.flowtrap.store.PacketSearch;
import io.flowtrap.store.PcapStore;
import io.flowtrap.store.StoreStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe API over HTTPS (plain HTTP only when no TLS context is given, for tests of the wire
 * format). Every call but {@code GET /api/v1/health} needs {@code Authorization: Token <key>}
 * ({@code Bearer <key>} is taken too, so that a stock Prometheus scrape config with a
 * {@code credentials_file} works).
 * <pre>
 *   GET  /api/v1/health          {"status": "ok", "probe": name, "version": the probe's software version}
 *   GET  /metrics                every count and loss, Prometheus text format (if metrics are given)
 *   GET  /api/v1/store           the store's segments, bytes, packets, time range, rotations
 *   POST /api/v1/carves/{job}    body: one EVE alert; carves its flow → the carve's report
 *   GET  /api/v1/carves/{job}    the carved pcap (application/vnd.tcpdump.pcap)
 *   GET  /api/v1/settings        the run-time settings, their version, what waits for a restart (if settings are given)
 *   PUT  /api/v1/settings        body: a probe-settings document based on the current version → the answer of GET
 *                                plus what each change did ({@link SettingsService})
 *   GET  /api/v1/triggers        the triggers in force (if triggers are given)
 *   POST /api/v1/triggers        body: a probe-trigger document → 201, the answer of GET plus what was added
 *   DELETE /api/v1/triggers/{name}  → the answer of GET plus what was removed ({@link TriggerService})
 *   POST /api/v1/searches/{job}  body: a probe-search-request (filter, from, to, max_packets) → the search's
 *                                report; the packets the filter keeps in the window, in time order (if filters are given)
 *   GET  /api/v1/searches/{job}  the search's pcap
 *   GET  /api/v1/searches/{job}/progress  a running search's progress (segments, bytes read, packet time reached)
 *   GET  /api/v1/store/coverage?from=&to=  the segments and bytes a search of that window (ns) would read
 *   DELETE /api/v1/searches/{job}  cancels a running search (202; its POST is then answered 409 search cancelled)
 * </pre>
 * Errors are {@code {"error", "detail"}}: 400 bad alert, job name, settings or trigger, 401 token,
 * 404 flow never stored, no such carve or trigger, 409 settings based on a stale version or a
 * trigger name taken, 410 flow rotated out, 413 body too large, 503 searches busy (with {@code Retry-After}). The one key may do everything,
 * settings and triggers included: it is the manager's (the probe knows no roles). Slow, silent and
 * oversized requests are cut by the connection limits of {@link HttpServerLimits}.
 */
public final class ProbeApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProbeApiServer.class);
    private static final String PREFIX = "/api/v1/";
    /** The probe's software version: its Maven project version, written into probe-version.properties at build time. */
    static final String VERSION = buildVersion();
    private static final int MAX_ALERT_BYTES = 1 << 20;
    private static final int MAX_SETTINGS_BYTES = 64 << 10;
    private static final int MAX_SEARCH_BYTES = 64 << 10;
    /** A watchlist's text (at most 16 MB, as the trigger schema says) and the rest of its document. */
    private static final int MAX_TRIGGER_BYTES = (16 << 20) + (64 << 10);
    /** How much of a body over its limit is read and thrown away before the 413, so the client can read it. */
    private static final long SWALLOW_BYTES = 4L << 20;
    private static final String PCAP_TYPE = "application/vnd.tcpdump.pcap";
    private static final String BEARER = "Bearer ";
    private static final int CORE_WORKERS = 4;
    private static final int SPARE_WORKERS = 64;

    private final String probeName;
    private final String tokenHash;
    private final PcapStore store;
    private final CarveJobs carves;
    private final MetricsText metrics;
    private final SettingsService settings;
    private final TriggerService triggers;
    private final SearchFilters searchFilters;
    private final HttpServer server;
    private final ExecutorService workers;
    private final ObjectMapper json = new ObjectMapper();

    /** Answers {@code GET /metrics}: the probe's meters, {@code scrape} giving them in {@code contentType}. */
    public record MetricsText(String contentType, Supplier<String> scrape) {}

    /** Compiles a search's tcpdump expression for the store's frames (libpcap); IOException with libpcap's words. */
    @FunctionalInterface
    public interface SearchFilters {
        BpfProgram compile(String expression) throws IOException;
    }

    /**
     * What the server answers besides health, the store and carves, each null for no such endpoint
     * (404): {@code GET /metrics}, {@code GET}/{@code PUT /api/v1/settings}, {@code GET}/{@code
     * POST /api/v1/triggers} with {@code DELETE /api/v1/triggers/<name>}, and {@code POST}/{@code GET
     * /api/v1/searches/<job>} (filters compiled by {@code searchFilters}).
     */
    public record Endpoints(MetricsText metrics, SettingsService settings, TriggerService triggers,
            SearchFilters searchFilters) {
        public static final Endpoints NONE = new Endpoints(null, null, null, null);

        /** Without searches. */
        public Endpoints(MetricsText metrics, SettingsService settings, TriggerService triggers) {
            this(metrics, settings, triggers, null);
        }
    }

    /** Health, the store and carves only. */
    public ProbeApiServer(String probeName, InetSocketAddress address, SSLContext tls, String token, PcapStore store,
            CarveJobs carves) throws IOException {
        this(probeName, address, tls, token, store, carves, Endpoints.NONE);
    }

    /**
     * @param address where to listen (port 0: any free port, see {@link #port()})
     * @param tls the server's TLS context, or null for plain HTTP
     * @param token the key callers must present (kept only as its SHA-256)
     * @param endpoints the endpoints answered besides health, the store and carves
     */
    public ProbeApiServer(String probeName, InetSocketAddress address, SSLContext tls, String token, PcapStore store,
            CarveJobs carves, Endpoints endpoints) throws IOException {
        this.probeName = probeName;
        this.metrics = endpoints.metrics();
        this.settings = endpoints.settings();
        this.triggers = endpoints.triggers();
        this.searchFilters = endpoints.searchFilters();
        this.tokenHash = ApiToken.hash(token);
        this.store = store;
        this.carves = carves;
        HttpServerLimits limits = HttpServerLimits.effective(); // before the first server reads them
        if (tls != null) {
            HttpsServer https = HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            this.server = https;
        } else {
            this.server = HttpServer.create(address, 64);
        }
        // A connection still sending its request holds a worker (until the request time), so there may be
        // one per connection, plus some for connections being closed; an idle worker is reused first
        // (hand-off queue), a new one started only when none is idle, and it ends after 30 s idle.
        this.workers = new ThreadPoolExecutor(CORE_WORKERS, limits.maxConnections() + SPARE_WORKERS, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "probe-api");
                    t.setDaemon(true);
                    return t;
                });
        server.setExecutor(workers);
        server.createContext("/", this::handle);
    }

    public void start() {
        server.start();
        HttpServerLimits limits = HttpServerLimits.effective();
        log.info("probe API listening on {} (at most {} connections, {} s to send a request, {} bytes of headers)",
                server.getAddress(), limits.maxConnections(), limits.maxRequestSeconds(), limits.maxHeaderBytes());
    }

    private static String buildVersion() {
        java.util.Properties p = new java.util.Properties();
        try (InputStream in = ProbeApiServer.class.getResourceAsStream("probe-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            log.warn("cannot read the probe's version (probe-version.properties): {}", e.getMessage());
        }
        String v = p.getProperty("version", "");
        // not built by Maven (its ${...} left as it is): say so rather than make a version up
        return v.isBlank() || v.startsWith("${") ? "unknown (not built by Maven)" : v;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            if (path.equals(PREFIX + "health") && method.equals("GET")) {
                ObjectNode body = json.createObjectNode().put("status", "ok").put("probe", probeName).put("version", VERSION);
                send(exchange, 200, body);
                return;
            }
            String key = key(exchange.getRequestHeaders().getFirst("Authorization"));
            if (key == null || !ApiToken.matches(key, tokenHash)) {
                exchange.getResponseHeaders().set("WWW-Authenticate", ApiToken.SCHEME);
                error(exchange, 401, key == null ? "authentication required" : "invalid token",
                        "send Authorization: Token <key> (or Bearer <key>)");
                return;
            }
            if (path.equals("/metrics") && metrics != null) {
                if (method.equals("GET")) {
                    metrics(exchange);
                } else {
                    error(exchange, 405, "method not allowed", method + " " + path);
                }
            } else if (path.equals(PREFIX + "settings") && settings != null) {
                if (method.equals("GET")) {
                    send(exchange, 200, settings.answer());
                } else if (method.equals("PUT")) {
                    putSettings(exchange);
                } else {
                    exchange.getResponseHeaders().set("Allow", "GET, PUT");
                    error(exchange, 405, "method not allowed", method + " " + path + ": GET or PUT");
                }
            } else if (path.equals(PREFIX + "triggers") && triggers != null) {
                if (method.equals("GET")) {
                    send(exchange, 200, triggers.answer());
                } else if (method.equals("POST")) {
                    addTrigger(exchange);
                } else {
                    exchange.getResponseHeaders().set("Allow", "GET, POST");
                    error(exchange, 405, "method not allowed", method + " " + path + ": GET or POST");
                }
            } else if (path.startsWith(PREFIX + "triggers/") && triggers != null) {
                String name = path.substring((PREFIX + "triggers/").length());
                if (!Trigger.NAME.matcher(name).matches()) {
                    error(exchange, 400, "invalid trigger name", "1 to 64 letters, digits and . _ : - (as it was added)");
                } else if (method.equals("DELETE")) {
                    try {
                        send(exchange, 200, triggers.remove(name));
                    } catch (TriggerRejected e) {
                        error(exchange, e.status(), e.error(), e.detail());
                    }
                } else {
                    exchange.getResponseHeaders().set("Allow", "DELETE");
                    error(exchange, 405, "method not allowed", method + " " + path + ": DELETE");
                }
            } else if (path.startsWith(PREFIX + "searches/") && searchFilters != null) {
                String job = path.substring((PREFIX + "searches/").length());
                boolean progress = job.endsWith("/progress");
                if (progress) {
                    job = job.substring(0, job.length() - "/progress".length());
                }
                if (!JobName.isValid(job)) {
                    error(exchange, 400, "invalid job name", JobName.MAX_LENGTH + " characters of A-Z a-z 0-9 _ - at most");
                } else if (progress) {
                    if (method.equals("GET")) {
                        searchProgress(exchange, job);
                    } else {
                        exchange.getResponseHeaders().set("Allow", "GET");
                        error(exchange, 405, "method not allowed", method + " " + path + ": GET");
                    }
                } else if (method.equals("POST")) {
                    search(exchange, job);
                } else if (method.equals("GET")) {
                    sendPcap(exchange, carves.searchFile(job), "no such search",
                            "job " + job + " has not been searched here, matched nothing, or its result expired");
                } else if (method.equals("DELETE")) {
                    if (carves.cancel(job)) {
                        CarveJobs.Progress p = carves.progress(job);
                        send(exchange, 202, p != null ? progress(p) : json.createObjectNode().put("job", job).put("segments_read", 0)
                                .put("segments", 0).put("bytes_read", 0).put("bytes", 0).put("cancelling", true));
                    } else {
                        error(exchange, 404, "no such search", "no search " + job + " is running here");
                    }
                } else {
                    exchange.getResponseHeaders().set("Allow", "GET, POST, DELETE");
                    error(exchange, 405, "method not allowed", method + " " + path + ": GET, POST or DELETE");
                }
            } else if (path.equals(PREFIX + "store/coverage") && method.equals("GET") && searchFilters != null) {
                storeCoverage(exchange);
            } else if (path.equals(PREFIX + "store") && method.equals("GET")) {
                send(exchange, 200, storeStatus());
            } else if (path.startsWith(PREFIX + "carves/")) {
                String job = path.substring((PREFIX + "carves/").length());
                if (!JobName.isValid(job)) {
                    error(exchange, 400, "invalid job name", JobName.MAX_LENGTH + " characters of A-Z a-z 0-9 _ - at most");
                } else if (method.equals("POST")) {
                    carve(exchange, job);
                } else if (method.equals("GET")) {
                    download(exchange, job);
                } else {
                    error(exchange, 405, "method not allowed", method + " " + path);
                }
            } else {
                error(exchange, 404, "not found", method + " " + path);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("probe API: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            throw e;
        }
    }

    /** The key of {@code Token <key>} or {@code Bearer <key>}; null if the header is neither. */
    private static String key(String authorization) {
        String key = ApiToken.fromHeader(authorization);
        if (key != null || authorization == null) {
            return key;
        }
        String value = authorization.strip();
        if (!value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String bearer = value.substring(BEARER.length()).strip();
        return bearer.isEmpty() || bearer.length() > 256 ? null : bearer;
    }

    private void metrics(HttpExchange exchange) throws IOException {
        byte[] body = metrics.scrape().get().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", metrics.contentType());
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * The request body if it has at most {@code max} bytes, else null. Past the limit the body is
     * read on and thrown away for up to {@link #SWALLOW_BYTES} more, so that a client still sending
     * reads the 413 that follows: a server that closes a connection with bytes unread resets it,
     * and the client loses the answer. A body larger still is cut off there (the connection closes).
     */
    private static byte[] readBody(HttpExchange exchange, int max) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(max + 1);
            if (body.length <= max) {
                return body;
            }
            byte[] discard = new byte[8192];
            long left = SWALLOW_BYTES;
            for (int n; left > 0 && (n = in.read(discard, 0, (int) Math.min(discard.length, left))) > 0; ) {
                left -= n;
            }
            return null;
        }
    }

    private void putSettings(HttpExchange exchange) throws IOException {
        byte[] body = readBody(exchange, MAX_SETTINGS_BYTES);
        if (body == null) {
            error(exchange, 413, "settings too large", "at most " + MAX_SETTINGS_BYTES + " bytes");
            return;
        }
        try {
            send(exchange, 200, settings.put(body));
        } catch (SettingsRejected e) {
            error(exchange, e.status(), e.error(), e.detail());
        }
    }

    private void addTrigger(HttpExchange exchange) throws IOException {
        byte[] body = readBody(exchange, MAX_TRIGGER_BYTES);
        if (body == null) {
            error(exchange, 413, "trigger too large", "at most " + MAX_TRIGGER_BYTES + " bytes");
            return;
        }
        try {
            send(exchange, 201, triggers.add(body));
        } catch (TriggerRejected e) {
            error(exchange, e.status(), e.error(), e.detail());
        }
    }

    private void carve(HttpExchange exchange, String job) throws IOException {
        byte[] body = readBody(exchange, MAX_ALERT_BYTES);
        if (body == null) {
            error(exchange, 413, "alert too large", "at most " + MAX_ALERT_BYTES + " bytes");
            return;
        }
        CarveJobs.Carve carve;
        try {
            carve = carves.carve(job, new String(body, StandardCharsets.UTF_8));
        } catch (CarveJobs.BadRequest e) {
            error(exchange, 400, "bad alert", e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(exchange, 503, "probe shutting down", "try again");
            return;
        }
        ExtractionResult r = carve.result();
        switch (r.outcome()) {
            case FOUND -> {
                ObjectNode report = json.createObjectNode().put("job", job).put("outcome", "found")
                        .put("packets", r.packets()).put("bytes", r.bytes()).put("size", carve.size())
                        .put("sha256", carve.sha256()).put("first_ts", carve.firstTimestamp())
                        .put("last_ts", carve.lastTimestamp())
                        .put("includes_active_segment", carve.includesActiveSegment());
                send(exchange, 200, report);
            }
            case ROTATED_OUT -> error(exchange, 410, "flow rotated out of the store",
                    "its packets were older than what the store's size limit keeps");
            case NEVER_STORED -> error(exchange, 404, "flow not in the store",
                    "never stored: no alert armed it while the probe saw it");
            case NOT_FOUND -> error(exchange, 404, "flow not in the store",
                    "never stored, or rotated out (the alert's time does not tell which)");
        }
    }

    private void search(HttpExchange exchange, String job) throws IOException {
        byte[] body = readBody(exchange, MAX_SEARCH_BYTES);
        if (body == null) {
            error(exchange, 413, "search too large", "at most " + MAX_SEARCH_BYTES + " bytes");
            return;
        }
        JsonNode request;
        try {
            request = json.readTree(body);
        } catch (IOException e) {
            error(exchange, 400, "malformed JSON", e.getMessage());
            return;
        }
        List<String> violations = request == null ? List.of("$: an object expected, nothing found")
                : DocumentSchema.of(DocumentSchema.Document.PROBE_SEARCH_REQUEST).validate(request);
        if (!violations.isEmpty()) {
            error(exchange, 400, "bad search", String.join("; ", violations));
            return;
        }
        String filter = request.get("filter").asText();
        BpfProgram program;
        try {
            program = searchFilters.compile(filter);
        } catch (IOException e) {
            error(exchange, 400, "invalid filter", e.getMessage());
            return;
        }
        PacketSearch.Query query;
        try {
            query = new PacketSearch.Query(program, nanos(request.get("from"), 0), nanos(request.get("to"), Long.MAX_VALUE),
                    request.path("max_packets").asLong(0));
        } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
            error(exchange, 400, "bad search", e.getMessage());
            return;
        }
        CarveJobs.Search search;
        try {
            search = carves.search(job, query, request.path("count_only").asBoolean(false), store.search());
        } catch (CarveJobs.Busy e) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            error(exchange, 503, "searches busy", e.getMessage());
            return;
        } catch (PacketSearch.Cancelled e) {
            error(exchange, 409, "search cancelled", "search " + job + " was cancelled (DELETE) before it ended; nothing kept");
            return;
        } catch (IllegalStateException e) {
            error(exchange, 409, "search running", e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(exchange, 503, "probe shutting down", "try again");
            return;
        }
        PacketSearch.Result r = search.result();
        ObjectNode report = json.createObjectNode().put("job", job).put("filter", filter)
                .put("outcome", r.empty() ? "none" : "found").put("packets", r.packets()).put("bytes", r.bytes())
                .put("matched", r.matched()).put("segments_read", r.segmentsRead()).put("bytes_read", r.bytesRead())
                .put("includes_active_segment", search.includesActiveSegment());
        if (!r.empty()) {
            report.put("first_ts", Instant.ofEpochSecond(0, r.firstNanos()).toString()).put("first_ts_ns", r.firstNanos())
                    .put("last_ts", Instant.ofEpochSecond(0, r.lastNanos()).toString()).put("last_ts_ns", r.lastNanos());
            if (r.sha256() != null) {
                report.put("size", r.size()).put("sha256", r.sha256());
            }
        }
        send(exchange, 200, report);
    }

    /** What a search of {@code ?from=&to=} (ns since the epoch) would read, as the manifest says (probe-store-coverage). */
    private void storeCoverage(HttpExchange exchange) throws IOException {
        long from = 0;
        long to = Long.MAX_VALUE;
        String query = exchange.getRequestURI().getRawQuery();
        try {
            for (String pair : query == null ? new String[0] : query.split("&")) {
                if (pair.startsWith("from=")) {
                    from = Long.parseLong(pair.substring(5));
                } else if (pair.startsWith("to=")) {
                    to = Long.parseLong(pair.substring(3));
                }
            }
        } catch (NumberFormatException e) {
            error(exchange, 400, "bad window", "from and to are ns since the epoch: " + e.getMessage());
            return;
        }
        if (to < from) {
            error(exchange, 400, "bad window", "the window ends before it starts: " + from + ".." + to);
            return;
        }
        PacketSearch.Coverage c;
        try {
            c = carves.coverage(from, to, store.search());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(exchange, 503, "probe shutting down", "try again");
            return;
        }
        send(exchange, 200, json.createObjectNode().put("from_ns", from).put("to_ns", to).put("segments", c.segments())
                .put("bytes", c.bytes()));
    }

    /** A running search's progress (probe-search-progress); 404 when none of that name runs. */
    private void searchProgress(HttpExchange exchange, String job) throws IOException {
        CarveJobs.Progress p = carves.progress(job);
        if (p == null) {
            error(exchange, 404, "no such search", "no search " + job + " is running here (it ended, or never began)");
            return;
        }
        send(exchange, 200, progress(p));
    }

    /** A probe-search-progress. */
    private ObjectNode progress(CarveJobs.Progress p) {
        ObjectNode node = json.createObjectNode().put("job", p.job()).put("segments_read", p.segmentsRead())
                .put("segments", p.segments()).put("bytes_read", p.bytesRead()).put("bytes", p.bytes())
                .put("cancelling", p.cancelling());
        if (p.packetTimeNanos() > 0) {
            node.put("packet_ts", Instant.ofEpochSecond(0, p.packetTimeNanos()).toString()).put("packet_ts_ns", p.packetTimeNanos());
        }
        return node;
    }

    /** A window's end: ns since the epoch (a number) or an RFC 3339 time (a string); absent: {@code otherwise}. */
    private static long nanos(JsonNode value, long otherwise) {
        if (value == null || value.isNull()) {
            return otherwise;
        }
        if (value.isNumber()) {
            return value.asLong();
        }
        Instant t = Instant.parse(value.asText());
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    private void download(HttpExchange exchange, String job) throws IOException {
        sendPcap(exchange, carves.file(job), "no such carve", "job " + job + " has not been carved here (or its carve expired)");
    }

    private void sendPcap(HttpExchange exchange, Path file, String missing, String missingDetail) throws IOException {
        InputStream in;
        long size;
        try {
            in = Files.newInputStream(file);
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            error(exchange, 404, missing, missingDetail);
            return;
        }
        try (in) {
            exchange.getResponseHeaders().set("Content-Type", PCAP_TYPE);
            exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
            try (OutputStream out = exchange.getResponseBody()) {
                in.transferTo(out);
            }
        }
    }

    private ObjectNode storeStatus() {
        StoreStatus s = store.status();
        ObjectNode node = json.createObjectNode().put("probe", probeName).put("dir", s.dir().toString())
                .put("segments", s.segments().size()).put("total_bytes", s.totalBytes())
                .put("pcap_bytes", s.pcapBytes()).put("index_bytes", s.indexBytes()).put("packets", s.packets())
                .put("flows", s.flowEntries()).put("max_bytes", s.maxSizeBytes())
                .put("active_bytes", s.activeBytes()).put("active_packets", s.activePackets())
                .put("oldest_ts_ns", s.oldestTimestamp()).put("newest_ts_ns", s.newestTimestamp())
                .put("rotated_segments", s.rotatedSegments()).put("rotated_bytes", s.rotatedBytes());
        return node;
    }

    private void error(HttpExchange exchange, int status, String error, String detail) throws IOException {
        send(exchange, status, json.createObjectNode().put("error", error).put("detail", detail));
    }

    private void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdown();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
