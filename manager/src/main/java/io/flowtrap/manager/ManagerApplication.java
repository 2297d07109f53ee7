package io.flowtrap.manager;

import io.flowtrap.manager.users.TokenCommand;
import io.flowtrap.manager.users.UserCommand;
import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * {@code flowtrap-manager [--spring.config.additional-location=FILE]} runs the manager;
 * {@code flowtrap-manager token …} manages API keys, {@code flowtrap-manager user …} the GUI's users,
 * in the data directory, and exit.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class ManagerApplication {
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("token")) {
            System.exit(TokenCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("user")) {
            System.exit(UserCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        SpringApplication.run(ManagerApplication.class, args);
    }
}
