package io.flowtrap.manager.audit;

import java.util.Map;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.authentication.event.AuthenticationFailureLockedEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.stereotype.Component;

/**
 * Puts the GUI's sign-ins into the audit trail from Spring Security's events: {@code login.success},
 * {@code login.failure} (with why), {@code login.locked} (a locked user tried). API keys are not
 * sign-ins: their checks publish no event (the token filter's manager does not publish).
 */
@Component
class SignInAudit {
    private final AuditTrail trail;

    SignInAudit(AuditTrail trail) {
        this.trail = trail;
    }

    @EventListener
    void success(AuthenticationSuccessEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken) {
            trail.record(event.getAuthentication().getName(), "login.success", remote(event.getAuthentication().getDetails()));
        }
    }

    @EventListener
    void failure(AbstractAuthenticationFailureEvent event) {
        String action = event instanceof AuthenticationFailureLockedEvent ? "login.locked" : "login.failure";
        Map<String, Object> details = new java.util.LinkedHashMap<>(remote(event.getAuthentication().getDetails()));
        details.put("reason", event.getException().getMessage());
        trail.record(event.getAuthentication().getName(), action, details);
    }

    private static Map<String, Object> remote(Object details) {
        return details instanceof WebAuthenticationDetails web && web.getRemoteAddress() != null
                ? Map.of("remote", web.getRemoteAddress()) : Map.of();
    }
}
