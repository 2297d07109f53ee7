package io.flowtrap.manager;

import io.flowtrap.manager.users.TokenCommand;
import io.flowtrap.manager.users.UserCommand;
import java.io.PrintStream;
import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * {@code flowtrap-manager [--spring.config.additional-location=FILE]} runs the manager;
 * {@code flowtrap-manager token …} manages API keys, {@code flowtrap-manager user …} the GUI's users,
 * in the manager's Elasticsearch, and exit.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class ManagerApplication {
    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("token") || args[0].equals("user"))) {
            // a command prints its key or password alone on stdout: whatever else is said goes to stderr, warnings only
            PrintStream stdout = System.out;
            System.setOut(System.err);
            LoggingSystem.get(ManagerApplication.class.getClassLoader()).setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.WARN);
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            System.exit(args[0].equals("token") ? TokenCommand.run(rest, stdout, System.err) : UserCommand.run(rest, stdout, System.err));
        }
        SpringApplication.run(ManagerApplication.class, args);
    }
}
