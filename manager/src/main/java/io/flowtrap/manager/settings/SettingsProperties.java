package io.flowtrap.manager.settings;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How Apply changes reaches the probes ({@code flowtrap.apply.*}).
 *
 * @param retries tries after the first for a probe that cannot be reached (then the task finishes unreachable)
 * @param backoff wait before the first retry; doubled at each retry ...
 * @param maxBackoff ... up to this
 * @param workers probes pushed to at once
 * @param timeout how long each call to a probe may take
 */
@ConfigurationProperties(prefix = "flowtrap.apply")
public record SettingsProperties(@DefaultValue("5") int retries, @DefaultValue("2s") Duration backoff,
        @DefaultValue("1m") Duration maxBackoff, @DefaultValue("4") int workers, @DefaultValue("10s") Duration timeout) {
    public SettingsProperties {
        if (retries < 0 || workers < 1 || backoff.isNegative() || maxBackoff.compareTo(backoff) < 0 || timeout.isNegative()
                || timeout.isZero()) {
            throw new IllegalArgumentException("flowtrap.apply: retries >= 0, workers >= 1, 0 <= backoff <= max-backoff, timeout > 0");
        }
    }

    /** The wait before retry number {@code retry} (1 first). */
    Duration backoffBefore(int retry) {
        Duration d = backoff;
        for (int i = 1; i < retry && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
