package io.flowtrap.manager.users;

import io.flowtrap.manager.errors.DomainException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code flowtrap-manager token create --role R [--probe NAME] [--label L] | list | revoke ID}, on the
 * API keys in the manager's Elasticsearch, found with the manager's configuration ({@code --config FILE},
 * default {@code $FLOWTRAP_MANAGER_CONFIG}; {@code --spring.…=V} too, see {@link CommandStores}):
 * Elasticsearch must be reachable (exit 1 and why, when it is not). {@code create} prints the new key
 * alone on stdout, so scripts can capture it. A key of role probe is made for one probe
 * ({@code --probe NAME}) and can deliver events for that probe only. A running manager sees a key
 * made or revoked here within its {@code flowtrap.keys.reload} (10 s by default).
 */
public final class TokenCommand {
    private TokenCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String verb = null;
        String role = null;
        String probe = null;
        String label = null;
        String id = null;
        List<String> spring = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                int took = CommandStores.springArgument(args, i, spring);
                if (took >= 0) {
                    i = took;
                    continue;
                }
                switch (args[i]) {
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
            if (verb.equals("create") && role == null) {
                throw new IllegalArgumentException("create needs --role analyst|probe|admin");
            }
            if (verb.equals("revoke") && id == null) {
                throw new IllegalArgumentException("revoke needs the token's id (see token list)");
            }
            Role parsed = role == null ? null : Role.parse(role);
            if (verb.equals("create")) {
                TokenStore.requireValid(parsed, probe);
            }
            try (CommandStores stores = CommandStores.open(spring)) {
                try {
                    return run(stores, verb, parsed, probe, label, id, out, err);
                } catch (DomainException e) {
                    err.println("flowtrap-manager token: " + e.detail() + " (" + stores.where() + ")");
                    return 1;
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("flowtrap-manager token: " + e.getMessage());
            return 2;
        }
    }

    private static int run(CommandStores stores, String verb, Role role, String probe, String label, String id, PrintStream out,
            PrintStream err) {
        TokenStore store = stores.tokens;
        switch (verb) {
            case "create" -> {
                TokenStore.Created created = store.create(role, probe, label);
                out.println(created.key());
                err.printf("token %s (%s%s) created in %s%n", created.entry().id(), created.entry().role().name().toLowerCase(Locale.ROOT),
                        probe == null ? "" : " for " + probe, stores.where());
            }
            case "list" -> {
                for (TokenStore.Entry e : store.list()) {
                    out.printf("%s  %-7s  %-16s  %-8s  %s  %s%n", e.id(), e.role().name().toLowerCase(Locale.ROOT),
                            e.probe() == null ? "-" : e.probe(), e.active() ? "active" : "revoked", e.created(), e.label());
                }
            }
            default -> {
                if (!store.revoke(id)) {
                    err.println("no active token " + id);
                    return 3;
                }
                err.println("token " + id + " revoked");
            }
        }
        return 0;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
