package io.flowtrap.manager.results.web;

import io.flowtrap.manager.results.Results;
import io.flowtrap.manager.sharing.ShareLinks;
import io.flowtrap.manager.sharing.SharingProperties;
import io.flowtrap.manager.web.GuiNavigation;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/** Where the Results pages are ({@link ResultPages}), after Captures in the navigation bar. */
@Configuration(proxyBeanMethods = false)
class ResultPagesRoutes {
    @Bean
    RouterFunction<ServerResponse> resultPages(Results results, ShareLinks shares, SharingProperties sharing) {
        ResultPages pages = new ResultPages(results, shares, sharing.sharing());
        return RouterFunctions.route()
                .GET("/results", pages::list)
                .POST("/results/merge", pages::merge)
                .POST("/results/shares/{link}/revoke", pages::revoke)
                .GET("/results/{kind}/{id}", pages::detail)
                .POST("/results/{kind}/{id}/labels", pages::labels)
                .POST("/results/{kind}/{id}/shares", pages::share)
                .POST("/results/{kind}/{id}/filter", pages::filter)
                .GET("/results/{kind}/{id}/download", pages::download)
                .GET("/results/{kind}/{id}/delete", pages::confirmDelete)
                .POST("/results/{kind}/{id}/delete", pages::delete)
                .build();
    }

    @Bean
    GuiNavigation.Link resultsLink() {
        return new GuiNavigation.Link("results", "Results", "/results", 65);
    }
}
