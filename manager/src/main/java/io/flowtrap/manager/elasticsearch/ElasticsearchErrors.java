package io.flowtrap.manager.elasticsearch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Counts what went wrong between the manager and Elasticsearch ({@code flowtrap.elasticsearch.errors},
 * by {@code operation} and {@code kind}), for those who index and search to report. Thread-safe.
 */
@Component
public class ElasticsearchErrors {
    /** What the manager was doing. */
    public enum Operation { BULK, SEARCH }

    /** What went wrong. */
    public enum Kind {
        /** not reachable, or answered "not now" (429, any 5xx): the work is done again later */
        UNAVAILABLE,
        /** refused the manager's credentials or role (401, 403) */
        REFUSED,
        /** refused one document for its content (a bulk item's 4xx; it may then be indexed with fields moved aside) */
        DOCUMENT,
        /** could not parse a search's query string (400) */
        BAD_QUERY
    }

    private final Map<Operation, Map<Kind, Counter>> counters = new EnumMap<>(Operation.class);

    public ElasticsearchErrors(MeterRegistry meters) {
        for (Operation op : Operation.values()) {
            Map<Kind, Counter> byKind = new EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                byKind.put(kind, Counter.builder("flowtrap.elasticsearch.errors")
                        .tag("operation", op.name().toLowerCase(Locale.ROOT)).tag("kind", kind.name().toLowerCase(Locale.ROOT))
                        .description("Elasticsearch errors and failures to reach it").register(meters));
            }
            counters.put(op, byKind);
        }
    }

    public void count(Operation operation, Kind kind) {
        counters.get(operation).get(kind).increment();
    }
}
