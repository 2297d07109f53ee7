package io.flowtrap.probe.capture;

import io.flowtrap.probe.config.ProbeSettings;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the live source {@code capture.engine} asks for ({@link ProbeSettings.Capture#liveEngine}):
 * the kernel's packet ring ({@link PacketRingSource}) or libpcap ({@link LivePcapSource}), with the
 * settings' interface, filter, snaplen, promiscuous mode and buffer; logs which engine, and for
 * the ring its geometry.
 */
public final class LiveSources {
    private static final Logger log = LoggerFactory.getLogger(LiveSources.class);

    private LiveSources() {}

    /** Opens the configured interface; IOException naming it and the reason on failure. */
    public static LivePacketSource open(ProbeSettings.Capture capture) throws IOException {
        String engine = capture.liveEngine(System.getProperty("os.name"));
        long buffer = capture.buffer().bytes();
        if (engine.equals(ProbeSettings.Capture.ENGINE_RING)) {
            PacketRingSource ring = PacketRingSource.open(capture.interfaceName(), capture.filter(), capture.snaplen(),
                    capture.promiscuous(), buffer);
            log.info("capture engine ring (TPACKET_V3) on {}: {}", capture.interfaceName(), ring.geometry());
            return ring;
        }
        LivePcapSource pcap = LivePcapSource.open(capture.interfaceName(), capture.filter(), capture.snaplen(),
                capture.promiscuous(), (int) Math.min(Integer.MAX_VALUE, buffer));
        log.info("capture engine pcap (libpcap) on {}: buffer {} bytes", capture.interfaceName(), buffer);
        return pcap;
    }
}
