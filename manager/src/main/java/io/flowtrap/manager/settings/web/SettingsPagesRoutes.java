package io.flowtrap.manager.settings.web;

import io.flowtrap.manager.settings.ApplyChanges;
import io.flowtrap.manager.settings.SettingsCatalog;
import io.flowtrap.manager.web.GuiNavigation;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/** Where the settings pages are ({@link SettingsPages}), and their links in the GUI's bar. */
@Configuration(proxyBeanMethods = false)
class SettingsPagesRoutes {
    @Bean
    RouterFunction<ServerResponse> settingsPages(SettingsCatalog catalog, ApplyChanges apply) {
        SettingsPages pages = new SettingsPages(catalog, apply);
        return RouterFunctions.route()
                .GET("/appliances/{name}/settings", pages::probeSettings)
                .POST("/appliances/{name}/settings/template", pages::follow)
                .POST("/appliances/{name}/settings/override", pages::override)
                .POST("/appliances/{name}/settings/clear", pages::clear)
                .GET("/templates", pages::templates)
                .POST("/templates", pages::createTemplate)
                .GET("/templates/{name}", pages::template)
                .POST("/templates/{name}", pages::saveTemplate)
                .GET("/changes", pages::changes)
                .POST("/changes/apply", pages::applyChanges)
                .build();
    }

    @Bean
    GuiNavigation.Link templatesLink() {
        return new GuiNavigation.Link("templates", "Templates", "/templates", 30);
    }

    @Bean
    GuiNavigation.Link changesLink() {
        return new GuiNavigation.Link("changes", "Pending modifications", "/changes", 35);
    }
}
