package io.flowtrap.manager.elasticsearch;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchProperties;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Whether the manager can use its Elasticsearch, and if not, why in words an operator acts on: it
 * is unreachable, it does not trust our TLS (or we its certificate), or it refuses our
 * credentials. Checked every 30 s and on demand (at most every few seconds: the health endpoint
 * needs no token); each change of state is logged once (an error for refused credentials or
 * TLS), not on every check. The last check's result is the gauge {@code flowtrap.elasticsearch.up}
 * (1 usable, 0 not), read without checking again. Thread-safe.
 */
@Component
public class ElasticsearchHealth {
    private static final Logger log = LoggerFactory.getLogger(ElasticsearchHealth.class);
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(3);

    /** What a check found. */
    public enum State { OK, UNREACHABLE, UNTRUSTED, REFUSED }

    /** A check's result: its state and a sentence saying what to do about it. */
    public record Status(State state, String detail) {
        public boolean ok() {
            return state == State.OK;
        }
    }

    private final RestClient client;
    private final String where;
    private Status last;
    private volatile State lastState;
    private long checkedAt;

    public ElasticsearchHealth(RestClient client, ElasticsearchProperties properties, MeterRegistry meters) {
        this.client = client;
        List<String> uris = properties.getUris();
        this.where = "Elasticsearch at " + String.join(", ", uris);
        Gauge.builder("flowtrap.elasticsearch.up", this, h -> h.lastState == null ? Double.NaN : h.lastState == State.OK ? 1 : 0)
                .description("whether the last check (every 30 s) found Elasticsearch usable").register(meters);
    }

    /** The last check if it is a few seconds old at most, else a new one. */
    public synchronized Status current() {
        if (last == null || System.nanoTime() - checkedAt > FRESH_NANOS) {
            check();
        }
        return last;
    }

    /** Checks now and logs if the state changed. */
    @Scheduled(initialDelay = 0, fixedDelay = 30, timeUnit = TimeUnit.SECONDS)
    public synchronized void check() {
        Status now = probe();
        if (last == null || last.state() != now.state()) {
            switch (now.state()) {
                case OK -> log.info("{}", now.detail());
                case UNREACHABLE -> log.warn("{}", now.detail());
                case UNTRUSTED, REFUSED -> log.error("{}", now.detail());
            }
        }
        last = now;
        lastState = now.state();
        checkedAt = System.nanoTime();
    }

    private Status probe() {
        try {
            client.performRequest(new Request("GET", "/_cluster/health"));
            return new Status(State.OK, where + ": connected");
        } catch (ResponseException e) {
            int code = e.getResponse().getStatusLine().getStatusCode();
            if (code == 401) {
                return new Status(State.REFUSED, where + " refused the manager's credentials (401): check"
                        + " spring.elasticsearch.username/password or flowtrap.elasticsearch.api-key-file");
            }
            if (code == 403) {
                // authenticated; this role may not see cluster health, which is not ours to require
                return new Status(State.OK, where + ": connected (its role may not read cluster health: 403)");
            }
            return new Status(State.UNREACHABLE, where + " answered " + code + " to GET /_cluster/health");
        } catch (IOException e) {
            Throwable tls = e;
            while (tls != null && !(tls instanceof SSLException)) {
                tls = tls.getCause();
            }
            if (tls != null) {
                return new Status(State.UNTRUSTED, where + ": TLS failed (" + tls.getMessage() + "): give the manager"
                        + " its CA (spring.ssl.bundle.pem.elasticsearch.truststore.certificate and"
                        + " spring.elasticsearch.restclient.ssl.bundle=elasticsearch) and an https URI");
            }
            return new Status(State.UNREACHABLE, where + " cannot be reached: " + e);
        }
    }
}
