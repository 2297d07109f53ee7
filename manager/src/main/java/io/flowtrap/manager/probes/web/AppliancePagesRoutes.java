package io.flowtrap.manager.probes.web;

import io.flowtrap.manager.probes.ApplianceStatusBoard;
import io.flowtrap.manager.probes.ProbeRegistry;
import io.flowtrap.manager.web.GuiNavigation;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/** Where the Appliances pages are ({@link AppliancePages}), and their link in the GUI's bar. */
@Configuration(proxyBeanMethods = false)
class AppliancePagesRoutes {
    @Bean
    RouterFunction<ServerResponse> appliancePages(ProbeRegistry registry, ApplianceStatusBoard board, ApplicationEventPublisher audit) {
        AppliancePages pages = new AppliancePages(registry, board, audit);
        return RouterFunctions.route()
                .GET("/appliances", pages::list)
                .POST("/appliances", pages::add)
                .GET("/appliances/{name}/edit", pages::editForm)
                .POST("/appliances/{name}/remove", pages::remove)
                .POST("/appliances/{name}", pages::edit)
                .build();
    }

    @Bean
    GuiNavigation.Link appliancesLink() {
        return new GuiNavigation.Link("appliances", "Appliances", "/appliances", 20);
    }
}
