package io.flowtrap.manager.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import java.util.List;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.data.elasticsearch.ElasticsearchDataAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.data.elasticsearch.core.ElasticsearchOperations;

/**
 * The manager's state in Elasticsearch without the manager: a Spring context holding only the
 * Elasticsearch client the manager would build from the same settings ({@code spring.elasticsearch.*},
 * {@code flowtrap.elasticsearch.api-key-file}, {@code flowtrap.state-index-prefix}, read from the
 * jar's application.yml, {@code --spring.config.additional-location=FILE} and {@code --key=value}
 * arguments as the manager reads them), {@link StateIndices}, and the repositories the caller's
 * configuration enables. For the {@code user} and {@code token} commands. It starts no server and
 * leaves the logging as it is.
 */
public final class StandaloneState {
    private StandaloneState() {}

    /** Starts the context; {@code repositories}: a class whose annotations enable the caller's repositories. */
    public static ConfigurableApplicationContext start(List<String> arguments, Class<?> repositories) {
        SpringApplication app = new SpringApplication(Sources.class, repositories);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.setRegisterShutdownHook(false);
        app.setListeners(app.getListeners().stream().filter(l -> !(l instanceof LoggingApplicationListener)).toList());
        return app.run(arguments.toArray(String[]::new));
    }

    /** Not a {@code @Configuration}, so the manager's own scan never takes it. */
    @ImportAutoConfiguration({JacksonAutoConfiguration.class, SslAutoConfiguration.class, ElasticsearchRestClientAutoConfiguration.class,
        ElasticsearchClientAutoConfiguration.class, ElasticsearchDataAutoConfiguration.class})
    @Import(ElasticsearchClientConfig.class)
    @EnableConfigurationProperties({StateIndexProperties.class, ElasticsearchAuthProperties.class})
    static class Sources {
        @Bean
        StateIndices stateIndices(ElasticsearchClient client, ElasticsearchOperations operations, StateIndexProperties properties) {
            return new StateIndices(client, operations, properties);
        }
    }
}
