package io.flowtrap.manager.searches;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The searches feature's settings: where results are kept ({@code <flowtrap.data-dir>/searches})
 * and {@code flowtrap.searches.*}.
 *
 * @param dataDir the manager's data directory
 * @param searches the searches' bounds, retries and retention
 */
@ConfigurationProperties(prefix = "flowtrap")
public record SearchesProperties(@DefaultValue("/var/lib/flowtrap/manager") Path dataDir, @DefaultValue Searches searches) {

    /**
     * {@code flowtrap.searches.*}.
     *
     * @param maxWindow the longest window a search may ask (to minus from); longer is refused (413)
     * @param maxBytes the most store bytes one probe's part may read, as its manifest says the window
     *     covers; more is refused (413) before anything is read
     * @param maxAttempts calls of a probe's search per part: one that found the probe busy or
     *     unreachable is tried again, up to this many in all, each reason kept
     * @param retryDelay the wait before trying a probe again
     * @param progressInterval how often running parts' progress is asked of their probes
     * @param maxKept finished searches kept; past it the oldest are deleted with their pcaps
     */
    public record Searches(
            @DefaultValue("24h") Duration maxWindow,
            @DefaultValue("8GB") DataSize maxBytes,
            @DefaultValue("3") int maxAttempts,
            @DefaultValue("1s") Duration retryDelay,
            @DefaultValue("500ms") Duration progressInterval,
            @DefaultValue("50") int maxKept) {

        public Searches {
            if (maxAttempts < 1 || maxKept < 1) {
                throw new IllegalArgumentException("flowtrap.searches: max-attempts and max-kept must be at least 1");
            }
            if (maxWindow.isNegative() || maxWindow.isZero() || progressInterval.isNegative() || progressInterval.isZero()
                    || retryDelay.isNegative()) {
                throw new IllegalArgumentException("flowtrap.searches: max-window and progress-interval must be positive,"
                        + " retry-delay not negative");
            }
            if (maxBytes.toBytes() <= 0) {
                throw new IllegalArgumentException("flowtrap.searches.max-bytes must be positive");
            }
        }
    }
}
