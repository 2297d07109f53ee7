package io.flowtrap.manager.extraction;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The extraction feature's settings ({@code flowtrap.*}, bounds under {@code flowtrap.jobs.*}).
 *
 * @param dataDir the job area is {@code <data-dir>/jobs}
 * @param downloadRetention how long a retrieved pcap stays downloadable
 * @param extractionWait extract_pcap answers 202 (and the carve goes on) after this long
 * @param expirySweepInterval how often retrieved pcaps are expired and old jobs deleted
 * @param jobs bounds on jobs and the download cache
 */
@ConfigurationProperties(prefix = "flowtrap")
public record ExtractionProperties(
        @DefaultValue("/var/lib/flowtrap/manager") Path dataDir,
        @DefaultValue("24h") Duration downloadRetention,
        @DefaultValue("20s") Duration extractionWait,
        @DefaultValue("60s") Duration expirySweepInterval,
        @DefaultValue Jobs jobs) {

    /**
     * Bounds on extraction jobs and the download cache ({@code flowtrap.jobs.*}).
     *
     * @param retention a job's directory (its alert, state and cached pcap) is deleted this long after its
     *     last step; the job is then unknown (404)
     * @param concurrentExtractions carves running on probes at once
     * @param queuedExtractions carves waiting for one of those; one more is refused with 503 and
     *     {@code Retry-After}
     * @param retryAfter what that {@code Retry-After} says
     * @param maxCarveSize a carve the probe announces larger than this is not retrieved (413)
     * @param cacheQuota retrieved pcaps kept for download, in all; the oldest are evicted (their jobs
     *     "expired") to make room for a new one
     */
    public record Jobs(
            @DefaultValue("7d") Duration retention,
            @DefaultValue("8") int concurrentExtractions,
            @DefaultValue("64") int queuedExtractions,
            @DefaultValue("5s") Duration retryAfter,
            @DefaultValue("2GB") DataSize maxCarveSize,
            @DefaultValue("20GB") DataSize cacheQuota) {

        public Jobs {
            if (concurrentExtractions < 1) {
                throw new IllegalArgumentException("flowtrap.jobs.concurrent-extractions must be at least 1");
            }
            if (queuedExtractions < 0) {
                throw new IllegalArgumentException("flowtrap.jobs.queued-extractions must not be negative");
            }
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException("flowtrap.jobs.retention must be positive");
            }
        }
    }
}
