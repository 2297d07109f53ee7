package io.flowtrap.manager.chatops;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.ChatReply;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts a message to a slash command's response URL (JSON), again after a failure (a refused
 * connection, a status other than 2xx), {@code response-attempts} times with doubling waits;
 * counted in {@code flowtrap.chatops.responses} by outcome (posted, retried, failed). Never blocks
 * its caller.
 */
final class ResponsePoster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResponsePoster.class);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flowtrap-chatops-post");
        t.setDaemon(true);
        return t;
    });
    private final ObjectMapper json;
    private final ChatopsProperties settings;
    private final MeterRegistry meters;

    ResponsePoster(ObjectMapper json, ChatopsProperties settings, MeterRegistry meters) {
        this.json = json;
        this.settings = settings;
        this.meters = meters;
    }

    void post(String url, ChatReply message) {
        retries.execute(() -> attempt(url, message, 1, settings.retryDelay()));
    }

    private void attempt(String url, ChatReply message, int attempt, Duration wait) {
        String why;
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(message))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
                count("posted");
                return;
            }
            why = "answered " + r.statusCode();
        } catch (IOException | IllegalArgumentException e) {
            why = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (attempt >= settings.responseAttempts()) {
            count("failed");
            log.warn("chat-ops: the result could not be posted to its response URL after {} attempts: {}", attempt, why);
            return;
        }
        count("retried");
        log.info("chat-ops: posting to the response URL failed ({}), again in {}", why, wait);
        retries.schedule(() -> attempt(url, message, attempt + 1, wait.multipliedBy(2)), wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void count(String outcome) {
        Counter.builder("flowtrap.chatops.responses").description("results posted to response URLs, by outcome")
                .tag("outcome", outcome).register(meters).increment();
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
