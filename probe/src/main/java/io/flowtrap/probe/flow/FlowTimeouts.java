package io.flowtrap.probe.flow;

import java.time.Duration;

/**
 * Idle timeouts per kind of flow, as Suricata's {@code flow-timeouts}. {@code tcpClosed} is how long
 * a closed TCP flow lingers, so its final ACKs and late alerts still find it.
 */
public record FlowTimeouts(
        Duration tcpNew, Duration tcpEstablished, Duration tcpClosed, Duration udp, Duration icmp, Duration other) {

    public FlowTimeouts {
        for (Duration d : new Duration[] {tcpNew, tcpEstablished, tcpClosed, udp, icmp, other}) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("flow timeouts must be zero or positive");
            }
        }
    }

    /** Suricata 7's defaults, but a closed flow lingers 60 s instead of 0 so late alerts match it. */
    public static FlowTimeouts defaults() {
        return new FlowTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(600), Duration.ofSeconds(60),
                Duration.ofSeconds(300), Duration.ofSeconds(300), Duration.ofSeconds(300));
    }
}
