package io.flowtrap.manager.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.web.embedded.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Hostile URLs ({@code %2F}, {@code %2e%2e}, NUL, {@code //}) are refused by Spring Security's
 * firewall with a JSON 400, like every other bad request. Tomcat lets encoded slashes through
 * to it, and what Tomcat still refuses itself (NUL, backslash) it answers in JSON too. A refusal
 * (401, 403, 413) closes the connection ({@link RefusalClosesConnection}); the timeouts and size
 * bounds of the connector are in application.yml ({@code server.tomcat.*}).
 */
@Configuration(proxyBeanMethods = false)
class WebServerConfig {
    @Bean
    TomcatConnectorCustomizer encodedSlashesReachTheFirewall() {
        return connector -> connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue());
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorsFromTomcat() {
        return factory -> factory.addContextCustomizers(context ->
                ((StandardHost) context.getParent()).setErrorReportValveClass(JsonErrorReportValve.class.getName()));
    }

    @Bean
    FilterRegistrationBean<RefusalClosesConnection> refusalClosesConnection() {
        FilterRegistrationBean<RefusalClosesConnection> bean = new FilterRegistrationBean<>(new RefusalClosesConnection());
        bean.setOrder(Ordered.HIGHEST_PRECEDENCE); // outside Spring Security's chain, which answers 401 and 403
        return bean;
    }

    @Bean
    RequestRejectedHandler jsonRequestRejected(ObjectMapper json) {
        return (request, response, e) -> {
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            json.writeValue(response.getOutputStream(), new ApiError("rejected URL", e.getMessage()));
        };
    }
}
