package io.flowtrap.manager.results;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The results feature's settings: where they are kept ({@code <flowtrap.data-dir>/results}) and
 * {@code flowtrap.results.*}.
 *
 * @param dataDir the manager's data directory
 * @param results the merge's default duplicate window and how many results are kept
 */
@ConfigurationProperties(prefix = "flowtrap")
public record ResultsProperties(@DefaultValue("/var/lib/flowtrap/manager") Path dataDir, @DefaultValue Results results) {

    /**
     * {@code flowtrap.results.*}.
     *
     * @param dedupWindow a merge with {@code dedup} and no {@code dedup_window_us}: packets with the same bytes at
     *     most this far apart are one frame seen twice
     * @param maxKept results kept; past it the oldest are deleted with their pcaps
     */
    public record Results(@DefaultValue("1ms") Duration dedupWindow, @DefaultValue("100") int maxKept) {
        public Results {
            if (dedupWindow.isNegative() || maxKept < 1) {
                throw new IllegalArgumentException("flowtrap.results: dedup-window cannot be negative, max-kept at least 1");
            }
        }
    }
}
