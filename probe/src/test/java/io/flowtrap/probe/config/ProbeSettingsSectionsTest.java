package io.flowtrap.probe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The api, manager and replay sections of the probe's settings file. */
class ProbeSettingsSectionsTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "probe", ".yaml"), text);
    }

    @Test
    void theApiManagerAndReplaySectionsAreRead() throws IOException {
        ProbeSettings s = ProbeSettings.read(yaml("""
                name: probe-7
                capture:
                  pcap-file: /data/demo.pcap
                  replay-clock: now
                alerts:
                  eve-file: /data/demo-eve.json
                api:
                  listen: 127.0.0.1:8443
                  token-file: /etc/flowtrap/api.token
                  tls-certificate: /etc/flowtrap/tls/server.pem
                  tls-key: /etc/flowtrap/tls/server.key
                  carve-dir: /var/tmp/carves
                  carve-retention: 30m
                manager:
                  url: https://manager.example:8443
                  token-file: /etc/flowtrap/manager.token
                  ca-certificate: /etc/flowtrap/tls/ca.pem
                  spool-dir: /var/tmp/spool
                """));
        assertThat(s.name()).isEqualTo("probe-7");
        assertThat(s.capture().pcapFile()).isEqualTo(Path.of("/data/demo.pcap"));
        assertThat(s.capture().replayClock()).isEqualTo("now");
        assertThat(s.alerts().eveFile()).isEqualTo(Path.of("/data/demo-eve.json"));
        ProbeSettings.Api api = s.api();
        assertThat(api.listen()).isEqualTo("127.0.0.1:8443");
        assertThat(api.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 8443));
        assertThat(api.tokenFile()).isEqualTo(Path.of("/etc/flowtrap/api.token"));
        assertThat(api.tlsCertificate()).isEqualTo(Path.of("/etc/flowtrap/tls/server.pem"));
        assertThat(api.tlsKey()).isEqualTo(Path.of("/etc/flowtrap/tls/server.key"));
        assertThat(api.carveDir()).isEqualTo(Path.of("/var/tmp/carves"));
        assertThat(api.carveRetention()).isEqualTo(Duration.ofMinutes(30));
        ProbeSettings.Manager manager = s.manager();
        assertThat(manager.url()).isEqualTo("https://manager.example:8443");
        assertThat(manager.tokenFile()).isEqualTo(Path.of("/etc/flowtrap/manager.token"));
        assertThat(manager.caCertificate()).isEqualTo(Path.of("/etc/flowtrap/tls/ca.pem"));
        assertThat(manager.spoolDir()).isEqualTo(Path.of("/var/tmp/spool"));
    }

    @Test
    void withoutTheSectionsThereIsNoApiNoManagerAndTheOriginalClock() throws IOException {
        ProbeSettings s = ProbeSettings.read(yaml("capture:\n  interface-name: eth1\n"));
        assertThat(s.capture().pcapFile()).isNull();
        assertThat(s.capture().replayClock()).isEqualTo("original");
        assertThat(s.api().listen()).isNull();
        assertThat(s.api().tokenFile()).isNull();
        assertThat(s.api().tlsCertificate()).isNull();
        assertThat(s.api().carveDir()).isEqualTo(Path.of("/var/lib/flowtrap/carves"));
        assertThat(s.api().carveRetention()).isEqualTo(Duration.ofHours(1));
        assertThat(s.manager().url()).isNull();
        assertThat(s.manager().caCertificate()).isNull();
        assertThat(s.manager().spoolDir()).isEqualTo(Path.of("/var/lib/flowtrap/spool"));
        // plain HTTP (no TLS pair) is allowed when the token is there
        ProbeSettings plain = ProbeSettings.read(yaml("api:\n  listen: \"[::1]:9000\"\n  token-file: /t\n"));
        assertThat(plain.api().tlsCertificate()).isNull();
        assertThat(plain.api().address().getPort()).isEqualTo(9000);
        assertThat(plain.api().address().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void anUnknownReplayClockIsRefusedNamingTheKey() throws IOException {
        Path file = yaml("capture:\n  pcap-file: /x.pcap\n  replay-clock: tomorrow\n");
        assertThatThrownBy(() -> ProbeSettings.read(file))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capture.replay-clock")
                .hasMessageContaining("'tomorrow'");
    }

    @Test
    void anApiWithoutATokenFileIsRefusedNamingTheKeys() throws IOException {
        Path file = yaml("api:\n  listen: 127.0.0.1:8443\n");
        assertThatThrownBy(() -> ProbeSettings.read(file))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("api: listen needs token-file");
    }

    @Test
    void aCertificateWithoutItsKeyIsRefusedNamingBoth() throws IOException {
        Path certOnly = yaml("api:\n  listen: 127.0.0.1:8443\n  token-file: /t\n  tls-certificate: /c.pem\n");
        assertThatThrownBy(() -> ProbeSettings.read(certOnly))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("api: set both tls-certificate and tls-key");
        Path keyOnly = yaml("api:\n  listen: 127.0.0.1:8443\n  token-file: /t\n  tls-key: /k.pem\n");
        assertThatThrownBy(() -> ProbeSettings.read(keyOnly)).hasMessageContaining("tls-certificate and tls-key");
    }

    @Test
    void aManagerUrlWithoutATokenFileIsRefusedNamingTheKeys() throws IOException {
        Path file = yaml("manager:\n  url: https://manager:8443\n");
        assertThatThrownBy(() -> ProbeSettings.read(file))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("manager: url needs token-file");
    }

    @Test
    void aListenAddressThatIsNotHostAndPortIsRefused() throws IOException {
        ProbeSettings noPort = ProbeSettings.read(yaml("api:\n  listen: localhost\n  token-file: /t\n"));
        assertThatThrownBy(() -> noPort.api().address()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("api.listen must be host:port, got localhost");
        ProbeSettings badPort = ProbeSettings.read(yaml("api:\n  listen: localhost:https\n  token-file: /t\n"));
        assertThatThrownBy(() -> badPort.api().address()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("api.listen must be host:port");
    }
}
