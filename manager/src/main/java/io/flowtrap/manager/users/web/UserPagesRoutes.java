package io.flowtrap.manager.users.web;

import io.flowtrap.manager.users.TokenStore;
import io.flowtrap.manager.users.UsersProperties;
import io.flowtrap.manager.web.GuiNavigation;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Where the users feature's pages are ({@link UserPages}). Pages are routed functionally, apart
 * from the REST API's controllers: openapi.yaml documents the API, not the GUI. The keys page is in
 * the navigation bar.
 */
@Configuration(proxyBeanMethods = false)
class UserPagesRoutes {
    @Bean
    RouterFunction<ServerResponse> userPages(TokenStore tokens, UsersProperties properties, ApplicationEventPublisher audit) {
        UserPages pages = new UserPages(tokens, properties, audit);
        return RouterFunctions.route()
                .GET("/login", pages::login)
                .GET("/keys", pages::keys)
                .POST("/keys", pages::createKey)
                .POST("/keys/{id}/revoke", pages::revokeKey)
                .build();
    }

    @Bean
    GuiNavigation.Link apiKeysLink() {
        return new GuiNavigation.Link("keys", "API keys", "/keys", 90);
    }
}
