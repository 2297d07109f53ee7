package io.flowtrap.probe.spool;

import io.flowtrap.api.tls.PemTls;

import static io.flowtrap.probe.spool.SpoolShipperTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipper over real TLS: a self-signed manager certificate trusted through its PEM file. */
class SpoolTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path keys;

    private static Path pem;
    private static SSLContext serverTls;

    @BeforeAll
    static void makeCertificate() throws Exception {
        Path keystore = keys.resolve("manager.p12");
        pem = keys.resolve("manager-ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "manager", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=manager", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD));
        run(keytool, "-exportcert", "-rfc", "-alias", "manager", "-keystore", keystore.toString(),
                "-storepass", new String(PASSWORD), "-file", pem.toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static SpoolConfig config(ManagerStandIn manager, Path ca) {
        return new SpoolConfig(manager.url(), "tok", ca, 50, "probe-a",
                Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(5));
    }

    @Test
    void deliversOverHttpsTrustingThePemCertificate(@TempDir Path dir) throws Exception {
        try (ManagerStandIn manager = ManagerStandIn.https(serverTls, ManagerStandIn.always(202));
             EventSpool spool = new EventSpool(dir)) {
            for (int i = 0; i < 120; i++) {
                spool.append(EventSpool.ALERT, "{\"n\":" + i + "}");
            }
            try (SpoolShipper shipper = new SpoolShipper(spool, config(manager, pem)).start()) {
                await("all delivered", Duration.ofSeconds(10), () -> shipper.shipped() == 120);
                assertThat(shipper.failures()).isZero();
            }
            assertThat(manager.acceptedEvents()).extracting(e -> e.get("n").asInt())
                    .isEqualTo(java.util.stream.IntStream.range(0, 120).boxed().toList());
        }
    }

    @Test
    void anUntrustedCertificateIsAFailureThatKeepsTheEvents(@TempDir Path dir) throws Exception {
        try (ManagerStandIn manager = ManagerStandIn.https(serverTls, ManagerStandIn.always(200));
             EventSpool spool = new EventSpool(dir)) {
            spool.append(EventSpool.ALERT, "{\"n\":0}");
            try (SpoolShipper shipper = new SpoolShipper(spool, config(manager, null)).start()) { // JDK default trust
                await("TLS failures", Duration.ofSeconds(10), () -> shipper.failures() >= 2);
                assertThat(shipper.shipped()).isZero();
                assertThat(shipper.rejected()).isZero();
            }
            assertThat(manager.accepted()).isEmpty();
            try (SpoolShipper trusting = new SpoolShipper(spool, config(manager, pem)).start()) {
                await("delivered once trusted", Duration.ofSeconds(10), () -> trusting.shipped() == 1);
            }
            assertThat(manager.accepted()).hasSize(1);
        }
    }

    @Test
    void aFileWithoutACertificateIsRefusedUpFront() throws Exception {
        Path empty = Files.writeString(keys.resolve("empty.pem"), "");
        assertThatThrownBy(() -> PemTls.client(empty)).isInstanceOf(IOException.class);
        assertThat(PemTls.client(pem).getProtocol()).isEqualTo("TLS");
        assertThat(List.of(PemTls.client(null))).containsExactly(SSLContext.getDefault());
    }
}
