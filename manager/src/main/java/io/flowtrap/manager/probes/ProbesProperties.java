package io.flowtrap.manager.probes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The probes the manager reaches ({@code flowtrap.probes}) and how long it waits for them.
 *
 * @param probes the registered probes: the REST chain's {@code host} parameter names one of them
 * @param probeTimeout how long an extraction or retrieval may take on the probe (then 504)
 * @param statusTimeout how long the Appliances page waits for each probe's status, metrics and
 *     settings (asked of all probes at once): a probe slower than this shows as unreachable
 */
@ConfigurationProperties(prefix = "flowtrap")
public record ProbesProperties(@DefaultValue List<Probe> probes, @DefaultValue("30s") Duration probeTimeout,
        @DefaultValue("2s") Duration statusTimeout) {

    public ProbesProperties {
        probes = List.copyOf(probes);
    }

    /**
     * A probe as the manager reaches it.
     *
     * @param name what alerts carry as {@code host} and the REST chain's {@code host} parameter
     * @param url the probe API's base, e.g. {@code https://sensor-1:8444}
     * @param tokenFile the key the probe API accepts
     * @param caCertificate the CA the probe's certificate is signed by (PEM); null: the JDK's
     */
    public record Probe(String name, String url, Path tokenFile, Path caCertificate) {}
}
