package io.flowtrap.manager.web;

import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.web.servlet.function.RequestPredicates;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The GUI's 403 page ({@value #PATH}, any method): what a signed-in user sees, with the bar, when
 * their role may not open a page (an analyst on the Audit page). The GUI's security chain forwards
 * a refused request here; a request for it alone is the REST chain's, as any unknown path.
 */
@Configuration(proxyBeanMethods = false)
class ForbiddenPageRoutes {
    static final String PATH = "/forbidden";

    @Bean
    RouterFunction<ServerResponse> forbiddenPage() {
        return RouterFunctions.route(RequestPredicates.path(PATH), request -> ServerResponse.status(HttpStatus.FORBIDDEN)
                .render("forbidden", Map.of("user", request.principal().map(p -> p.getName()).orElse(""))));
    }
}
