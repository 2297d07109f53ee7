package io.flowtrap.manager.probes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.JobName;
import io.flowtrap.api.auth.ApiToken;
import io.flowtrap.api.tls.PemTls;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.schemas.DocumentSchema;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The manager's side of one probe's API (see the probe's {@code ProbeApiServer}): HTTPS trusting
 * the configured CA, the probe's key on every call. Probe answers become the REST chain's: a flow
 * the probe does not hold is 404 or 410 as the probe says; a probe that cannot be reached is 502,
 * one that does not answer in time 504. Each call is timed in {@code flowtrap.probe.requests} (by
 * probe, operation and outcome). Thread-safe.
 */
public final class ProbeClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OK = "ok";
    /** A failure that is not the domain's: the copy into the manager's file failed, or a bug. */
    private static final String OTHER = "other";
    /** {@link #send}'s error for a probe it cannot connect to. */
    private static final String UNREACHABLE = "probe unreachable";

    private final String name;
    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;
    private final MeterRegistry meters;

    ProbeClient(String name, String url, String token, Path caCertificate, Duration timeout, MeterRegistry meters)
            throws IOException {
        this.name = name;
        this.meters = meters;
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().sslContext(PemTls.client(caCertificate))
                .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    }

    public String name() {
        return name;
    }

    /** Asks the probe to carve the flow of {@code alertJson} as {@code job}; its report. */
    public JsonNode carve(String job, String alertJson) {
        return measured("carve", () -> carveOnce(job, alertJson));
    }

    private JsonNode carveOnce(String job, String alertJson) {
        HttpRequest request = request("api/v1/carves/" + JobName.require(job))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(alertJson, StandardCharsets.UTF_8)).build();
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = parse(response.body());
        if (response.statusCode() != 200) {
            throw fromProbe(response.statusCode(), body);
        }
        List<String> violations = DocumentSchema.of(DocumentSchema.Document.PROBE_CARVE_REPORT).validate(body);
        if (!violations.isEmpty()) {
            throw new DomainException(Kind.PROBE_FAILED, "probe error", "probe " + name
                    + " answered a carve report that is not one: " + String.join("; ", violations));
        }
        return body;
    }

    /**
     * Streams the carve of {@code job} into {@code out}, at most {@code announced} bytes (what the
     * probe's carve report said): a larger {@code Content-Length}, or more bytes than that, is a probe
     * error (502) and stops the copy. Returns the bytes copied.
     */
    public long fetch(String job, OutputStream out, long announced) throws IOException {
        return measured("fetch", () -> copy(request("api/v1/carves/" + JobName.require(job)).GET().build(), job, out, announced));
    }

    private long copy(HttpRequest request, String job, OutputStream out, long announced) throws IOException {
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw fromProbe(response.statusCode(), parse(in.readNBytes(64 * 1024)));
            }
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (length > announced) {
                throw new DomainException(Kind.PROBE_FAILED, "carve changed in transit", "probe " + name + " announced "
                        + announced + " bytes for " + job + " and sends " + length + "; nothing was stored");
            }
            byte[] buffer = new byte[64 * 1024];
            long copied = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (copied + n > announced) {
                    throw new DomainException(Kind.PROBE_FAILED, "carve changed in transit", "probe " + name
                            + " announced " + announced + " bytes for " + job + " and sends more; nothing was stored");
                }
                out.write(buffer, 0, n);
                copied += n;
            }
            return copied;
        }
    }

    /**
     * Puts a BPF trigger named {@code trigger} in force on the probe ({@code POST /api/v1/triggers}):
     * flows whose first packet (or a packet in the look-back) {@code filter} keeps are stored. A
     * filter libpcap refuses is INVALID with the probe's (libpcap's) words; a name taken, CONFLICT.
     */
    public void addTrigger(String trigger, String filter) {
        String body = JSON.createObjectNode().put("name", trigger).put("kind", "bpf").put("filter", filter).toString();
        call("trigger-add", request("api/v1/triggers").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(), 201, null);
    }

    /**
     * Puts a watchlist trigger named {@code trigger} in force on the probe ({@code POST
     * /api/v1/triggers}): flows with an endpoint in {@code entries} (the list's text) are stored. A
     * list the probe refuses (no entry it could read, over its 16 MiB) is INVALID; a name taken, CONFLICT.
     */
    public void addWatchlist(String trigger, String entries) {
        String body = JSON.createObjectNode().put("name", trigger).put("kind", "watchlist").put("entries", entries).toString();
        call("trigger-add", request("api/v1/triggers").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(), 201, null);
    }

    /** Takes the trigger out of force; one the probe does not have (404) is already gone, not an error. */
    public void removeTrigger(String trigger) {
        try {
            call("trigger-remove", request("api/v1/triggers/" + trigger).DELETE().build(), 200, null);
        } catch (DomainException e) {
            if (e.kind() != Kind.NOT_FOUND) {
                throw e;
            }
        }
    }

    /**
     * Searches the probe's store ({@code POST /api/v1/searches/<job>}, a probe-search-request);
     * its probe-search-report. A filter libpcap refuses is INVALID with libpcap's words.
     */
    public JsonNode search(String job, JsonNode searchRequest) {
        return call("search", request("api/v1/searches/" + JobName.require(job)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(searchRequest.toString(), StandardCharsets.UTF_8)).build(), 200,
                DocumentSchema.Document.PROBE_SEARCH_REPORT);
    }

    /** Streams a search's pcap into {@code out}, at most {@code announced} bytes (as {@link #fetch}). */
    public long fetchSearch(String job, OutputStream out, long announced) throws IOException {
        return measured("search-fetch",
                () -> copy(request("api/v1/searches/" + JobName.require(job)).GET().build(), job, out, announced));
    }

    /**
     * A running search's progress ({@code GET /api/v1/searches/<job>/progress}, a
     * probe-search-progress); NOT_FOUND when none of that name runs there.
     */
    public JsonNode searchProgress(String job) {
        return call("search-progress", request("api/v1/searches/" + JobName.require(job) + "/progress").GET().build(), 200,
                DocumentSchema.Document.PROBE_SEARCH_PROGRESS);
    }

    /** Asks the probe to stop running search {@code job} (its search call is then answered CONFLICT); false if none runs. */
    public boolean cancelSearch(String job) {
        try {
            call("search-cancel", request("api/v1/searches/" + JobName.require(job)).DELETE().build(), 202, null);
            return true;
        } catch (DomainException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /**
     * What the probe's manifest says a search of [from, to] (ns) would read, without reading it
     * ({@code GET /api/v1/store/coverage}, a probe-store-coverage): segments and bytes.
     */
    public JsonNode storeCoverage(long fromNanos, long toNanos) {
        return call("store-coverage", request("api/v1/store/coverage?from=" + fromNanos + "&to=" + toNanos).GET().build(), 200,
                DocumentSchema.Document.PROBE_STORE_COVERAGE);
    }

    /** One JSON call answered {@code expected}, its body checked against {@code schema} (null: not checked). */
    private JsonNode call(String operation, HttpRequest request, int expected, DocumentSchema.Document schema) {
        return measured(operation, () -> {
            HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = parse(response.body());
            if (response.statusCode() != expected) {
                String detail = "probe " + name + ": " + body.path("detail").asText(body.path("error").asText("no detail"));
                String error = body.path("error").asText("probe error");
                throw switch (response.statusCode()) {
                    case 400 -> new DomainException(Kind.INVALID, error, detail);
                    case 409 -> new DomainException(Kind.CONFLICT, error, detail);
                    case 503 -> new DomainException(Kind.UNAVAILABLE, error, detail).retryAfter(1);
                    default -> fromProbe(response.statusCode(), body);
                };
            }
            if (schema != null) {
                List<String> violations = DocumentSchema.of(schema).validate(body);
                if (!violations.isEmpty()) {
                    throw new DomainException(Kind.PROBE_FAILED, "probe error", "probe " + name + " answered a "
                            + operation + " that is not one: " + String.join("; ", violations));
                }
            }
            return body;
        });
    }

    /** The probe's counters ({@code GET /metrics}, Prometheus text), waiting at most {@code within}. */
    public String metrics(Duration within) {
        return measured("metrics", () -> {
            HttpResponse<byte[]> response = send(request("metrics", within).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw fromProbe(response.statusCode(), parse(response.body()));
            }
            return new String(response.body(), StandardCharsets.UTF_8);
        });
    }

    /**
     * {@code PUT /api/v1/settings} with a probe-settings document; the probe's answer. A refusal is a
     * DomainException with the probe's own {@code error} and {@code detail}: CONFLICT for a stale
     * version (409), INVALID for settings it does not take (400, e.g. a BPF filter libpcap refuses),
     * PROBE_FAILED otherwise.
     */
    public JsonNode putSettings(JsonNode document) {
        return measured("put_settings", () -> {
            HttpRequest request = request("api/v1/settings").header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(document.toString(), StandardCharsets.UTF_8)).build();
            HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = parse(response.body());
            if (response.statusCode() != 200) {
                String error = body.path("error").asText("probe error");
                String detail = "probe " + name + ": " + error + ": " + body.path("detail").asText("no detail");
                throw switch (response.statusCode()) {
                    case 409 -> new DomainException(Kind.CONFLICT, error, detail);
                    case 400 -> new DomainException(Kind.INVALID, error, detail);
                    default -> fromProbe(response.statusCode(), body);
                };
            }
            return body;
        });
    }

    /** Whether {@code e} (from a client of this class) says the probe could not be reached or did not answer in time. */
    public static boolean isUnreachable(DomainException e) {
        return e.kind() == Kind.PROBE_TIMEOUT || (e.kind() == Kind.PROBE_FAILED && UNREACHABLE.equals(e.getMessage()));
    }

    /**
     * The probe's health ({@code GET /api/v1/health}, a probe-health: its name and software version),
     * waiting at most {@code within}.
     */
    public JsonNode health(Duration within) {
        return call("health", request("api/v1/health", within).GET().build(), 200, DocumentSchema.Document.PROBE_HEALTH);
    }

    /** The probe's store status, or why it cannot be had. */
    public JsonNode storeStatus() {
        return storeStatus(timeout);
    }

    /** As {@link #storeStatus()}, waiting at most {@code within} for the answer (a page that must not hang). */
    public JsonNode storeStatus(Duration within) {
        return measured("store", () -> {
            HttpResponse<byte[]> response = send(request("api/v1/store", within).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = parse(response.body());
            if (response.statusCode() != 200) {
                throw fromProbe(response.statusCode(), body);
            }
            return body;
        });
    }

    /**
     * The probe's run-time settings ({@code GET /api/v1/settings}: what it runs with, its version),
     * or empty if the probe has no settings endpoint (404); why it cannot be had otherwise. Waits at
     * most {@code within} for the answer.
     */
    public Optional<JsonNode> settings(Duration within) {
        return measured("settings", () -> {
            HttpResponse<byte[]> response = send(request("api/v1/settings", within).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = parse(response.body());
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                throw fromProbe(response.statusCode(), body);
            }
            return Optional.of(body);
        });
    }

    /** One call to the probe, as {@link #measured} times it. */
    @FunctionalInterface
    private interface ProbeCall<T, E extends Exception> {
        T run() throws E;
    }

    /**
     * Runs {@code call} and adds its time to {@code flowtrap.probe.requests} under {@code operation},
     * with its outcome: ok, the kind of the DomainException it threw, or other.
     */
    private <T, E extends Exception> T measured(String operation, ProbeCall<T, E> call) throws E {
        long start = System.nanoTime();
        String outcome = OTHER;
        try {
            T result = call.run();
            outcome = OK;
            return result;
        } catch (DomainException e) {
            outcome = outcome(e);
            throw e;
        } finally {
            record(operation, outcome, start);
        }
    }

    /** Adds one call's time to {@code flowtrap.probe.requests}. */
    private void record(String operation, String outcome, long startNanos) {
        Timer.builder("flowtrap.probe.requests").description("calls of the manager to probes' APIs")
                .tag("probe", name).tag("operation", operation).tag("outcome", outcome).register(meters)
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    private static String outcome(DomainException e) {
        return e.kind().name().toLowerCase(Locale.ROOT);
    }

    private HttpRequest.Builder request(String path) {
        return request(path, timeout);
    }

    private HttpRequest.Builder request(String path, Duration within) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(within)
                .header("Authorization", ApiToken.SCHEME + " " + token);
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (HttpConnectTimeoutException e) {
            throw new DomainException(Kind.PROBE_TIMEOUT, "probe timeout",
                    "probe " + name + " (" + base + ") did not accept a connection in time", e);
        } catch (HttpTimeoutException e) {
            throw new DomainException(Kind.PROBE_TIMEOUT, "probe timeout",
                    "probe " + name + " did not answer within " + request.timeout().orElse(timeout).toSeconds() + " s", e);
        } catch (ConnectException e) {
            throw new DomainException(Kind.PROBE_FAILED, "probe unreachable",
                    "cannot connect to probe " + name + " at " + base, e);
        } catch (IOException e) {
            throw new DomainException(Kind.PROBE_FAILED, "probe unreachable",
                    "probe " + name + " at " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DomainException(Kind.UNAVAILABLE, "interrupted", "the manager is shutting down", e);
        }
    }

    private DomainException fromProbe(int status, JsonNode body) {
        String detail = body.path("detail").asText(body.path("error").asText("no detail"));
        return switch (status) {
            case 404 -> new DomainException(Kind.NOT_FOUND, body.path("error").asText("not found on the probe"),
                    "probe " + name + ": " + detail);
            case 410 -> new DomainException(Kind.GONE, "flow rotated out of the store", "probe " + name + ": " + detail);
            case 400 -> new DomainException(Kind.INVALID, "bad alert", "probe " + name + ": " + detail);
            case 401, 403 -> new DomainException(Kind.PROBE_FAILED, "probe refused the manager",
                    "probe " + name + " rejects the manager's key (check flowtrap.probes token-file)");
            default -> new DomainException(Kind.PROBE_FAILED, "probe error", "probe " + name + " answered " + status + ": " + detail);
        };
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("error", new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8));
        }
    }
}
