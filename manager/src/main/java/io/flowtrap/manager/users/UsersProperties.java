package io.flowtrap.manager.users;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The users feature's settings ({@code flowtrap.*}, sign-in under {@code flowtrap.login.*}, keys
 * under {@code flowtrap.keys.*}). Users and keys are in Elasticsearch ({@code <state-index-prefix>users},
 * {@code <state-index-prefix>keys}).
 *
 * @param dataDir where an older manager kept {@code users.json} and {@code tokens.json}: imported
 *     into Elasticsearch once, at the first start that finds them, then renamed {@code *.imported}
 * @param login how sign-in to the GUI is guarded
 * @param keys how the keys in memory follow Elasticsearch
 */
@ConfigurationProperties(prefix = "flowtrap")
public record UsersProperties(@DefaultValue("/var/lib/flowtrap/manager") Path dataDir, @DefaultValue Login login,
        @DefaultValue Keys keys) {

    /**
     * @param maxFailures wrong passwords in a row that lock a user's sign-in
     * @param lockout how long it stays locked (any password is refused meanwhile)
     */
    public record Login(@DefaultValue("5") int maxFailures, @DefaultValue("15m") Duration lockout) {
        public Login {
            if (maxFailures < 1) {
                throw new IllegalArgumentException("flowtrap.login.max-failures must be at least 1");
            }
        }
    }

    /**
     * @param reload how often the manager re-reads every key from Elasticsearch: the longest a key
     *     that the {@code token} command made or revoked takes to work or stop working here (changes
     *     on the keys page are seen at once)
     */
    public record Keys(@DefaultValue("10s") Duration reload) {
        public Keys {
            if (reload.isNegative() || reload.isZero()) {
                throw new IllegalArgumentException("flowtrap.keys.reload must be positive");
            }
        }
    }
}
