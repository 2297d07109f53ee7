package io.flowtrap.manager.users;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The key and user stores the running manager authenticates against: the same files the commands write. */
@Configuration(proxyBeanMethods = false)
class UsersConfig {
    @Bean
    TokenStore tokenStore(UsersProperties properties, ObjectMapper json) throws IOException {
        return new TokenStore(properties.dataDir(), json);
    }

    @Bean
    UserStore userStore(UsersProperties properties, ObjectMapper json) throws IOException {
        return new UserStore(properties.dataDir(), json);
    }
}
