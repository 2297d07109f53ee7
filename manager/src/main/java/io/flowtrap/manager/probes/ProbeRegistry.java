package io.flowtrap.manager.probes;

import io.flowtrap.manager.elasticsearch.StateIndices;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The probes this manager knows, each with a client for its API. They are kept in Elasticsearch
 * ({@link ManagedProbe}); the static {@code flowtrap.probes} list seeds them: at the first start
 * that reaches Elasticsearch each listed probe whose name is not stored yet is stored. A listed
 * probe whose name is stored already is left as stored (an admin's edits in the GUI win over the
 * YAML; the start-up log says so). Until Elasticsearch has been reached once, the YAML list alone
 * is used (so alerts are carved through an outage); it is tried again every 10 s. Admins add, edit
 * and remove probes here: Elasticsearch first, then the in-memory list, so a failed write changes
 * nothing. Thread-safe.
 */
@Component
public class ProbeRegistry {
    private static final Logger log = LoggerFactory.getLogger(ProbeRegistry.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    public static final String CONFIG = "config";
    public static final String GUI = "gui";

    private final ManagedProbes stored;
    private final StateIndices indices;
    private final Duration timeout;
    private final MeterRegistry meters;
    private final List<ManagedProbe> seeds = new ArrayList<>();
    private volatile Map<String, Known> probes;
    private volatile boolean loaded;

    private record Known(ManagedProbe record, ProbeClient client) {}

    public ProbeRegistry(ProbesProperties properties, MeterRegistry meters, ManagedProbes stored, StateIndices indices) throws IOException {
        this.stored = stored;
        this.indices = indices;
        this.timeout = properties.probeTimeout();
        this.meters = meters;
        Map<String, Known> fromConfig = new LinkedHashMap<>();
        for (ProbesProperties.Probe p : properties.probes()) {
            if (p.name() == null || p.url() == null || p.tokenFile() == null) {
                throw new IllegalArgumentException("flowtrap.probes: each probe needs name, url and token-file");
            }
            String token = Files.readString(p.tokenFile()).strip();
            String ca = p.caCertificate() == null ? "" : Files.readString(p.caCertificate(), StandardCharsets.US_ASCII);
            ManagedProbe seed = new ManagedProbe(p.name(), p.url(), token, ca, CONFIG, System.currentTimeMillis(), CONFIG);
            if (fromConfig.put(p.name(), new Known(seed, client(seed))) != null) {
                throw new IllegalArgumentException("flowtrap.probes: " + p.name() + " is registered twice");
            }
            seeds.add(seed);
        }
        this.probes = fromConfig;
    }

    /** Seeds and loads the stored probes, at start and every 10 s until Elasticsearch has answered once. */
    @Scheduled(initialDelay = 0, fixedDelay = 10_000)
    void loadUntilLoaded() {
        if (loaded) {
            return;
        }
        try {
            load();
        } catch (DomainException e) {
            log.warn("probes: {}; using flowtrap.probes until it can be used", e.detail());
        }
    }

    /** Seeds what is not stored yet and takes the stored list; UNAVAILABLE if Elasticsearch cannot be used. */
    public synchronized void load() {
        Map<String, ManagedProbe> byName = new TreeMap<>();
        indices.readAll(Document.MANAGED_PROBE, ManagedProbe.KIND, ManagedProbe.class, "read the probes")
                .forEach(p -> byName.put(p.name(), p));
        for (ManagedProbe seed : seeds) {
            if (byName.containsKey(seed.name())) {
                if (!byName.get(seed.name()).url().equals(seed.url()) || !byName.get(seed.name()).token().equals(seed.token())) {
                    log.info("probes: {} is stored already; the stored one is used, not flowtrap.probes' entry", seed.name());
                }
                continue;
            }
            indices.call(Document.MANAGED_PROBE, ManagedProbe.KIND, "store probe " + seed.name(), () -> stored.save(seed));
            byName.put(seed.name(), seed);
            log.info("probes: {} stored from flowtrap.probes", seed.name());
        }
        Map<String, Known> next = new LinkedHashMap<>();
        for (ManagedProbe p : byName.values()) {
            try {
                next.put(p.name(), new Known(p, client(p)));
            } catch (IOException | IllegalArgumentException e) {
                log.error("probes: {} is stored with a CA or URL that cannot be used ({}); it is left out", p.name(), e.getMessage());
            }
        }
        probes = next;
        loaded = true;
    }

    /** The probe named by a request's {@code host} parameter: 400 if missing, 404 if unknown. */
    public ProbeClient require(String host) {
        if (host == null || host.isBlank()) {
            throw new DomainException(Kind.INVALID, "missing host",
                    "name the probe with ?host=<probe>; registered: " + String.join(", ", probes.keySet()));
        }
        Known probe = probes.get(host);
        if (probe == null) {
            throw new DomainException(Kind.NOT_FOUND, "unknown probe",
                    "no probe named '" + host + "' is registered; registered: " + String.join(", ", probes.keySet()));
        }
        return probe.client();
    }

    public List<ProbeClient> all() {
        return probes.values().stream().map(Known::client).toList();
    }

    /** The stored records (keys included: callers show none of them), by name. */
    public List<ManagedProbe> records() {
        return probes.values().stream().map(Known::record).toList();
    }

    public Optional<ManagedProbe> record(String name) {
        return Optional.ofNullable(probes.get(name)).map(Known::record);
    }

    /**
     * Adds a probe ({@code token} and {@code ca} as given), or edits one: a blank token or CA keeps the
     * stored one. Checked first (name, https URL, a CA that is PEM); INVALID says what is wrong.
     */
    public synchronized ManagedProbe save(String name, String url, String token, String ca, boolean create, String user) {
        requireLoaded();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new DomainException(Kind.INVALID, "invalid probe name",
                    "a probe name is 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        Known existing = probes.get(name);
        if (create && existing != null) {
            throw new DomainException(Kind.CONFLICT, "probe exists", "a probe named " + name + " exists already: edit it");
        }
        if (!create && existing == null) {
            throw new DomainException(Kind.NOT_FOUND, "unknown probe", "no probe named " + name);
        }
        String u = url == null ? "" : url.strip();
        try {
            URI uri = URI.create(u);
            if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not https://host:port");
            }
        } catch (IllegalArgumentException e) {
            throw new DomainException(Kind.INVALID, "invalid probe URL", "'" + u + "' is not an https://host:port URL of the probe API");
        }
        String t = token == null ? "" : token.strip();
        if (t.isEmpty()) {
            if (existing == null) {
                throw new DomainException(Kind.INVALID, "probe key missing", "give the key the probe API accepts (api.token-file on the probe)");
            }
            t = existing.record().token();
        } else if (!t.matches("[\\x21-\\x7e]{8,512}")) {
            throw new DomainException(Kind.INVALID, "invalid probe key", "a probe key is 8-512 printable characters without spaces");
        }
        String c = ca == null || ca.isBlank() ? (existing == null ? "" : existing.record().caCertificate()) : ca.strip() + "\n";
        ManagedProbe record = new ManagedProbe(name, u, t, c, existing == null ? GUI : existing.record().origin(),
                System.currentTimeMillis(), user);
        ProbeClient client;
        try {
            client = client(record);
        } catch (IOException | IllegalArgumentException e) {
            throw new DomainException(Kind.INVALID, "invalid CA certificate", "the CA is not a PEM certificate: " + e.getMessage());
        }
        indices.call(Document.MANAGED_PROBE, ManagedProbe.KIND, "save probe " + name, () -> stored.save(record));
        Map<String, Known> next = new LinkedHashMap<>(probes);
        next.put(name, new Known(record, client));
        probes = sorted(next);
        log.info("probes: {} {} by {}", record, create ? "added" : "edited", user);
        return record;
    }

    /** Removes a probe; NOT_FOUND if there is none of that name. */
    public synchronized void remove(String name, String user) {
        requireLoaded();
        if (!probes.containsKey(name)) {
            throw new DomainException(Kind.NOT_FOUND, "unknown probe", "no probe named " + name);
        }
        indices.run(Document.MANAGED_PROBE, ManagedProbe.KIND, "remove probe " + name, () -> stored.deleteById(name));
        Map<String, Known> next = new LinkedHashMap<>(probes);
        next.remove(name);
        probes = next;
        log.info("probes: {} removed by {}", name, user);
    }

    private void requireLoaded() {
        if (!loaded) {
            load();
        }
    }

    private static Map<String, Known> sorted(Map<String, Known> map) {
        Map<String, Known> sorted = new LinkedHashMap<>();
        new TreeMap<>(map).forEach(sorted::put);
        return sorted;
    }

    private ProbeClient client(ManagedProbe p) throws IOException {
        if (p.caCertificate().isBlank()) {
            return new ProbeClient(p.name(), p.url(), p.token(), null, timeout, meters);
        }
        Path pem = Files.createTempFile("flowtrap-probe-ca", ".pem");
        try {
            Files.writeString(pem, p.caCertificate(), StandardCharsets.US_ASCII);
            return new ProbeClient(p.name(), p.url(), p.token(), pem, timeout, meters);
        } finally {
            Files.deleteIfExists(pem);
        }
    }
}
