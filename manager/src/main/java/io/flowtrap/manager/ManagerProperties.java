package io.flowtrap.manager;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The manager's own settings ({@code flowtrap.*}; Spring's {@code server.*} and
 * {@code spring.elasticsearch.*} configure HTTPS and the Elasticsearch connection).
 *
 * @param dataDir tokens, extraction jobs and the pcap cache live here
 * @param probes the registered probes: the {@code host} parameter names one of them
 * @param downloadRetention how long a retrieved pcap stays downloadable
 * @param probeTimeout how long an extraction or retrieval may take on the probe
 * @param alertIndexPrefix daily alert indices are {@code <prefix>yyyy.MM.dd}
 * @param flowIndexPrefix daily indices of probes' flow records (what their stores hold)
 */
@ConfigurationProperties(prefix = "flowtrap")
public record ManagerProperties(
        Path dataDir, List<Probe> probes, Duration downloadRetention, Duration probeTimeout, String alertIndexPrefix,
        String flowIndexPrefix) {

    public ManagerProperties {
        dataDir = dataDir == null ? Path.of("/var/lib/flowtrap/manager") : dataDir;
        probes = probes == null ? List.of() : List.copyOf(probes);
        downloadRetention = downloadRetention == null ? Duration.ofHours(24) : downloadRetention;
        probeTimeout = probeTimeout == null ? Duration.ofSeconds(30) : probeTimeout;
        alertIndexPrefix = alertIndexPrefix == null ? "flowtrap-alerts-" : alertIndexPrefix;
        flowIndexPrefix = flowIndexPrefix == null ? "flowtrap-flows-" : flowIndexPrefix;
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
