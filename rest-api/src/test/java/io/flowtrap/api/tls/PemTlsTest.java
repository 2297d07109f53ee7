package io.flowtrap.api.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contexts from the PEM files ops/tls/make-certs writes, proven by real handshakes on 127.0.0.1. */
class PemTlsTest {
    @TempDir
    static Path tmp;

    private static Path certs;
    private static Path otherCerts;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = makeCerts(tmp.resolve("certs"));
        otherCerts = makeCerts(tmp.resolve("other"));
    }

    /** Runs the repository's ops/tls/make-certs into {@code dir}. */
    static Path makeCerts(Path dir) throws Exception {
        Path script = repoRoot().resolve("ops/tls/make-certs");
        Process p = new ProcessBuilder(script.toString(), dir.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("make-certs finished").isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return dir;
    }

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("ops/tls/make-certs"))) {
                return p;
            }
        }
        throw new IllegalStateException("no ops/tls/make-certs above " + Path.of("").toAbsolutePath());
    }

    /**
     * Serves one TLS connection with {@code server} on 127.0.0.1 and connects to it with
     * {@code client} (host name checked as HTTPS would); returns what the client read back.
     */
    private static String handshake(SSLContext server, SSLContext client) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(5000);
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(5000);
                    s.startHandshake();
                    s.getOutputStream().write("hello\n".getBytes());
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // the client refused us: the test looks at the client's side
                }
            });
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort())) {
                socket.setSoTimeout(5000);
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                X509Certificate peer = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                assertThat(peer.getSubjectX500Principal().getName()).contains("O=flowtrap");
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[6];
                int n = in.readNBytes(buffer, 0, 6);
                return new String(buffer, 0, n);
            } finally {
                served.get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aClientTrustingTheLocalCaCompletesAHandshakeWithTheServerCertificate() throws Exception {
        SSLContext server = PemTls.server(certs.resolve("server.pem"), certs.resolve("server.key"));
        SSLContext client = PemTls.client(certs.resolve("ca.pem"));
        assertThat(handshake(server, client)).isEqualTo("hello\n");
    }

    @Test
    void aClientTrustingAnotherCaFailsTheHandshake() throws Exception {
        SSLContext server = PemTls.server(certs.resolve("server.pem"), certs.resolve("server.key"));
        SSLContext client = PemTls.client(otherCerts.resolve("ca.pem"));
        assertThatThrownBy(() -> handshake(server, client)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void theServerPresentsTheWholeChainFromThePemFile() throws Exception {
        assertThat(PemTls.readCertificates(certs.resolve("server.pem"))).hasSize(2);
        assertThat(PemTls.readCertificates(certs.resolve("ca.pem"))).hasSize(1);
        assertThat(PemTls.readPrivateKey(certs.resolve("server.key"))).isInstanceOf(ECPrivateKey.class);
    }

    @Test
    void anRsaPkcs8KeyIsReadToo() throws Exception {
        Path key = tmp.resolve("rsa.key");
        Process p = new ProcessBuilder("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", key.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(PemTls.readPrivateKey(key)).isInstanceOf(RSAPrivateKey.class);
    }

    @Test
    void aFileWithoutAKeyIsAClearIoException() {
        Path pem = certs.resolve("server.pem");
        assertThatThrownBy(() -> PemTls.server(pem, pem))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot build a TLS server context")
                .hasMessageContaining(pem + " holds no PKCS#8 key (-----BEGIN PRIVATE KEY-----)");
    }

    @Test
    void aFileWithoutACertificateIsAClearIoException() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.pem"), "");
        assertThatThrownBy(() -> PemTls.server(empty, certs.resolve("server.key")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no certificate in " + empty);
        assertThatThrownBy(() -> PemTls.client(empty))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot build a TLS client context trusting " + empty)
                .hasMessageContaining("no certificate in " + empty);
        Path key = certs.resolve("server.key");
        assertThatThrownBy(() -> PemTls.client(key))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot build a TLS client context trusting " + key);
    }

    @Test
    void aMissingFileIsAnIoExceptionAndNoCaMeansTheJdkDefaults() throws Exception {
        assertThatThrownBy(() -> PemTls.client(tmp.resolve("absent.pem"))).isInstanceOf(IOException.class);
        assertThat(PemTls.client(null)).isSameAs(SSLContext.getDefault());
    }
}
