package io.flowtrap.manager.captures;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The captures feature's settings: where they are kept ({@code <flowtrap.data-dir>/captures}) and
 * {@code flowtrap.captures.*}.
 *
 * @param dataDir the manager's data directory
 * @param captures the captures' defaults, limits and retention
 */
@ConfigurationProperties(prefix = "flowtrap")
public record CapturesProperties(@DefaultValue("/var/lib/flowtrap/manager") Path dataDir, @DefaultValue Captures captures) {

    /**
     * {@code flowtrap.captures.*}.
     *
     * @param defaultDuration a request without {@code duration}
     * @param defaultMaxPackets a request without {@code max_packets}
     * @param maxDuration the longest a request may ask
     * @param pollInterval how often running captures' limits are checked (a count search on each probe
     *     when there is a packet limit) and queued ones started
     * @param stopWait how long a stop waits for the carve and merge before answering the capture as it stands
     * @param maxCount finished captures kept; past it the oldest are deleted
     * @param maxAge a finished capture is deleted this long after it ended
     * @param maxTotalSize the results of all captures together; past it the oldest are deleted
     */
    public record Captures(
            @DefaultValue("300s") Duration defaultDuration,
            @DefaultValue("100") long defaultMaxPackets,
            @DefaultValue("7d") Duration maxDuration,
            @DefaultValue("1s") Duration pollInterval,
            @DefaultValue("120s") Duration stopWait,
            @DefaultValue("100") int maxCount,
            @DefaultValue("7d") Duration maxAge,
            @DefaultValue("10GB") DataSize maxTotalSize) {

        public Captures {
            if (maxCount < 1) {
                throw new IllegalArgumentException("flowtrap.captures.max-count must be at least 1");
            }
            if (!positive(maxAge) || !positive(pollInterval) || !positive(maxDuration)) {
                throw new IllegalArgumentException("flowtrap.captures: max-age, poll-interval and max-duration must be positive");
            }
            if (maxTotalSize.toBytes() <= 0) {
                throw new IllegalArgumentException("flowtrap.captures.max-total-size must be positive");
            }
        }

        private static boolean positive(Duration d) {
            return !d.isNegative() && !d.isZero();
        }
    }
}
