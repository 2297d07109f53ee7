package io.flowtrap.manager.chatops;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code flowtrap.chatops.*}: the secrets' files (unset: that endpoint answers 503), the role chat
 * users act with (for {@code flowtrap.sharing.download-roles}), and how results reach Slack.
 *
 * @param slackSigningSecretFile the Slack app's signing secret (mode 0600)
 * @param webhookSecretFile the webhook's secret (mode 0600)
 * @param role the role a Slack user's share links are made with
 * @param maxClockSkew how far a request's timestamp may be from now
 * @param responseAttempts how many times a result is posted to the response URL before it is given up (counted)
 * @param retryDelay the wait before the first retry, doubled at each
 * @param watchInterval how often a started capture is looked at until it ends
 */
@ConfigurationProperties(prefix = "flowtrap.chatops")
public record ChatopsProperties(Path slackSigningSecretFile, Path webhookSecretFile, @DefaultValue("analyst") String role,
        @DefaultValue("5m") Duration maxClockSkew, @DefaultValue("4") int responseAttempts,
        @DefaultValue("1s") Duration retryDelay, @DefaultValue("1s") Duration watchInterval) {

    public ChatopsProperties {
        if (responseAttempts < 1) {
            throw new IllegalArgumentException("flowtrap.chatops.response-attempts must be at least 1");
        }
    }
}
