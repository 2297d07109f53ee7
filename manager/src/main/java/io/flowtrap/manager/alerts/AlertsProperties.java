package io.flowtrap.manager.alerts;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The alerts feature's settings: where alerts and flow records are indexed ({@code flowtrap.*}) and
 * what one ingest delivery may hold ({@code flowtrap.ingest.*}).
 *
 * @param alertIndexPrefix daily alert indices are {@code <prefix>yyyy.MM.dd}
 * @param flowIndexPrefix daily indices of probes' flow records (what their stores hold)
 * @param ingest bounds on one delivery of a probe's shipper
 */
@ConfigurationProperties(prefix = "flowtrap")
public record AlertsProperties(
        @DefaultValue("flowtrap-alerts-") String alertIndexPrefix,
        @DefaultValue("flowtrap-flows-") String flowIndexPrefix,
        @DefaultValue Ingest ingest) {

    /**
     * Bounds on what one ingest delivery may hold ({@code flowtrap.ingest.*}).
     *
     * @param maxBody a larger body is refused whole (413); shippers send 1,000 events of a few KB
     * @param maxLine a longer line is a rejected line (an EVE alert is a few KB; its payload fields
     *     included, rarely 100 KB)
     * @param oldestAlert an alert stamped longer ago than this is a rejected line: each alert's day
     *     names an index, and old dates would otherwise create new indices without end
     * @param newestAlert how far in the future an alert may be stamped (clock skew between sensors)
     */
    public record Ingest(
            @DefaultValue("64MB") DataSize maxBody,
            @DefaultValue("1MB") DataSize maxLine,
            @DefaultValue("90d") Duration oldestAlert,
            @DefaultValue("1d") Duration newestAlert) {}
}
