package io.flowtrap.probe.spool;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import io.flowtrap.api.tls.PemTls;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers an {@link EventSpool} to the manager's bulk ingest, on its own daemon thread.
 *
 * <p>Each batch (up to {@link SpoolConfig#batchSize()} events, or what is there) is one
 * {@code POST} of NDJSON ({@code Content-Type: application/x-ndjson},
 * {@code Authorization: Token <token>}), one line per event:
 * {@code {"kind":"alert","probe":"<probe name>","event":<the original json>}}.
 *
 * <p>Delivery is at least once, which is exactly once in effect because the manager derives document
 * ids from content and a re-sent event is byte for byte the same line. The position is the named
 * tailer {@value #TAILER_NAME}, persisted in the queue directory: it is moved past a batch only after
 * the manager answered 2xx. Batches are read with a second, unnamed tailer, so a probe that dies while
 * a POST is in flight re-sends that batch on restart rather than losing it.
 *
 * <p>Answers:
 * <ul>
 * <li>2xx: delivered. The manager's ingest report may list lines it rejected ({@code "rejected":
 *     [{"line", "error"}]}): each of those events goes to the {@link DeadLetters} file with that reason
 *     and is counted in {@link #rejected()}; the rest of the batch is delivered.</li>
 * <li>400, 413, 422 (the manager judges the content), and 500 or any other 5xx but 502/503/504 (the
 *     manager failed on something in the batch): the batch is halved and re-sent until the offending
 *     event is alone. Alone, a 4xx event goes to the dead letters at once; a 5xx one is retried with
 *     back-off, and dead-lettered after {@link SpoolConfig#deadLetterAttempts()} such answers or once
 *     it has failed for {@link SpoolConfig#deadLetterAge()}. Either way one poison event never blocks
 *     the spool, costs only itself, and is kept to be re-sent.</li>
 * <li>anything else (no connection, timeout, TLS failure, 3xx, 401, 403, 404, 408, 429, 502, 503,
 *     504, ...): a failure of the path, not of the content, counted in {@link #failures()}; the same
 *     batch is retried after a back-off that doubles from {@link SpoolConfig#minBackoff()} to
 *     {@link SpoolConfig#maxBackoff()}. A wrong token or URL, or Elasticsearch down behind the manager
 *     (503), therefore holds events back until fixed and never loses or dead-letters them.</li>
 * </ul>
 *
 * <p>Threads: {@link #start()} once; counters may be read from any thread; {@link #close()} stops the
 * thread (an in-flight POST is abandoned and its batch re-sent later) and returns within about a second.
 * At most one shipper per spool directory may run at a time (they would share the position).
 */
public final class SpoolShipper implements Runnable, AutoCloseable {

    /** Name of the Chronicle tailer that holds the delivered position. */
    public static final String TAILER_NAME = "shipper";

    private static final Logger LOG = LoggerFactory.getLogger(SpoolShipper.class);
    private static final long IDLE_POLL_MILLIS = 10;
    private static final long STOP_CHECK_MILLIS = 50;
    private static final int MAX_LOGGED_BODY = 500;

    private enum Outcome { DELIVERED, REJECTED, SERVER_ERROR, FAILED, STOPPED }

    /** What the manager answered, for what {@link #post} could tell. */
    private record Answer(Outcome outcome, int status, String body) {}

    /** One event of the batch in flight. */
    private record Event(long index, String kind, String json) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventSpool spool;
    private final SpoolConfig config;
    private final DeadLetters deadLetters;
    private final HttpClient client;
    private final String linePrefixAlert;
    private final String linePrefixFlow;
    private final String linePrefixWatchlist;
    private final String authorization;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean started;

    // written only by the shipper thread
    private volatile long shipped;
    private volatile long batches;
    private volatile long failures;
    private volatile long rejected;
    private volatile long deadLettered;
    private volatile long backlog;
    // the event that failed alone with a 5xx, and since when; shipper thread only
    private long failingIndex = -1;
    private int failingAttempts;
    private Instant failingSince;

    /**
     * Prepares a shipper (call {@link #start()}).
     *
     * @throws IOException              when the CA certificate file cannot be read
     */
    public SpoolShipper(EventSpool spool, SpoolConfig config) throws IOException {
        this.spool = Objects.requireNonNull(spool, "spool");
        this.config = Objects.requireNonNull(config, "config");
        this.deadLetters = new DeadLetters(spool.directory(), config.deadLetterMaxBytes());
        this.client = HttpClient.newBuilder()
                .sslContext(PemTls.client(config.caCertificate()))
                .connectTimeout(config.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        String probe = new String(JsonStringEncoder.getInstance().quoteAsString(config.probeName()));
        this.linePrefixAlert = "{\"kind\":\"" + EventSpool.ALERT + "\",\"probe\":\"" + probe + "\",\"event\":";
        this.linePrefixFlow = "{\"kind\":\"" + EventSpool.FLOW + "\",\"probe\":\"" + probe + "\",\"event\":";
        this.linePrefixWatchlist = "{\"kind\":\"" + EventSpool.WATCHLIST + "\",\"probe\":\"" + probe + "\",\"event\":";
        this.authorization = "Token " + config.token();
        this.thread = new Thread(this, "spool-shipper");
        this.thread.setDaemon(true);
    }

    /** Starts the daemon thread; returns this. */
    public synchronized SpoolShipper start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        thread.start();
        return this;
    }

    /** Events the manager accepted (in a 2xx answer, and not a rejected line of its report). */
    public long shipped() {
        return shipped;
    }

    /** POSTs the manager accepted. */
    public long batches() {
        return batches;
    }

    /** POSTs that failed and were (or will be) retried. */
    public long failures() {
        return failures;
    }

    /**
     * Events the manager did not take, passed over: rejected lines of its reports, 400/413/422 answers
     * for the event alone, and events that kept failing alone with a 5xx. Each is in the dead letters
     * unless that file was full ({@link DeadLetters#overflowed()}).
     */
    public long rejected() {
        return rejected;
    }

    /** Events written to the dead-letter file. */
    public long deadLettered() {
        return deadLettered;
    }

    /** This shipper's dead-letter file. */
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /**
     * Events in the spool not yet delivered, as of the shipper's last batch (0 when it last found the
     * spool drained). A snapshot, not a live count.
     */
    public long backlog() {
        return backlog;
    }

    /** Whether the shipper thread is running. */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /** The shipper thread's body; use {@link #start()} rather than calling this. */
    @Override
    public void run() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("run() belongs to the shipper thread; call start()");
        }
        SingleChronicleQueue queue = spool.queue();
        while (running) {
            // tailers are made here: Chronicle tailers belong to the thread that uses them
            try (ExcerptTailer cursor = queue.createTailer(TAILER_NAME);
                 ExcerptTailer reader = queue.createTailer()) {
                long position = cursor.index();
                if (position == 0) {
                    reader.toStart();
                } else {
                    reader.moveToIndex(position); // false when all is delivered; the reader then waits there
                }
                loop(queue, cursor, reader);
            } catch (RuntimeException e) {
                if (running) {
                    // start over from the persisted position after a pause: nothing is skipped, at worst re-sent
                    LOG.error("spool shipper for {} failed; starting over from its last delivered event", spool.directory(), e);
                    failures++;
                    pause(config.maxBackoff().toMillis());
                }
            }
        }
    }

    private void loop(SingleChronicleQueue queue, ExcerptTailer cursor, ExcerptTailer reader) {
        SpoolPruner pruner = new SpoolPruner(queue);
        long backoff = config.minBackoff().toMillis();
        int limit = config.batchSize();
        long failedInARow = 0;
        StringBuilder body = new StringBuilder(64 * 1024);
        List<Event> batch = new ArrayList<>();
        while (running) {
            body.setLength(0);
            batch.clear();
            while (batch.size() < limit) {
                try (DocumentContext dc = reader.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    if (dc.isMetaData()) {
                        continue;
                    }
                    String kind = dc.wire().read(EventSpool.KIND_FIELD).text();
                    String json = dc.wire().read(EventSpool.JSON_FIELD).text();
                    body.append(EventSpool.FLOW.equals(kind) ? linePrefixFlow
                            : EventSpool.WATCHLIST.equals(kind) ? linePrefixWatchlist : linePrefixAlert)
                            .append(json).append("}\n");
                    batch.add(new Event(dc.index(), kind, json));
                }
            }
            int count = batch.size();
            if (count == 0) {
                backlog = 0;
                pause(IDLE_POLL_MILLIS);
                continue;
            }
            long first = batch.get(0).index();
            long last = batch.get(count - 1).index();
            Answer answer = post(body, count);
            switch (answer.outcome()) {
                case DELIVERED -> {
                    int refused = deadLetterRejectedLines(batch, answer);
                    commit(cursor, last);
                    pruner.pruneBefore(last);
                    shipped += count - refused;
                    batches++;
                    if (failedInARow > 0) {
                        LOG.info("spool delivery to {} works again after {} failed attempts", config.url(), failedInARow);
                    }
                    failedInARow = 0;
                    backoff = config.minBackoff().toMillis();
                    limit = (int) Math.min(config.batchSize(), 2L * limit);
                    backlog = count(queue, last, false);
                }
                case REJECTED, SERVER_ERROR -> {
                    if (count > 1) {
                        limit = Math.max(1, count / 2); // narrow down to the event the manager refuses
                        rewind(reader, first);
                    } else if (answer.outcome() == Outcome.REJECTED || keptFailing(first)) {
                        Event alone = batch.get(0);
                        int attempts = alone.index() == failingIndex ? failingAttempts : 1;
                        Instant since = alone.index() == failingIndex ? failingSince : Instant.now();
                        LOG.warn("manager did not take a spooled event at index {} (answered {}), passing over it to the"
                                + " dead letters: {}", Long.toHexString(first), answer.status(), abbreviate(body));
                        deadLetter(alone, "manager answered " + answer.status() + ": " + abbreviate(answer.body()),
                                attempts, since);
                        failingIndex = -1;
                        commit(cursor, last);
                    } else {
                        failures++;
                        failedInARow++;
                        rewind(reader, first);
                        pause(backoff);
                        backoff = Math.min(config.maxBackoff().toMillis(), 2 * backoff);
                    }
                }
                case FAILED -> {
                    failures++;
                    failedInARow++;
                    rewind(reader, first);
                    backlog = count(queue, first, true);
                    pause(backoff);
                    backoff = Math.min(config.maxBackoff().toMillis(), 2 * backoff);
                }
                case STOPPED -> rewind(reader, first);
            }
        }
    }

    /** Counts a 5xx for the event at {@code index} alone; whether it has now failed often or long enough. */
    private boolean keptFailing(long index) {
        Instant now = Instant.now();
        if (index != failingIndex) {
            failingIndex = index;
            failingAttempts = 0;
            failingSince = now;
        }
        failingAttempts++;
        return failingAttempts >= config.deadLetterAttempts()
                || Duration.between(failingSince, now).compareTo(config.deadLetterAge()) >= 0;
    }

    /** Each line a 2xx report lists as rejected goes to the dead letters with the manager's reason; how many. */
    private int deadLetterRejectedLines(List<Event> batch, Answer answer) {
        JsonNode report;
        try {
            report = JSON.readTree(answer.body() == null ? "" : answer.body());
        } catch (IOException e) {
            return 0; // not a report: all taken
        }
        if (report == null || !report.path("rejected").isArray()) {
            return 0;
        }
        int refused = 0;
        Instant now = Instant.now();
        for (JsonNode r : report.path("rejected")) {
            int line = r.path("line").asInt(0); // 1-based; the body has no blank lines
            if (line < 1 || line > batch.size()) {
                LOG.warn("manager's ingest report names line {} of a batch of {}: {}", line, batch.size(), abbreviate(r.toString()));
                continue;
            }
            deadLetter(batch.get(line - 1), "manager rejected it: " + r.path("error").asText(), 1, now);
            refused++;
        }
        return refused;
    }

    private void deadLetter(Event event, String reason, int attempts, Instant since) {
        rejected++;
        if (deadLetters.add(new DeadLetters.Letter(event.kind(), event.json(), reason, attempts, since, Instant.now()))) {
            deadLettered++;
        }
    }

    private Answer post(StringBuilder body, int count) {
        HttpRequest request = HttpRequest.newBuilder(config.url())
                .timeout(config.requestTimeout())
                .header("Content-Type", "application/x-ndjson")
                .header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build();
        CompletableFuture<HttpResponse<String>> answer =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        HttpResponse<String> response;
        while (true) {
            if (!running) {
                answer.cancel(true);
                return new Answer(Outcome.STOPPED, 0, null);
            }
            try {
                response = answer.get(STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                // not answered yet: check for close() and wait on
            } catch (ExecutionException e) {
                logFailure("POST of " + count + " events to " + config.url() + " failed: " + e.getCause());
                return new Answer(Outcome.FAILED, 0, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answer.cancel(true);
                running = false;
                return new Answer(Outcome.STOPPED, 0, null);
            }
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return new Answer(Outcome.DELIVERED, status, response.body());
        }
        if (status == 400 || status == 413 || status == 422) {
            if (count == 1) {
                LOG.warn("manager answered {} to an event: {}", status, abbreviate(response.body()));
            }
            return new Answer(Outcome.REJECTED, status, response.body());
        }
        if (status >= 500 && status != 502 && status != 503 && status != 504) {
            logFailure("manager answered " + status + " to a POST of " + count + " events"
                    + (count > 1 ? " (splitting the batch to find the event at fault)" : "") + ": " + abbreviate(response.body()));
            return new Answer(Outcome.SERVER_ERROR, status, response.body());
        }
        logFailure("manager answered " + status + " to a POST of " + count + " events: " + abbreviate(response.body()));
        return new Answer(Outcome.FAILED, status, response.body());
    }

    private long lastFailureLog;

    private void logFailure(String message) {
        // an outage must not flood the log: one line at the first failure, then at most one a minute
        long now = System.nanoTime();
        if (failures == 0 || lastFailureLog == 0 || now - lastFailureLog > TimeUnit.MINUTES.toNanos(1)) {
            lastFailureLog = now;
            LOG.warn("{} (retrying with back-off; {} failed attempts so far)", message, failures + 1);
        }
    }

    /** Moves the persisted position past {@code lastIndex}. */
    private void commit(ExcerptTailer cursor, long lastIndex) {
        if (!cursor.moveToIndex(lastIndex)) {
            throw new IllegalStateException("spool excerpt " + Long.toHexString(lastIndex) + " vanished");
        }
        try (DocumentContext dc = cursor.readingDocument()) {
            if (!dc.isPresent() || dc.index() != lastIndex) {
                throw new IllegalStateException("spool cursor did not land on " + Long.toHexString(lastIndex));
            }
        }
    }

    private static void rewind(ExcerptTailer reader, long firstIndex) {
        if (!reader.moveToIndex(firstIndex)) {
            throw new IllegalStateException("cannot rewind the spool to " + Long.toHexString(firstIndex));
        }
    }

    /** Excerpts after {@code index} up to the end (plus {@code index} itself if {@code inclusive}). */
    private long count(SingleChronicleQueue queue, long index, boolean inclusive) {
        try {
            long lastIndex = queue.lastIndex();
            if (lastIndex < index) {
                return inclusive ? 1 : 0;
            }
            long between = queue.countExcerpts(index, lastIndex);
            return between + (inclusive ? 1 : 0);
        } catch (RuntimeException e) {
            return backlog;
        }
    }

    private void pause(long millis) {
        try {
            stop.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static String abbreviate(CharSequence s) {
        String text = s == null ? "" : s.toString().strip();
        return text.length() <= MAX_LOGGED_BODY ? text : text.substring(0, MAX_LOGGED_BODY) + "...";
    }

    /** Stops the thread (within about a second); undelivered events stay in the spool. */
    @Override
    public void close() {
        running = false;
        stop.countDown();
        if (!started || Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(Duration.ofSeconds(1).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("spool shipper thread did not stop within a second");
        }
    }
}
