package io.flowtrap.manager.users;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The users feature's settings ({@code flowtrap.*}, sign-in under {@code flowtrap.login.*}).
 *
 * @param dataDir API keys are in {@code <data-dir>/tokens.json} and users in {@code users.json}
 *     (the commands' {@code --data-dir} or {@code $FLOWTRAP_DATA_DIR} names the same directory)
 * @param login how sign-in to the GUI is guarded
 */
@ConfigurationProperties(prefix = "flowtrap")
public record UsersProperties(@DefaultValue(TokenCommand.DEFAULT_DATA_DIR) Path dataDir, @DefaultValue Login login) {

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
}
