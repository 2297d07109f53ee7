package io.flowtrap.probe.capture;

import io.flowtrap.probe.config.ProbeSettings;
import java.io.IOException;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * Checks a BPF filter before it is handed to a running capture, so that a bad one is refused with
 * libpcap's own words and nothing changes: compiled by libpcap on a dead Ethernet handle as the
 * engine {@code capture.engine} names would take it (the ring engine's {@link SocketFilter}, which
 * also refuses {@code vlan}; for the pcap engine, pcap4j's compile, as its live handle will do).
 * Thread-safe.
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
            return;
        }
        try {
            PcapHandle dead = Pcaps.openDead(DataLinkType.EN10MB, capture.snaplen());
            try {
                BpfProgram program = dead.compileFilter(expression, BpfProgram.BpfCompileMode.OPTIMIZE,
                        PcapHandle.PCAP_NETMASK_UNKNOWN);
                program.free();
            } finally {
                dead.close();
            }
        } catch (PcapNativeException | org.pcap4j.core.NotOpenException e) {
            throw new IOException("BPF filter '" + expression + "' rejected: " + e.getMessage(), e);
        }
    }
}
