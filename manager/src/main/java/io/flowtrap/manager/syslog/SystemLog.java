package io.flowtrap.manager.syslog;

import io.flowtrap.manager.syslog.SyslogMessage.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Service;

/**
 * Sends audit events to the system log ({@link SyslogProperties}). Thread-safe; never waits: a
 * message the log does not take is counted ({@code outcome="failed"}) and the first of each run of
 * failures is logged with the system's reason, the return to normal once.
 */
@Service
public class SystemLog implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(SystemLog.class);
    private static final Map<String, Integer> FACILITIES = Map.ofEntries(Map.entry("user", 1), Map.entry("daemon", 3),
            Map.entry("auth", 4), Map.entry("authpriv", 10), Map.entry("local0", 16), Map.entry("local1", 17),
            Map.entry("local2", 18), Map.entry("local3", 19), Map.entry("local4", 20), Map.entry("local5", 21),
            Map.entry("local6", 22), Map.entry("local7", 23));

    private final SyslogProperties properties;
    private final SyslogTransport transport; // null: off
    private final int facility;
    private final String hostname = hostname();
    private final long pid = ProcessHandle.current().pid();
    private final String sdId;
    private final Counter sent;
    private final Counter failed;
    private final Counter truncated;
    private final AtomicBoolean failing = new AtomicBoolean();

    public SystemLog(SyslogProperties properties, MeterRegistry meters) {
        this.properties = properties;
        Integer code = FACILITIES.get(properties.facility().toLowerCase(Locale.ROOT));
        if (code == null) {
            throw new IllegalArgumentException("flowtrap.syslog.facility must be one of " + new java.util.TreeSet<>(FACILITIES.keySet())
                    + ", not '" + properties.facility() + "'");
        }
        if (properties.maxMessageBytes() < 480) {
            throw new IllegalArgumentException("flowtrap.syslog.max-message-bytes must be at least 480 (RFC 5424), not "
                    + properties.maxMessageBytes());
        }
        this.facility = code;
        this.sdId = "flowtrap@" + properties.enterpriseId();
        try {
            this.transport = properties.target().equals("off") ? null : SyslogTransport.open(properties.target());
        } catch (IOException e) {
            throw new UncheckedIOException("syslog target " + properties.target() + ": " + e.getMessage(), e);
        }
        String what = "syslog messages by outcome (audit events copied to " + properties.target() + ")";
        sent = Counter.builder("flowtrap.syslog.messages").tag("outcome", "sent").description(what).register(meters);
        failed = Counter.builder("flowtrap.syslog.messages").tag("outcome", "failed").description(what).register(meters);
        truncated = Counter.builder("flowtrap.syslog.truncated")
                .description("syslog messages cut to flowtrap.syslog.max-message-bytes").register(meters);
        if (transport != null) {
            log.info("audit events go to syslog at {} (facility {}, SD-ID {})", transport.describe(), properties.facility(), sdId);
        }
    }

    /**
     * Sends one event: {@code msgId} names it (e.g. {@code capture.start}), {@code params} are its
     * fields (in order; null values left out), {@code text} a line for people. Returns whether the
     * system log took it (always false when off).
     */
    public boolean record(String msgId, Severity severity, Map<String, ?> params, String text) {
        if (transport == null) {
            return false;
        }
        SyslogMessage message = SyslogMessage.format(facility, severity, Instant.now(), hostname, properties.appName(), pid,
                msgId, sdId, params, text, properties.maxMessageBytes());
        if (message.truncated()) {
            truncated.increment();
        }
        String refused = transport.send(message.array(), message.length());
        if (refused == null) {
            sent.increment();
            if (failing.get() && failing.compareAndSet(true, false)) {
                log.info("syslog at {} takes messages again", transport.describe());
            }
            return true;
        }
        failed.increment();
        if (failing.compareAndSet(false, true)) {
            log.warn("syslog at {} refused an audit event ({}): such messages are counted"
                    + " (flowtrap_syslog_messages_total, outcome failed) until it takes them again; the audit trail keeps them",
                    transport.describe(), refused);
        }
        return false;
    }

    @Override
    public void destroy() {
        if (transport != null) {
            transport.close();
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "-"; // NILVALUE: the receiver fills in what it knows
        }
    }
}
