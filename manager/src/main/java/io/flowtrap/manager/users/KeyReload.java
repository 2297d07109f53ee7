package io.flowtrap.manager.users;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running manager's keys in memory following Elasticsearch: at start, before the manager serves
 * (after the one-time import of the old data directory's files, {@link LegacyFilesImport}), and
 * then every {@code flowtrap.keys.reload}, {@link TokenStore#reload()} on a thread of its own. While
 * Elasticsearch cannot be used the keys already in memory stay (said once in the log, and once
 * when it is back); a manager that starts without Elasticsearch knows no key until it is back.
 */
final class KeyReload implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeyReload.class);

    private final TokenStore tokens;
    private final UserStore users;
    private final LegacyFilesImport legacy;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flowtrap-key-reload");
        t.setDaemon(true);
        return t;
    });
    private boolean imported;
    private boolean failing;
    private boolean loaded;

    KeyReload(TokenStore tokens, UserStore users, LegacyFilesImport legacy, UsersProperties.Keys properties) {
        this.tokens = tokens;
        this.users = users;
        this.legacy = legacy;
        long every = properties.reload().toMillis();
        once(); // before the manager serves: the keys that are stored work from its first request
        thread.scheduleWithFixedDelay(this::once, every, every, TimeUnit.MILLISECONDS);
    }

    private synchronized void once() {
        try {
            if (!imported) {
                legacy.run(users, tokens);
                imported = true;
            }
            int keys = tokens.reload();
            if (!loaded || failing) {
                log.info("{} API keys read from Elasticsearch{}", keys, failing ? " (it is back)" : "");
            }
            loaded = true;
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("cannot read the API keys from Elasticsearch (the {} keys in memory stay in use; tried again): {}",
                        loaded ? "last read" : "no", e.getMessage());
            }
            failing = true;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
