package io.flowtrap.manager.alerts.web;

import io.flowtrap.api.manager.IngestReport;
import io.flowtrap.manager.alerts.EventIngest;
import io.flowtrap.manager.users.Role;
import io.flowtrap.manager.users.TokenStore;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/ingest/events}: probes' shippers deliver their spool here ({@link EventIngest}).
 * A probe key speaks for its own probe only, and a probe key bound to no probe (made before keys
 * were bound) delivers nothing (403). Admin keys may deliver for any probe.
 */
@RestController
class IngestController {
    private final EventIngest ingest;

    IngestController(EventIngest ingest) {
        this.ingest = ingest;
    }

    @PostMapping(path = "/api/ingest/events")
    IngestReport ingest(HttpServletRequest request, Authentication caller) throws IOException {
        return ingest.ingest(request.getInputStream(), boundProbe(caller));
    }

    /** The only probe the caller may deliver for; null for an admin, who may deliver for any. */
    private static String boundProbe(Authentication caller) {
        TokenStore.Entry key = (TokenStore.Entry) caller.getPrincipal();
        if (key.role() != Role.PROBE) {
            return null;
        }
        if (key.probe() == null) {
            throw new DomainException(Kind.FORBIDDEN, "forbidden", "this probe key names no probe; make one for this"
                    + " probe with: flowtrap-manager token create --role probe --probe NAME");
        }
        return key.probe();
    }
}
