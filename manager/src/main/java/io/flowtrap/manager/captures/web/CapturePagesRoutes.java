package io.flowtrap.manager.captures.web;

import io.flowtrap.manager.captures.Captures;
import io.flowtrap.manager.web.GuiNavigation;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/** Where the Captures pages are ({@link CapturePages}), fifth in the navigation bar. */
@Configuration(proxyBeanMethods = false)
class CapturePagesRoutes {
    @Bean
    RouterFunction<ServerResponse> capturePages(Captures captures, ApplicationEventPublisher events) {
        CapturePages pages = new CapturePages(captures, events);
        return RouterFunctions.route()
                .GET("/captures", pages::list)
                .POST("/captures", pages::create)
                .GET("/captures/new", pages::form)
                .GET("/captures/{id}", pages::detail)
                .GET("/captures/{id}/state", pages::state)
                .POST("/captures/{id}/stop", pages::stop)
                .GET("/captures/{id}/delete", pages::confirmDelete)
                .POST("/captures/{id}/delete", pages::delete)
                .GET("/captures/{id}/download", pages::download)
                .build();
    }

    @Bean
    GuiNavigation.Link capturesLink() {
        return new GuiNavigation.Link("captures", "Captures", "/captures", 50);
    }
}
