package io.flowtrap.manager.users;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the {@code users.json} and {@code tokens.json} an older manager kept in its data directory
 * into Elasticsearch, once: each file's entries whose name or id is not stored yet are stored, then
 * the file is renamed {@code <name>.json.imported} (kept, not deleted), and the log says how many.
 * A file that cannot be read is left where it is and said in the log; the import is tried again at
 * the next start.
 */
final class LegacyFilesImport {
    private static final Logger log = LoggerFactory.getLogger(LegacyFilesImport.class);

    private final Path dataDir;
    private final ObjectMapper json;

    LegacyFilesImport(Path dataDir, ObjectMapper json) {
        this.dataDir = dataDir;
        this.json = json.copy().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    /** Imports what is there (Elasticsearch must be usable: a DomainException UNAVAILABLE otherwise, nothing renamed). */
    void run(UserStore users, TokenStore tokens) {
        Path usersFile = dataDir.resolve("users.json");
        List<User> legacyUsers = read(usersFile, User.class);
        if (legacyUsers != null) {
            int added = users.importAll(legacyUsers);
            done(usersFile, "users", legacyUsers.size(), added);
        }
        Path tokensFile = dataDir.resolve("tokens.json");
        List<TokenStore.Entry> legacyKeys = read(tokensFile, TokenStore.Entry.class);
        if (legacyKeys != null) {
            int added = tokens.importAll(legacyKeys);
            done(tokensFile, "API keys", legacyKeys.size(), added);
        }
    }

    private <T> List<T> read(Path file, Class<T> type) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return json.readValue(file.toFile(), json.getTypeFactory().constructCollectionType(List.class, type));
        } catch (IOException e) {
            log.error("cannot import {} into Elasticsearch (left as it is, tried again at the next start): {}", file, e.getMessage());
            return null;
        }
    }

    private static void done(Path file, String what, int found, int added) {
        Path renamed = file.resolveSibling(file.getFileName() + ".imported");
        try {
            Files.move(file, renamed, StandardCopyOption.REPLACE_EXISTING);
            log.info("imported {} {} of {} in {} into Elasticsearch ({} were there already); the file is now {}", added, what, found,
                    file, found - added, renamed);
        } catch (IOException e) {
            log.warn("imported {} {} of {} from {} into Elasticsearch, but cannot rename the file ({}): it is imported again, "
                    + "without duplicates, at the next start", added, what, found, file, e.getMessage());
        }
    }
}
