package io.flowtrap.manager.searches.web;

import io.flowtrap.manager.searches.Searches;
import io.flowtrap.manager.web.GuiNavigation;
import java.time.Clock;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/** Where the Searches pages are ({@link SearchPages}), sixth in the navigation bar. */
@Configuration(proxyBeanMethods = false)
class SearchPagesRoutes {
    @Bean
    RouterFunction<ServerResponse> searchPages(Searches searches, ApplicationEventPublisher events) {
        SearchPages pages = new SearchPages(searches, events, Clock.systemUTC());
        return RouterFunctions.route()
                .GET("/searches", pages::list)
                .POST("/searches", pages::create)
                .GET("/searches/{id}", pages::detail)
                .POST("/searches/{id}/cancel", pages::cancel)
                .GET("/searches/{id}/download", pages::download)
                .build();
    }

    @Bean
    GuiNavigation.Link searchesLink() {
        return new GuiNavigation.Link("searches", "Searches", "/searches", 60);
    }
}
