package io.flowtrap.manager.users;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the users feature keeps its state ({@code flowtrap.*}).
 *
 * @param dataDir API keys are in {@code <data-dir>/tokens.json} (the {@code token} command's
 *     {@code --data-dir} or {@code $FLOWTRAP_DATA_DIR} names the same directory)
 */
@ConfigurationProperties(prefix = "flowtrap")
public record UsersProperties(@DefaultValue(TokenCommand.DEFAULT_DATA_DIR) Path dataDir) {}
