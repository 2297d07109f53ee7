package io.flowtrap.manager.chatops.web;

import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Keeps the signed endpoints' bodies as they came, before any filter or Spring parses them: a form
 * POST's parameters, once read by anyone, leave no body to read, and Spring rebuilds a form body
 * from its parameters (re-encoded, reordered), which would not match the signature. First of all
 * filters; the bytes go to the {@value #ATTRIBUTE} request attribute, at most {@value #MAX_BODY}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RawBodyFilter extends OncePerRequestFilter {
    static final String ATTRIBUTE = "flowtrap.rawBody";
    static final int MAX_BODY = 64 * 1024;

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !"POST".equals(request.getMethod())
                || !(path.equals("/rest/chatops/slack") || path.equals("/rest/webhooks/capture"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                request.setAttribute(ATTRIBUTE, new DomainException(Kind.TOO_LARGE, "request too large", "at most "
                        + MAX_BODY + " bytes"));
            } else {
                request.setAttribute(ATTRIBUTE, body);
            }
        }
        chain.doFilter(request, response);
    }

    /** The raw body the filter kept (TOO_LARGE past its bound). */
    static byte[] body(HttpServletRequest request) {
        Object kept = request.getAttribute(ATTRIBUTE);
        if (kept instanceof DomainException e) {
            throw e;
        }
        return kept instanceof byte[] b ? b : new byte[0];
    }
}
