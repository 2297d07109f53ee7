package io.flowtrap.probe.flow;

/** Why a flow left the flow table. */
public enum FlowEndReason {
    /** FIN both ways or RST, then the closed-flow linger passed (or a new SYN reused the tuple). */
    TCP_CLOSED,
    /** No packet for the flow's idle timeout. */
    IDLE_TIMEOUT,
    /** The table was full and this was the least recently active flow. */
    EVICTED,
    /** The probe stopped. */
    SHUTDOWN
}
