package io.flowtrap.manager.watchlists.web;

import io.flowtrap.manager.watchlists.Watchlists;
import io.flowtrap.manager.web.GuiNavigation;
import org.springframework.boot.autoconfigure.web.servlet.MultipartProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/** Where the Watchlists pages are ({@link WatchlistPages}), after Captures in the navigation bar. */
@Configuration(proxyBeanMethods = false)
class WatchlistPagesRoutes {
    @Bean
    RouterFunction<ServerResponse> watchlistPages(Watchlists watchlists, ApplicationEventPublisher events, MultipartProperties multipart) {
        WatchlistPages pages = new WatchlistPages(watchlists, events, multipart.getMaxFileSize());
        return RouterFunctions.route()
                .GET("/watchlists", pages::list)
                .POST("/watchlists", pages::load)
                .GET("/watchlists/{name}", pages::detail)
                .POST("/watchlists/{name}/reload", pages::reload)
                .GET("/watchlists/{name}/delete", pages::confirmDelete)
                .POST("/watchlists/{name}/delete", pages::delete)
                .build();
    }

    @Bean
    GuiNavigation.Link watchlistsLink() {
        return new GuiNavigation.Link("watchlists", "Watchlists", "/watchlists", 55);
    }
}
