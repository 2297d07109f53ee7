package io.flowtrap.manager.users;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.manager.elasticsearch.StateIndices;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The key and user stores the running manager authenticates against, in the Elasticsearch indices
 * the commands write too, and the reload that keeps the keys in memory following them.
 */
@Configuration(proxyBeanMethods = false)
class UsersConfig {
    @Bean
    TokenStore tokenStore(StoredKeys stored, StateIndices indices) {
        return new TokenStore(stored, indices);
    }

    @Bean
    UserStore userStore(StoredUsers stored, StateIndices indices) {
        return new UserStore(stored, indices);
    }

    @Bean(destroyMethod = "close")
    KeyReload keyReload(TokenStore tokens, UserStore users, UsersProperties properties, ObjectMapper json) {
        return new KeyReload(tokens, users, new LegacyFilesImport(properties.dataDir(), json), properties.keys());
    }
}
