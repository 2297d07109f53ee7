package io.flowtrap.probe.capture;

import io.flowtrap.probe.config.ProbeSettings;
import java.io.IOException;

/**
 * Checks a BPF filter before it is handed to a running capture, so that a bad one is refused with
 * libpcap's own words and nothing changes: compiled by libpcap (on a dead Ethernet handle) as the
 * engine {@code capture.engine} names would take it (the ring engine also refuses {@code vlan},
 * see {@link SocketFilter}). Thread-safe.
 */
public final class CaptureFilters {
    private CaptureFilters() {}

    /**
     * Compiles {@code expression} (blank: no filter, always fine) for {@code capture}'s engine.
     *
     * @throws IOException whose message is libpcap's reason (or the ring engine's for {@code vlan})
     */
    public static void check(String expression, ProbeSettings.Capture capture) throws IOException {
        if (expression == null || expression.isBlank()) {
            return;
        }
        if (capture.liveEngine(System.getProperty("os.name")).equals(ProbeSettings.Capture.ENGINE_RING)) {
            SocketFilter.compile(expression, capture.snaplen());
        } else {
            SocketFilter.compileAnyKeyword(expression, capture.snaplen());
        }
    }
}
