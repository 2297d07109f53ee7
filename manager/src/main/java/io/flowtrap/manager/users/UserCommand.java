package io.flowtrap.manager.users;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code flowtrap-manager user create --name N --role analyst|admin | list | reset-password NAME},
 * with {@code --data-dir DIR} (default: {@code $FLOWTRAP_DATA_DIR} or /var/lib/flowtrap/manager).
 * {@code create} and {@code reset-password} print the generated password alone on stdout, so
 * scripts can capture it; it is shown nowhere else.
 */
public final class UserCommand {
    private UserCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String env = System.getenv("FLOWTRAP_DATA_DIR");
        Path dataDir = Path.of(env == null || env.isBlank() ? TokenCommand.DEFAULT_DATA_DIR : env);
        String verb = null;
        String name = null;
        String role = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--data-dir" -> dataDir = Path.of(value(args, ++i, "--data-dir"));
                    case "--name" -> name = value(args, ++i, "--name");
                    case "--role" -> role = value(args, ++i, "--role");
                    case "create", "list", "reset-password" -> {
                        if (verb != null) {
                            throw new IllegalArgumentException("one of create, list, reset-password");
                        }
                        verb = args[i];
                    }
                    default -> {
                        if (args[i].startsWith("-") || !"reset-password".equals(verb) || name != null) {
                            throw new IllegalArgumentException("unexpected argument " + args[i]);
                        }
                        name = args[i];
                    }
                }
            }
            if (verb == null) {
                throw new IllegalArgumentException("what: create --name N --role analyst|admin, list, reset-password NAME");
            }
            UserStore users = new UserStore(dataDir, new ObjectMapper());
            switch (verb) {
                case "create" -> {
                    if (name == null || role == null) {
                        throw new IllegalArgumentException("create needs --name N and --role analyst|admin");
                    }
                    UserStore.Created created = users.create(name, Role.parse(role));
                    out.println(created.password());
                    err.printf("user %s (%s) created in %s%n", name, created.user().role().name().toLowerCase(Locale.ROOT), dataDir);
                }
                case "list" -> {
                    for (User u : users.list()) {
                        out.printf("%-24s  %-7s  %s  %s%n", u.name(), u.role().name().toLowerCase(Locale.ROOT), u.created(),
                                u.lockedUntil() == null ? "" : "locked until " + u.lockedUntil());
                    }
                }
                default -> {
                    if (name == null) {
                        throw new IllegalArgumentException("reset-password needs the user's name");
                    }
                    out.println(users.resetPassword(name));
                    err.println("user " + name + ": new password (and any lockout lifted)");
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("flowtrap-manager user: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("flowtrap-manager user: " + e.getMessage());
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
