package io.flowtrap.probe.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The probe's configuration file ({@code flowtrap-probe run --config FILE}), YAML with kebab-case
 * keys; every key is optional and has the default shown in {@code ops/probe/probe.yaml}. Immutable.
 */
public record ProbeSettings(
        String name, Capture capture, Flows flows, Lookback lookback, Store store, Alerts alerts, Api api,
        Manager manager) {

    public ProbeSettings {
        name = name == null || name.isBlank() ? "probe" : name;
        capture = capture == null ? new Capture(null, null, null, null, 0, null, null, null) : capture;
        flows = flows == null ? new Flows(0, null, null, null, null, null, null) : flows;
        lookback = lookback == null ? new Lookback(null) : lookback;
        store = store == null ? new Store(null, null, null, null, null) : store;
        alerts = alerts == null ? new Alerts(null, null, null, null) : alerts;
        api = api == null ? new Api(null, null, null, null, null, null, null, null) : api;
        manager = manager == null ? new Manager(null, null, null, null, null, 0, null, null) : manager;
    }

    /**
     * Live capture: interface, BPF filter, snaplen (65535: veth offloads make frames up to ~64 KB).
     * Or, with {@code pcap-file}, a replay of a capture file (alerts from {@code alerts.eve-file},
     * delivered on the packet clock), after which the probe stays up serving its API;
     * {@code replay-clock: now} moves the capture and its alerts in time so that it ends now.
     * {@code engine} chooses how a live interface is read: {@code ring} (the kernel's TPACKET_V3
     * ring, read in place; Linux only), {@code pcap} (libpcap through pcap4j; any OS) or
     * {@code auto} (ring on Linux, pcap elsewhere). {@code buffer} is the kernel ring's size.
     */
    public record Capture(String interfaceName, Path pcapFile, String replayClock, String filter, int snaplen,
            Boolean promiscuous, DataSize buffer, String engine) {
        public static final String ENGINE_AUTO = "auto";
        public static final String ENGINE_RING = "ring";
        public static final String ENGINE_PCAP = "pcap";

        public Capture {
            engine = engine == null ? ENGINE_AUTO : engine;
            if (!engine.equals(ENGINE_AUTO) && !engine.equals(ENGINE_RING) && !engine.equals(ENGINE_PCAP)) {
                throw new IllegalArgumentException("capture.engine: 'auto' (ring on Linux, pcap elsewhere), 'ring' (the"
                        + " kernel's packet ring, Linux) or 'pcap' (libpcap), not '" + engine + "'");
            }
            replayClock = replayClock == null ? "original" : replayClock;
            if (!replayClock.equals("original") && !replayClock.equals("now")) {
                throw new IllegalArgumentException("capture.replay-clock: 'original' (the capture's own times) or 'now'"
                        + " (moved so that its last packet is now), not '" + replayClock + "'");
            }
            filter = filter == null ? "" : filter;
            snaplen = snaplen <= 0 ? 65535 : snaplen;
            promiscuous = promiscuous == null ? Boolean.TRUE : promiscuous;
            buffer = buffer == null ? DataSize.ofMegabytes(64) : buffer;
        }

        /** The engine that reads a live interface on {@code osName} (the {@code os.name} property): ring or pcap. */
        public String liveEngine(String osName) {
            if (!engine.equals(ENGINE_AUTO)) {
                return engine;
            }
            return osName != null && osName.startsWith("Linux") ? ENGINE_RING : ENGINE_PCAP;
        }
    }

    /** Flow table cap and idle timeouts (defaults: Suricata 7's flow-timeouts). */
    public record Flows(
            int maxFlows,
            Duration tcpNew,
            Duration tcpEstablished,
            Duration tcpClosed,
            Duration udp,
            Duration icmp,
            Duration other) {
        public Flows {
            maxFlows = maxFlows <= 0 ? 1_000_000 : maxFlows;
            tcpNew = tcpNew == null ? Duration.ofSeconds(60) : tcpNew;
            tcpEstablished = tcpEstablished == null ? Duration.ofSeconds(600) : tcpEstablished;
            tcpClosed = tcpClosed == null ? Duration.ofSeconds(60) : tcpClosed;
            udp = udp == null ? Duration.ofSeconds(300) : udp;
            icmp = icmp == null ? Duration.ofSeconds(300) : icmp;
            other = other == null ? Duration.ofSeconds(300) : other;
        }

        /** The longest of the idle timeouts: how long any flow may go without a packet and live on. */
        public Duration longestIdleTimeout() {
            Duration longest = tcpNew;
            for (Duration d : new Duration[] {tcpEstablished, tcpClosed, udp, icmp, other}) {
                longest = d.compareTo(longest) > 0 ? d : longest;
            }
            return longest;
        }
    }

    /** The look-back ring: how many bytes of recent packets are held for flows not yet alerted. */
    public record Lookback(DataSize size) {
        public Lookback {
            size = size == null ? DataSize.ofMegabytes(256) : size;
        }
    }

    /**
     * The pcap store: where, how large in total, when a segment is sealed, and how many bytes of
     * packets may wait for the store's writer thread ({@code write-buffer}, allocated up front; when
     * it is full a live capture loses packets, counted as store backlog, instead of waiting).
     */
    public record Store(Path dir, DataSize maxSize, DataSize segmentSize, Duration segmentAge, DataSize writeBuffer) {
        public Store {
            dir = dir == null ? Path.of("/var/lib/flowtrap/store") : dir;
            maxSize = maxSize == null ? DataSize.parse("100GB") : maxSize;
            segmentSize = segmentSize == null ? DataSize.ofMegabytes(256) : segmentSize;
            segmentAge = segmentAge == null ? Duration.ofMinutes(10) : segmentAge;
            writeBuffer = writeBuffer == null ? DataSize.ofMegabytes(64) : writeBuffer;
        }

        /** With the default write buffer. */
        public Store(Path dir, DataSize maxSize, DataSize segmentSize, Duration segmentAge) {
            this(dir, maxSize, segmentSize, segmentAge, null);
        }
    }

    /**
     * Where Suricata's EVE alerts come from: a unix socket we listen on (Suricata {@code filetype:
     * unix_stream} connects to it) and/or a tailed eve.json; and whether an alert arms its flow
     * ({@code pcap-extraction-on-alerts}, default true; false: alerts are still forwarded to the
     * manager, nothing is stored).
     */
    public record Alerts(Path eveSocket, Path eveFile, Boolean eveFileFromStart, Boolean pcapExtractionOnAlerts) {
        public Alerts {
            eveFileFromStart = eveFileFromStart == null ? Boolean.FALSE : eveFileFromStart;
            pcapExtractionOnAlerts = pcapExtractionOnAlerts == null ? Boolean.TRUE : pcapExtractionOnAlerts;
        }

        /** Arming on. */
        public Alerts(Path eveSocket, Path eveFile, Boolean eveFileFromStart) {
            this(eveSocket, eveFile, eveFileFromStart, null);
        }
    }

    /**
     * The probe API (HTTPS): where it listens ({@code host:port}; unset: no API), the file holding
     * the key the manager presents, the server certificate chain and PKCS#8 key (PEM; both unset:
     * plain HTTP, for a loopback-only test set-up), where carves are kept, for how long, and how many
     * bytes of them at most ({@code carve-quota}, default 1GB: the oldest carves go first), and the
     * file that keeps what {@code PUT /api/v1/settings} applied last ({@code settings-file}; unset:
     * {@code settings.json} beside the store directory, see {@link ProbeSettings#settingsFile()}).
     */
    public record Api(String listen, Path tokenFile, Path tlsCertificate, Path tlsKey, Path carveDir,
            Duration carveRetention, DataSize carveQuota, Path settingsFile) {
        public Api {
            carveDir = carveDir == null ? Path.of("/var/lib/flowtrap/carves") : carveDir;
            carveRetention = carveRetention == null ? Duration.ofHours(1) : carveRetention;
            carveQuota = carveQuota == null ? DataSize.parse("1GB") : carveQuota;
            if (carveQuota.bytes() <= 0) {
                throw new IllegalArgumentException("api.carve-quota must be positive");
            }
            if ((tlsCertificate == null) != (tlsKey == null)) {
                throw new IllegalArgumentException("api: set both tls-certificate and tls-key, or neither");
            }
            if (listen != null && tokenFile == null) {
                throw new IllegalArgumentException("api: listen needs token-file (the key the manager presents)");
            }
        }

        /** The listen address; IllegalArgumentException if it is not {@code host:port}. */
        public java.net.InetSocketAddress address() {
            int colon = listen.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("api.listen must be host:port, got " + listen);
            }
            try {
                return new java.net.InetSocketAddress(listen.substring(0, colon).replaceAll("^\\[|\\]$", ""),
                        Integer.parseInt(listen.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("api.listen must be host:port, got " + listen, e);
            }
        }
    }

    /**
     * Where alerts go: the manager's base URL (unset: alerts arm flows here and go nowhere else),
     * the file holding this probe's key there (role probe), the CA its certificate is signed by
     * (PEM; unset: the JDK's trust store), and the spool directory that keeps alerts until the
     * manager has them. {@code spool-min-free} is what the spool leaves free on its file system (an
     * alert that does not fit is armed but not spooled, and counted); a line the manager keeps answering
     * 5xx for on its own goes to the spool's dead letters after {@code dead-letter-attempts} answers or
     * {@code dead-letter-age}, whichever first, and the dead-letter file holds at most
     * {@code dead-letter-max-size}.
     */
    public record Manager(String url, Path tokenFile, Path caCertificate, Path spoolDir, DataSize spoolMinFree,
            int deadLetterAttempts, Duration deadLetterAge, DataSize deadLetterMaxSize) {
        public Manager {
            spoolDir = spoolDir == null ? Path.of("/var/lib/flowtrap/spool") : spoolDir;
            spoolMinFree = spoolMinFree == null ? DataSize.ofMegabytes(16) : spoolMinFree;
            deadLetterAttempts = deadLetterAttempts == 0 ? 5 : deadLetterAttempts;
            if (deadLetterAttempts < 1) {
                throw new IllegalArgumentException("manager.dead-letter-attempts must be at least 1, not " + deadLetterAttempts);
            }
            deadLetterAge = deadLetterAge == null ? Duration.ofMinutes(10) : deadLetterAge;
            deadLetterMaxSize = deadLetterMaxSize == null ? DataSize.ofMegabytes(64) : deadLetterMaxSize;
            if (deadLetterMaxSize.bytes() < 1) {
                throw new IllegalArgumentException("manager.dead-letter-max-size must be positive");
            }
            if (url != null && tokenFile == null) {
                throw new IllegalArgumentException("manager: url needs token-file (this probe's key at the manager)");
            }
        }
    }

    /**
     * Where the settings applied through the probe API are kept: {@code api.settings-file}, else
     * {@code settings.json} beside the store directory (the probe's state: with the installed
     * layout, {@code /var/lib/flowtrap/probe/settings.json} next to {@code store/} and {@code spool/}).
     */
    public Path settingsFile() {
        return api.settingsFile() != null ? api.settingsFile()
                : store.dir().toAbsolutePath().normalize().resolveSibling("settings.json");
    }

    /** Where the triggers in force are kept across restarts: {@code triggers.json} beside the settings file. */
    public Path triggersFile() {
        return settingsFile().resolveSibling("triggers.json");
    }

    /** Reads and validates a YAML settings file; the message of the exception says which key is wrong. */
    public static ProbeSettings read(Path file) throws IOException {
        SimpleModule durations = new SimpleModule("flowtrap-durations");
        durations.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return Durations.parse(p.getValueAsString());
            }
        });
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .registerModule(durations);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no settings file at " + file);
        }
        ProbeSettings settings = yaml.readValue(file.toFile(), ProbeSettings.class);
        return settings == null ? new ProbeSettings(null, null, null, null, null, null, null, null) : settings;
    }
}
