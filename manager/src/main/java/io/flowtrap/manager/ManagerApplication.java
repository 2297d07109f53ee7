package io.flowtrap.manager;

import io.flowtrap.manager.users.TokenCommand;
import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * {@code flowtrap-manager [--spring.config.additional-location=FILE]} runs the manager;
 * {@code flowtrap-manager token …} manages API keys in the data directory and exits.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class ManagerApplication {
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("token")) {
            System.exit(TokenCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        SpringApplication.run(ManagerApplication.class, args);
    }
}
