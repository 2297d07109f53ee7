package io.flowtrap.manager.alerts.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.manager.alerts.AlertSearch;
import io.flowtrap.manager.probes.ProbeRegistry;
import io.flowtrap.manager.web.GuiNavigation;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Where the Alerts pages are ({@link AlertPages}), first in the navigation bar; {@code /}, the
 * page a sign-in lands on, sends the user to the alert list.
 */
@Configuration(proxyBeanMethods = false)
class AlertPagesRoutes {
    @Bean
    RouterFunction<ServerResponse> alertPages(AlertSearch search, ProbeRegistry probes, ObjectMapper json) {
        AlertPages pages = new AlertPages(search, probes, json);
        return RouterFunctions.route()
                .GET("/", pages::home)
                .GET("/alerts", pages::list)
                .GET("/alerts/{id}", pages::detail)
                .build();
    }

    @Bean
    GuiNavigation.Link alertsLink() {
        return new GuiNavigation.Link("alerts", "Alerts", "/alerts", 10);
    }
}
