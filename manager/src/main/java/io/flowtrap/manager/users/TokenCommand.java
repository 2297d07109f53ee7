package io.flowtrap.manager.users;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code flowtrap-manager token create --role R [--probe NAME] [--label L] | list | revoke ID}, with
 * {@code --data-dir DIR} (default: {@code $FLOWTRAP_DATA_DIR} or /var/lib/flowtrap/manager).
 * {@code create} prints the new key alone on stdout, so scripts can capture it. A key of role probe
 * is made for one probe ({@code --probe NAME}) and can deliver events for that probe only.
 */
public final class TokenCommand {
    /** Where keys are kept unless told otherwise (the manager's default {@code flowtrap.data-dir} too). */
    static final String DEFAULT_DATA_DIR = "/var/lib/flowtrap/manager";

    private TokenCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String env = System.getenv("FLOWTRAP_DATA_DIR");
        Path dataDir = Path.of(env == null || env.isBlank() ? DEFAULT_DATA_DIR : env);
        String verb = null;
        String role = null;
        String probe = null;
        String label = null;
        String id = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--data-dir" -> dataDir = Path.of(value(args, ++i, "--data-dir"));
                    case "--role" -> role = value(args, ++i, "--role");
                    case "--probe" -> probe = value(args, ++i, "--probe");
                    case "--label" -> label = value(args, ++i, "--label");
                    case "create", "list", "revoke" -> {
                        if (verb != null) {
                            throw new IllegalArgumentException("one of create, list, revoke");
                        }
                        verb = args[i];
                    }
                    default -> {
                        if (args[i].startsWith("-") || !"revoke".equals(verb) || id != null) {
                            throw new IllegalArgumentException("unexpected argument " + args[i]);
                        }
                        id = args[i];
                    }
                }
            }
            if (verb == null) {
                throw new IllegalArgumentException("what: create --role analyst|admin [--label L], create --role probe --probe NAME [--label L], list, revoke ID");
            }
            TokenStore store = new TokenStore(dataDir, new ObjectMapper());
            switch (verb) {
                case "create" -> {
                    if (role == null) {
                        throw new IllegalArgumentException("create needs --role analyst|probe|admin");
                    }
                    TokenStore.Created created = store.create(Role.parse(role), probe, label);
                    out.println(created.key());
                    err.printf("token %s (%s%s) created in %s%n", created.entry().id(), created.entry().role()
                            .name().toLowerCase(java.util.Locale.ROOT), probe == null ? "" : " for " + probe, dataDir);
                }
                case "list" -> {
                    for (TokenStore.Entry e : store.list()) {
                        out.printf("%s  %-7s  %-16s  %-8s  %s  %s%n", e.id(), e.role().name().toLowerCase(java.util.Locale.ROOT),
                                e.probe() == null ? "-" : e.probe(), e.active() ? "active" : "revoked", e.created(), e.label());
                    }
                }
                default -> {
                    if (id == null) {
                        throw new IllegalArgumentException("revoke needs the token's id (see token list)");
                    }
                    if (!store.revoke(id)) {
                        err.println("no active token " + id);
                        return 3;
                    }
                    err.println("token " + id + " revoked");
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("flowtrap-manager token: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("flowtrap-manager token: " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
