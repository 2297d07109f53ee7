package io.flowtrap.probe.capture;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.probe.config.ProbeSettings;
import org.junit.jupiter.api.Test;

/** A filter is checked by libpcap as the configured engine would take it, before a running capture sees it. */
class CaptureFiltersTest {
    private static ProbeSettings.Capture engine(String engine) {
        return new ProbeSettings.Capture("eth0", null, null, null, 0, null, null, engine);
    }

    @Test
    void libpcapSaysWhatIsWrongForEitherEngine() {
        for (String e : new String[] {"ring", "pcap"}) {
            assertThatThrownBy(() -> CaptureFilters.check("tcp and (", engine(e)))
                    .hasMessageStartingWith("BPF filter 'tcp and (' rejected: ").hasMessageContaining("syntax error");
            assertThatThrownBy(() -> CaptureFilters.check("port 99999", engine(e))).hasMessageContaining("port 99999");
            assertThatCode(() -> CaptureFilters.check("tcp port 80 and not host 10.0.0.1", engine(e))).doesNotThrowAnyException();
            assertThatCode(() -> CaptureFilters.check("", engine(e))).doesNotThrowAnyException();
        }
    }

    @Test
    void vlanIsTheRingEnginesRefusalOnly() {
        assertThatThrownBy(() -> CaptureFilters.check("vlan 7 and tcp", engine("ring")))
                .hasMessageContaining("the ring engine cannot filter on 'vlan'");
        assertThatCode(() -> CaptureFilters.check("vlan 7 and tcp", engine("pcap"))).doesNotThrowAnyException();
    }
}
