package io.flowtrap.manager.audit.web;

import io.flowtrap.manager.audit.AuditTrail;
import io.flowtrap.manager.web.GuiNavigation;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/** Where the Audit page is ({@link AuditPages}), and its link in the GUI's bar, shown to admins only. */
@Configuration(proxyBeanMethods = false)
class AuditPagesRoutes {
    @Bean
    RouterFunction<ServerResponse> auditPages(AuditTrail trail) {
        AuditPages pages = new AuditPages(trail);
        return RouterFunctions.route().GET("/audit", pages::audit).build();
    }

    @Bean
    GuiNavigation.Link auditLink() {
        return new GuiNavigation.Link("audit", "Audit", "/audit", 40, "ADMIN");
    }
}
