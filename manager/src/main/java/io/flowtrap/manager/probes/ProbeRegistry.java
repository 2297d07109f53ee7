package io.flowtrap.manager.probes;

import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** The probes this manager knows (from {@code flowtrap.probes}), each with a client for its API. */
@Component
public class ProbeRegistry {
    private final Map<String, ProbeClient> probes = new LinkedHashMap<>();

    public ProbeRegistry(ProbesProperties properties, MeterRegistry meters) throws IOException {
        for (ProbesProperties.Probe p : properties.probes()) {
            if (p.name() == null || p.url() == null || p.tokenFile() == null) {
                throw new IllegalArgumentException("flowtrap.probes: each probe needs name, url and token-file");
            }
            String token = Files.readString(p.tokenFile()).strip();
            if (probes.put(p.name(), new ProbeClient(p.name(), p.url(), token, p.caCertificate(), properties.probeTimeout(), meters)) != null) {
                throw new IllegalArgumentException("flowtrap.probes: " + p.name() + " is registered twice");
            }
        }
    }

    /** The probe named by a request's {@code host} parameter: 400 if missing, 404 if unknown. */
    public ProbeClient require(String host) {
        if (host == null || host.isBlank()) {
            throw new DomainException(Kind.INVALID, "missing host",
                    "name the probe with ?host=<probe>; registered: " + String.join(", ", probes.keySet()));
        }
        ProbeClient probe = probes.get(host);
        if (probe == null) {
            throw new DomainException(Kind.NOT_FOUND, "unknown probe",
                    "no probe named '" + host + "' is registered; registered: " + String.join(", ", probes.keySet()));
        }
        return probe;
    }

    public List<ProbeClient> all() {
        return List.copyOf(probes.values());
    }
}
