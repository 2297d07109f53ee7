package io.flowtrap.manager.users;

import io.flowtrap.manager.errors.DomainException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code flowtrap-manager user create --name N --role analyst|admin | list | reset-password NAME | delete NAME},
 * on the users in the manager's Elasticsearch, found with the manager's configuration
 * ({@code --config FILE}, default {@code $FLOWTRAP_MANAGER_CONFIG}; {@code --spring.…=V} too, see
 * {@link CommandStores}): Elasticsearch must be reachable (exit 1 and why, when it is not).
 * {@code create} and {@code reset-password} print the generated password alone on stdout, so
 * scripts can capture it; it is shown nowhere else. A running manager sees the change at its next sign-in.
 */
public final class UserCommand {
    private UserCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String verb = null;
        String name = null;
        String role = null;
        List<String> spring = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                int took = CommandStores.springArgument(args, i, spring);
                if (took >= 0) {
                    i = took;
                    continue;
                }
                switch (args[i]) {
                    case "--name" -> name = value(args, ++i, "--name");
                    case "--role" -> role = value(args, ++i, "--role");
                    case "create", "list", "reset-password", "delete" -> {
                        if (verb != null) {
                            throw new IllegalArgumentException("one of create, list, reset-password, delete");
                        }
                        verb = args[i];
                    }
                    default -> {
                        if (args[i].startsWith("-") || !("reset-password".equals(verb) || "delete".equals(verb)) || name != null) {
                            throw new IllegalArgumentException("unexpected argument " + args[i]);
                        }
                        name = args[i];
                    }
                }
            }
            if (verb == null) {
                throw new IllegalArgumentException("what: create --name N --role analyst|admin, list, reset-password NAME, delete NAME");
            }
            if (verb.equals("create") && (name == null || role == null)) {
                throw new IllegalArgumentException("create needs --name N and --role analyst|admin");
            }
            if (!verb.equals("create") && !verb.equals("list") && name == null) {
                throw new IllegalArgumentException(verb + " needs the user's name");
            }
            Role parsed = role == null ? null : Role.parse(role);
            if (verb.equals("create")) {
                UserStore.requireValid(name, parsed);
            }
            try (CommandStores stores = CommandStores.open(spring)) {
                try {
                    return run(stores, verb, name, parsed, out, err);
                } catch (DomainException e) {
                    err.println("flowtrap-manager user: " + e.detail() + " (" + stores.where() + ")");
                    return 1;
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("flowtrap-manager user: " + e.getMessage());
            return 2;
        }
    }

    private static int run(CommandStores stores, String verb, String name, Role role, PrintStream out, PrintStream err) {
        UserStore users = stores.users;
        switch (verb) {
            case "create" -> {
                UserStore.Created created = users.create(name, role);
                out.println(created.password());
                err.printf("user %s (%s) created in %s%n", name, created.user().role().name().toLowerCase(Locale.ROOT), stores.where());
            }
            case "list" -> {
                for (User u : users.list()) {
                    out.printf("%-24s  %-7s  %s  %s%n", u.name(), u.role().name().toLowerCase(Locale.ROOT), u.created(),
                            u.lockedUntil() == null ? "" : "locked until " + u.lockedUntil());
                }
            }
            case "delete" -> {
                if (!users.delete(name)) {
                    err.println("no user " + name);
                    return 3;
                }
                err.println("user " + name + " deleted (their own API keys stay until revoked: token list, token revoke ID)");
            }
            default -> {
                out.println(users.resetPassword(name));
                err.println("user " + name + ": new password (and any lockout lifted)");
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
