package io.flowtrap.manager.users;

import io.flowtrap.manager.elasticsearch.StandaloneState;
import io.flowtrap.manager.elasticsearch.StateIndices;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.elasticsearch.repository.config.EnableElasticsearchRepositories;

/**
 * The user and key stores of the {@code user} and {@code token} commands: the manager's own
 * Elasticsearch indices, reached with the manager's configuration ({@link StandaloneState}). The
 * commands' options that say where: {@code --config FILE} (the manager's
 * {@code --spring.config.additional-location}; default {@code $FLOWTRAP_MANAGER_CONFIG}) and any
 * {@code --spring.…=V} or {@code --flowtrap.…=V}, as the manager takes them.
 */
final class CommandStores implements AutoCloseable {
    /** Enables the users feature's repositories in the commands' context only (not a {@code @Configuration}: the manager's own scan never takes it). */
    @EnableElasticsearchRepositories(basePackageClasses = CommandStores.class)
    static final class Repositories {}

    private final ConfigurableApplicationContext context;
    final UserStore users;
    final TokenStore tokens;

    private CommandStores(ConfigurableApplicationContext context) {
        this.context = context;
        StateIndices indices = context.getBean(StateIndices.class);
        this.users = new UserStore(context.getBean(StoredUsers.class), indices);
        this.tokens = new TokenStore(context.getBean(StoredKeys.class), indices);
    }

    /** The users with another bcrypt cost for new hashes (tests). */
    UserStore users(int bcryptCost) {
        return new UserStore(context.getBean(StoredUsers.class), context.getBean(StateIndices.class), bcryptCost);
    }

    /** Opens the stores with the Spring arguments {@link #springArgument} collected. */
    static CommandStores open(List<String> springArguments) {
        List<String> arguments = new ArrayList<>(springArguments);
        String config = System.getenv("FLOWTRAP_MANAGER_CONFIG");
        if (config != null && !config.isBlank() && arguments.stream().noneMatch(a -> a.startsWith("--spring.config.additional-location="))) {
            arguments.add("--spring.config.additional-location=" + config);
        }
        return new CommandStores(StandaloneState.start(arguments, Repositories.class));
    }

    /**
     * If {@code args[i]} says where the stores are, the Spring argument it makes, appended to {@code into},
     * and the index of the last argument it took; else -1.
     */
    static int springArgument(String[] args, int i, List<String> into) {
        String a = args[i];
        if (a.equals("--config")) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("--config needs the manager's configuration file");
            }
            into.add("--spring.config.additional-location=" + args[i + 1]);
            return i + 1;
        }
        if (a.startsWith("--config=")) {
            into.add("--spring.config.additional-location=" + a.substring("--config=".length()));
            return i;
        }
        if ((a.startsWith("--spring.") || a.startsWith("--flowtrap.")) && a.contains("=")) {
            into.add(a);
            return i;
        }
        if (a.equals("--data-dir") || a.startsWith("--data-dir=")) {
            throw new IllegalArgumentException("users and keys are in Elasticsearch now, not in the data directory: give the manager's "
                    + "configuration with --config FILE (its spring.elasticsearch.* and flowtrap.state-index-prefix say where)");
        }
        return -1;
    }

    /** Where the stores are, for messages: {@code Elasticsearch http://…, indices flowtrap-users and flowtrap-keys}. */
    String where() {
        StateIndices indices = context.getBean(StateIndices.class);
        return "Elasticsearch " + context.getEnvironment().getProperty("spring.elasticsearch.uris") + ", indices "
                + indices.name(StoredUser.KIND) + " and " + indices.name(StoredKey.KIND);
    }

    @Override
    public void close() {
        context.close();
    }
}
