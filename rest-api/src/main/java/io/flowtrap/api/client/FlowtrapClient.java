package io.flowtrap.api.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.JobName;
import io.flowtrap.api.auth.ApiToken;
import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.CaptureRequest;
import io.flowtrap.api.manager.CapturesPage;
import io.flowtrap.api.manager.ExtractionAnswer;
import io.flowtrap.api.manager.FilterRequest;
import io.flowtrap.api.manager.MergeRequest;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.api.manager.RetrieveAnswer;
import io.flowtrap.api.manager.SearchAnswer;
import io.flowtrap.api.manager.SearchRequest;
import io.flowtrap.api.manager.SearchesPage;
import io.flowtrap.api.manager.StatusAnswer;
import io.flowtrap.api.manager.UploadAnswer;
import io.flowtrap.api.tls.PemTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * The manager's REST chain from Java (see openapi.yaml next to this package's resources):
 * {@code alertsTail} → {@code upload} → {@code extractPcap} → {@code retrieve} → {@code download},
 * and {@code status}; and the captures ({@code startCapture}, {@code captures}, {@code capture},
 * {@code stopCapture}, {@code deleteCapture}, {@code downloadCapture}); the searches ({@code
 * startSearch}, {@code searches}, {@code search}, {@code cancelSearch}, {@code deleteSearch},
 * {@code downloadSearch}); merges and filters of results ({@code merge}, {@code filter}, {@code
 * result}, {@code downloadResult}). HTTPS trusting the CA given (PEM, as ops/tls/make-certs writes it; null: the
 * JDK's trust store), {@code Authorization: Token <key>} on every call. Answers are read as the
 * records of {@code io.flowtrap.api.manager}, the manager's own. Every answer other than
 * the call's success is thrown as a {@link FlowtrapApiException} with its status, error and detail.
 * Thread-safe: one client can serve many threads.
 *
 * <pre>{@code
 * FlowtrapClient manager = new FlowtrapClient(URI.create("https://127.0.0.1:8443"), key, Path.of("ca.pem"));
 * JsonNode hit = manager.alertsTail("alert.signature_id:2100498 AND flow_id:1234", null, null, 1, 1).path("results").get(0);
 * String job = manager.upload(hit.path("host").asText(), hit);
 * manager.extractPcap(job, null); manager.retrieve(job, null); manager.download(job, out);
 * }</pre>
 */
public final class FlowtrapClient {
    /** How long one call may take unless the constructor says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PCAP_CHAIN = "/rest/rules/filestore_pcap/";
    private static final String CAPTURES = "/rest/captures/";
    private static final String SEARCHES = "/rest/searches/";
    private static final String RESULTS = "/rest/results/";
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    /** What {@code extract_pcap} answered: the carve ({@code done}), or 202 pending with a detail. */
    public record Extraction(boolean done, String job, long packets, long bytes, Instant firstTs, Instant lastTs,
            String detail) {}

    /** What {@code retrieve} answered: the size and SHA-256 of the pcap the manager now holds. */
    public record Retrieved(long size, String sha256) {}

    /** Where a job stands ({@code status}); a job the manager does not know is a 404 {@link FlowtrapApiException}. */
    public enum JobStatus {
        /** Uploaded, being carved, or carved and not retrieved. */
        PENDING,
        /** Retrieved: download answers the pcap. */
        AVAILABLE,
        /** The last carve failed; retrieve answers why. */
        FAILED,
        /** The download's retention passed; retrieve again. */
        EXPIRED
    }

    private final String base;
    private final String authorization;
    private final Duration timeout;
    private final HttpClient http;

    /** A client of the manager at {@code base} (e.g. {@code https://manager:8443}) with the default timeout. */
    public FlowtrapClient(URI base, String token, Path caPath) throws IOException {
        this(base, token, caPath, DEFAULT_TIMEOUT);
    }

    /**
     * @param base the manager's URL, scheme, host and port (and a path prefix, if a proxy adds one)
     * @param token the API key ({@code flowtrap-manager token create})
     * @param caPath the CA certificates to trust (PEM); null: the JDK's
     * @param timeout how long one call may take, connecting included
     */
    public FlowtrapClient(URI base, String token, Path caPath, Duration timeout) throws IOException {
        String b = Objects.requireNonNull(base, "base").toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.authorization = ApiToken.SCHEME + " " + Objects.requireNonNull(token, "token");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().sslContext(PemTls.client(caPath)).connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    /**
     * {@code GET /rest/rules/es/alerts_tail/}: one page of the alerts matching {@code qfilter} (a
     * Lucene query; null: all), newest first, as {@code {"count", "next", "previous", "results"}}.
     *
     * @param fromMillis the window's start in ms since the epoch; null: 30 days before its end
     * @param toMillis the window's end; null: now
     * @param page 1 for the first
     * @param pageSize 1 to 1000
     */
    public JsonNode alertsTail(String qfilter, Long fromMillis, Long toMillis, int page, int pageSize)
            throws IOException, InterruptedException {
        Query q = new Query().add("qfilter", qfilter).add("from_date", fromMillis).add("to_date", toMillis)
                .add("page", page).add("page_size", pageSize);
        return json(send(request("/rest/rules/es/alerts_tail/" + q).GET().build(), 200));
    }

    /**
     * {@code POST /rest/rules/filestore_pcap/upload/}: creates the extraction job of {@code alert}
     * (an alerts_tail hit, whose {@code _id} names the job, or a flat EVE alert) as the multipart
     * part {@code file}; returns the job's name.
     *
     * @param host the probe holding the flow; null: the alert's {@code host}
     */
    public String upload(String host, JsonNode alert) throws IOException, InterruptedException {
        String boundary = "flowtrap-" + UUID.randomUUID();
        byte[] body = ("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"alert.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n"
                + JSON.writeValueAsString(Objects.requireNonNull(alert, "alert")) + "\r\n"
                + "--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = request(PCAP_CHAIN + "upload/" + new Query().add("host", host))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        UploadAnswer answer = read(send(request, 200), UploadAnswer.class);
        return required(answer.filename(), "filename", answer);
    }

    /**
     * {@code POST .../<job>/extract_pcap/}: the probe carves the job's flow. A carve longer than the
     * manager's wait comes back not {@link Extraction#done() done} (202); it goes on, and retrieve
     * answers 409 until it ends.
     *
     * @param host the probe to carve on; null: the job's
     */
    public Extraction extractPcap(String job, String host) throws IOException, InterruptedException {
        HttpRequest request = request(PCAP_CHAIN + JobName.require(job) + "/extract_pcap/" + new Query().add("host", host))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<byte[]> response = send(request, 200, 202);
        ExtractionAnswer a = read(response, ExtractionAnswer.class);
        if (response.statusCode() == 202) {
            return new Extraction(false, required(a.filename(), "filename", a), 0, 0, null, null, a.detail());
        }
        return new Extraction(true, required(a.filename(), "filename", a), required(a.packets(), "packets", a),
                required(a.bytes(), "bytes", a), instant(required(a.firstTs(), "first_ts", a), "first_ts", a),
                instant(required(a.lastTs(), "last_ts", a), "last_ts", a), null);
    }

    /** {@code GET .../<job>/status/}: where the job stands; an unknown job is a 404 (error {@code "unknown job"}). */
    public JobStatus status(String job) throws IOException, InterruptedException {
        StatusAnswer answer = read(send(request(PCAP_CHAIN + JobName.require(job) + "/status/").GET().build(), 200),
                StatusAnswer.class);
        String status = required(answer.status(), "status", answer);
        try {
            return JobStatus.valueOf(status.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IOException("status of " + job + ": the manager answered an unknown status " + answer, e);
        }
    }

    /**
     * {@code GET .../<job>/retrieve/}: the manager pulls the carve from the probe and checks its
     * size and SHA-256 against the carve report.
     *
     * @param host the probe to pull from; null: the one that carved it
     */
    public Retrieved retrieve(String job, String host) throws IOException, InterruptedException {
        RetrieveAnswer answer = read(send(request(PCAP_CHAIN + JobName.require(job) + "/retrieve/"
                + new Query().add("host", host)).GET().build(), 200), RetrieveAnswer.class);
        return new Retrieved(required(answer.size(), "size", answer), required(answer.sha256(), "sha256", answer));
    }

    /** {@code GET .../<job>/download/}: writes the retrieved pcap to {@code out}; returns its bytes. */
    public long download(String job, OutputStream out) throws IOException, InterruptedException {
        HttpRequest request = request(PCAP_CHAIN + JobName.require(job) + "/download/").GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw error(response.statusCode(), in.readNBytes(MAX_ERROR_BYTES), response);
            }
            return in.transferTo(out);
        }
    }

    /** {@code POST /rest/captures/}: starts (or queues) a capture; the capture as the manager answers it. */
    public CaptureAnswer startCapture(CaptureRequest capture) throws IOException, InterruptedException {
        HttpRequest request = request(CAPTURES).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(Objects.requireNonNull(capture, "capture"))))
                .build();
        return read(send(request, 201), CaptureAnswer.class);
    }

    /** {@code GET /rest/captures/}: the captures, newest first, of {@code analyst} in {@code state} (null: any). */
    public CapturesPage captures(String analyst, String state) throws IOException, InterruptedException {
        return read(send(request(CAPTURES + new Query().add("analyst", analyst).add("state", state)).GET().build(), 200),
                CapturesPage.class);
    }

    /** {@code GET /rest/captures/<id>/}. */
    public CaptureAnswer capture(String id) throws IOException, InterruptedException {
        return read(send(request(CAPTURES + captureId(id) + "/").GET().build(), 200), CaptureAnswer.class);
    }

    /** {@code POST /rest/captures/<id>/stop/}: stops it and answers its result (summary, or "no packets matched"). */
    public CaptureAnswer stopCapture(String id) throws IOException, InterruptedException {
        return read(send(request(CAPTURES + captureId(id) + "/stop/").POST(HttpRequest.BodyPublishers.noBody()).build(), 200),
                CaptureAnswer.class);
    }

    /** {@code DELETE /rest/captures/<id>/}: the capture as it was deleted. */
    public CaptureAnswer deleteCapture(String id) throws IOException, InterruptedException {
        return read(send(request(CAPTURES + captureId(id) + "/").DELETE().build(), 200), CaptureAnswer.class);
    }

    /** {@code GET /rest/captures/<id>/download/} ({@code probe}: that probe's part; null: the merged pcap) into {@code out}. */
    public long downloadCapture(String id, String probe, OutputStream out) throws IOException, InterruptedException {
        HttpRequest request = request(CAPTURES + captureId(id) + "/download/" + new Query().add("probe", probe)).GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw error(response.statusCode(), in.readNBytes(MAX_ERROR_BYTES), response);
            }
            return in.transferTo(out);
        }
    }

    /** {@code POST /rest/searches/}: starts a search of the probes' stores; the search as the manager answers it (201). */
    public SearchAnswer startSearch(SearchRequest search) throws IOException, InterruptedException {
        return read(send(request(SEARCHES).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(Objects.requireNonNull(search, "search"))))
                .build(), 201), SearchAnswer.class);
    }

    /** {@code GET /rest/searches/}: every search, newest first. */
    public SearchesPage searches() throws IOException, InterruptedException {
        return read(send(request(SEARCHES).GET().build(), 200), SearchesPage.class);
    }

    /** {@code GET /rest/searches/<id>/}: each probe's part, its queue position and progress. */
    public SearchAnswer search(String id) throws IOException, InterruptedException {
        return read(send(request(SEARCHES + captureId(id) + "/").GET().build(), 200), SearchAnswer.class);
    }

    /** {@code POST /rest/searches/<id>/cancel/}. */
    public SearchAnswer cancelSearch(String id) throws IOException, InterruptedException {
        return read(send(request(SEARCHES + captureId(id) + "/cancel/").POST(HttpRequest.BodyPublishers.noBody()).build(), 200),
                SearchAnswer.class);
    }

    /** {@code DELETE /rest/searches/<id>/}. */
    public SearchAnswer deleteSearch(String id) throws IOException, InterruptedException {
        return read(send(request(SEARCHES + captureId(id) + "/").DELETE().build(), 200), SearchAnswer.class);
    }

    /** {@code GET /rest/searches/<id>/download/} ({@code probe}: that probe's part; null: the merged pcap) into {@code out}. */
    public long downloadSearch(String id, String probe, OutputStream out) throws IOException, InterruptedException {
        return pcap(request(SEARCHES + captureId(id) + "/download/" + new Query().add("probe", probe)).GET().build(), out);
    }

    /** {@code POST /rest/merges/}: results merged by time (dropping duplicates when asked); the result (201). */
    public ResultAnswer merge(MergeRequest merge) throws IOException, InterruptedException {
        return read(send(request("/rest/merges/").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(Objects.requireNonNull(merge, "merge"))))
                .build(), 201), ResultAnswer.class);
    }

    /** {@code POST /rest/filters/}: the packets of one result a tcpdump filter keeps; the result (201). */
    public ResultAnswer filter(FilterRequest filter) throws IOException, InterruptedException {
        return read(send(request("/rest/filters/").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(Objects.requireNonNull(filter, "filter"))))
                .build(), 201), ResultAnswer.class);
    }

    /** {@code GET /rest/results/<kind>/<id>/}: one result of any kind (capture, search, merge, filter, extraction). */
    public ResultAnswer result(String kind, String id) throws IOException, InterruptedException {
        return read(send(request(RESULTS + resultPath(kind, id) + "/").GET().build(), 200), ResultAnswer.class);
    }

    /** {@code GET /rest/results/<kind>/<id>/download/} into {@code out}. */
    public long downloadResult(String kind, String id, OutputStream out) throws IOException, InterruptedException {
        return pcap(request(RESULTS + resultPath(kind, id) + "/download/").GET().build(), out);
    }

    /** {@code <kind>/<id>}: a kind of lower-case letters, an id as the manager makes them, {@code <id>:<probe>}, or a job name (an extraction's). */
    private static String resultPath(String kind, String id) {
        if (kind == null || !kind.matches("[a-z]{1,32}")) {
            throw new IllegalArgumentException("a result's kind is lower-case letters (capture, search, merge, filter, extraction), not '"
                    + kind + "'");
        }
        if (id == null || !id.matches("[a-z0-9]{12}(:[A-Za-z0-9._-]{1,64})?") && !JobName.isValid(id)) {
            throw new IllegalArgumentException("a result's id is 12 letters a-z and digits, <id>:<probe>, or an extraction's job name,"
                    + " not '" + id + "'");
        }
        return kind + "/" + id;
    }

    private long pcap(HttpRequest request, OutputStream out) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw error(response.statusCode(), in.readNBytes(MAX_ERROR_BYTES), response);
            }
            return in.transferTo(out);
        }
    }

    /** A capture, search or result id as the manager makes them (12 of a-z 0-9): never a path. */
    private static String captureId(String id) {
        if (id == null || !id.matches("[a-z0-9]{12}")) {
            throw new IllegalArgumentException("an id is 12 letters a-z and digits, not '" + id + "'");
        }
        return id;
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(timeout).header("Authorization", authorization);
    }

    private HttpResponse<byte[]> send(HttpRequest request, int... expected) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        for (int status : expected) {
            if (response.statusCode() == status) {
                return response;
            }
        }
        throw error(response.statusCode(), response.body(), response);
    }

    private static FlowtrapApiException error(int status, byte[] body, HttpResponse<?> response) {
        String authenticate = response.headers().firstValue("WWW-Authenticate").orElse(null);
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.path("error").isTextual()) {
                String error = node.get("error").asText();
                return new FlowtrapApiException(status, error, node.path("detail").asText(error), authenticate);
            }
        } catch (IOException e) {
            // not JSON: reported as it came, below
        }
        String text = new String(body, 0, Math.min(body.length, 500), StandardCharsets.UTF_8).strip();
        return new FlowtrapApiException(status, "HTTP " + status, text.isEmpty() ? "no body" : text, authenticate);
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws IOException {
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node == null || node.isMissingNode()) {
                throw new IOException(what(response) + ": the manager answered " + response.statusCode() + " with no body");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IOException(what(response) + ": the manager's answer is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The answer as the manager's record {@code type}. */
    private static <T> T read(HttpResponse<byte[]> response, Class<T> type) throws IOException {
        JsonNode node = json(response);
        try {
            return JSON.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new IOException(what(response) + ": the manager's answer is not " + type.getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    private static <T> T required(T value, String field, Object answer) throws IOException {
        if (value == null) {
            throw new IOException("the manager's answer has no " + field + ": " + answer);
        }
        return value;
    }

    private static String what(HttpResponse<?> response) {
        return response.request().method() + " " + response.request().uri().getRawPath();
    }

    private static Instant instant(String text, String field, Object answer) throws IOException {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IOException("the manager's answer has no UTC time in " + field + ": " + answer, e);
        }
    }

    /** A query string: absent values left out, every value percent-encoded (a space as %20). */
    private static final class Query {
        private final StringBuilder sb = new StringBuilder();

        Query add(String name, Object value) {
            if (value != null) {
                sb.append(sb.length() == 0 ? '?' : '&').append(name).append('=')
                        .append(URLEncoder.encode(value.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
            }
            return this;
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
