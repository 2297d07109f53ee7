package io.flowtrap.manager.watchlists;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code flowtrap.watchlists.*}.
 *
 * @param directory the only directory a load may name a file in (by its bare name)
 * @param sessionIdle an entry's capture session expires after this long without a watchlist event
 */
@ConfigurationProperties(prefix = "flowtrap.watchlists")
public record WatchlistsProperties(@DefaultValue("/etc/flowtrap/watchlists") Path directory,
        @DefaultValue("1h") Duration sessionIdle) {

    public WatchlistsProperties {
        if (sessionIdle.isNegative() || sessionIdle.isZero()) {
            throw new IllegalArgumentException("flowtrap.watchlists.session-idle must be positive");
        }
    }
}
