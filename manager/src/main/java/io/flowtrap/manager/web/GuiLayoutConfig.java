package io.flowtrap.manager.web;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The navigation bar of the shared page layout ({@code @guiNavigation} in
 * templates/fragments/layout.html), made of the links the features' page parts contribute.
 */
@Configuration(proxyBeanMethods = false)
class GuiLayoutConfig {
    @Bean
    GuiNavigation guiNavigation(ObjectProvider<GuiNavigation.Link> links) {
        return new GuiNavigation(links.orderedStream().toList());
    }
}
