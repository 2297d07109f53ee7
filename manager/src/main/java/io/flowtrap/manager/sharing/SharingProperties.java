package io.flowtrap.manager.sharing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The sharing feature's settings: where its state is kept ({@code <flowtrap.data-dir>/sharing})
 * and {@code flowtrap.sharing.*}.
 *
 * @param dataDir the manager's data directory
 * @param sharing the links' expiry and who may hand results over
 */
@ConfigurationProperties(prefix = "flowtrap")
public record SharingProperties(@DefaultValue("/var/lib/flowtrap/manager") Path dataDir, @DefaultValue Sharing sharing) {

    /**
     * {@code flowtrap.sharing.*}.
     *
     * @param defaultExpiry a link made without {@code expires_in}
     * @param maxExpiry the longest a link may be asked to last
     * @param downloadRoles the roles whose users may make share links (others: 403); a link made by
     *     a role since taken off this list answers 403 when opened
     * @param publicUrl the manager's address as people reach it (e.g. behind a proxy), for the links'
     *     URLs; empty: the address the request that made the link came to
     * @param recentOpens how many of a link's latest opens are kept with it (all are counted)
     */
    public record Sharing(
            @DefaultValue("24h") Duration defaultExpiry,
            @DefaultValue("7d") Duration maxExpiry,
            @DefaultValue({"analyst", "admin"}) List<String> downloadRoles,
            @DefaultValue("") String publicUrl,
            @DefaultValue("100") int recentOpens) {

        public Sharing {
            if (defaultExpiry.isNegative() || defaultExpiry.isZero() || maxExpiry.compareTo(defaultExpiry) < 0) {
                throw new IllegalArgumentException("flowtrap.sharing: default-expiry must be positive and at most max-expiry");
            }
            downloadRoles = downloadRoles.stream().map(r -> r.strip().toLowerCase(Locale.ROOT)).toList();
            if (recentOpens < 0) {
                throw new IllegalArgumentException("flowtrap.sharing.recent-opens must not be negative");
            }
        }

        /** Whether a user of one of {@code roles} (lower case) may hand results over. */
        public boolean mayDownload(java.util.Collection<String> roles) {
            return roles.stream().anyMatch(downloadRoles::contains);
        }
    }
}
