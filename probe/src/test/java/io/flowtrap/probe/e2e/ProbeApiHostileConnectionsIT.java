package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.api.tls.PemTls;
import io.flowtrap.probe.api.HttpServerLimits;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile-input suite (issue 8, item 3): the probe daemon's HTTPS API, started as operators start it
 * ({@code flowtrap-probe run}, replaying ops/demo-data), against clients that hold connections open:
 * half-open TLS handshakes, senders that dribble their headers, a 2 MB header, more connections than
 * the cap. The API must keep answering health and carves, and cut each of those by itself.
 */
@Tag("hostile-input")
class ProbeApiHostileConnectionsIT {
    private static final Path DEMO = Tools.REPO.resolve("ops/demo-data");
    private static final String TOKEN = "feedfacefeedfacefeedfacefeedfacefeedface";
    private static final HttpServerLimits LIMITS = HttpServerLimits.DEFAULTS; // the daemon runs with the defaults
    private static final int HOLDERS = 50;

    @TempDir
    static Path work;

    private static Process probe;
    private static int port;
    private static SSLContext clientTls;
    private static HttpClient http;

    @BeforeAll
    static void startProbe() throws Exception {
        Path tls = work.resolve("tls");
        Tools.Run certs = Tools.run(work, List.of(Tools.REPO.resolve("ops/tls/make-certs").toString(), tls.toString()));
        assertThat(certs.exit()).as(certs.err()).isZero();
        Files.writeString(work.resolve("api.token"), TOKEN + "\n");
        Files.writeString(work.resolve("probe.yaml"), """
                name: hostile-probe
                capture:
                  pcap-file: %s
                alerts:
                  eve-file: %s
                store:
                  dir: %s
                  max-size: 1GB
                  segment-size: 16MB
                api:
                  listen: 127.0.0.1:0
                  token-file: %s
                  tls-certificate: %s
                  tls-key: %s
                  carve-dir: %s
                """.formatted(DEMO.resolve("demo.pcap"), DEMO.resolve("demo-eve.json"), work.resolve("store"),
                work.resolve("api.token"), tls.resolve("server.pem"), tls.resolve("server.key"), work.resolve("carves")));
        Path out = work.resolve("probe.out");
        probe = new ProcessBuilder(Tools.REPO.resolve("ops/bin/flowtrap-probe").toString(), "run", "--config",
                work.resolve("probe.yaml").toString()).redirectOutput(out.toFile())
                .redirectError(work.resolve("probe.log").toFile()).start();
        Tools.awaitText(out, "flowtrap-probe: ready", 180);
        Matcher m = Pattern.compile("api https://127\\.0\\.0\\.1:(\\d+)").matcher(Files.readString(out));
        assertThat(m.find()).as(Files.readString(out)).isTrue();
        port = Integer.parseInt(m.group(1));
        clientTls = PemTls.client(tls.resolve("ca.pem"));
        http = HttpClient.newBuilder().sslContext(clientTls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopProbe() throws Exception {
        if (probe != null) {
            probe.destroy();
            if (!probe.waitFor(30, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
            }
        }
    }

    /** Well inside the request time: an answer this fast did not wait for a hostile connection to be cut. */
    private static final Duration PROMPT = Duration.ofSeconds(LIMITS.maxRequestSeconds() / 2);

    private static HttpResponse<String> health() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/health")).timeout(PROMPT)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersHealthAndCarvesWhileFiftyHalfOpenTlsHandshakesAndFiftySlowSendersHoldOn() throws Exception {
        List<Socket> halfOpen = new ArrayList<>();
        List<SSLSocket> slow = new ArrayList<>();
        byte[] request = "GET /api/v1/store HTTP/1.1\r\nHost: probe\r\nAuthorization: Token ".getBytes(StandardCharsets.US_ASCII);
        long started = System.nanoTime();
        try {
            for (int i = 0; i < HOLDERS; i++) {
                Socket s = new Socket("127.0.0.1", port);
                // a TLS record header announcing a 512-byte ClientHello, then its first bytes, then silence
                s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
                s.getOutputStream().flush();
                halfOpen.add(s);
            }
            for (int i = 0; i < HOLDERS; i++) {
                SSLSocket s = (SSLSocket) clientTls.getSocketFactory().createSocket("127.0.0.1", port);
                s.setSoTimeout((int) PROMPT.toMillis()); // a server whose workers are all held never answers the handshake
                s.startHandshake();
                s.getOutputStream().write(request[0]);
                s.getOutputStream().flush();
                slow.add(s);
            }
            Thread dribbler = new Thread(() -> dribble(slow, request), "dribbler");
            dribbler.setDaemon(true);
            dribbler.start();

            for (int i = 0; i < 5; i++) {
                HttpResponse<String> health = health();
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.body()).contains("\"status\":\"ok\"");
            }
            String alert = Files.readAllLines(DEMO.resolve("demo-eve.json")).get(0);
            HttpResponse<String> carve = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/carves/hostile-1"))
                    .timeout(PROMPT).header("Authorization", "Token " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(alert)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(carve.statusCode()).as(carve.body()).isEqualTo(200);
            assertThat(carve.body()).contains("\"outcome\":\"found\"");
            HttpResponse<byte[]> pcap = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/carves/hostile-1"))
                    .timeout(PROMPT).header("Authorization", "Token " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(pcap.statusCode()).isEqualTo(200);
            assertThat(pcap.body().length).isGreaterThan(24);

            // they held on all along: none was cut before the request time
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(LIMITS.maxRequestSeconds()));
            for (Socket s : halfOpen) {
                assertThat(stillOpen(s)).isTrue();
            }
            // then the server cuts every one of them by itself, a request time after its first byte
            for (Socket s : halfOpen) {
                assertClosedByServer(s);
            }
            for (SSLSocket s : slow) {
                assertClosedByServer(s);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(LIMITS.maxRequestSeconds()));
            dribbler.interrupt();
            assertThat(health().statusCode()).isEqualTo(200);
        } finally {
            closeAll(halfOpen);
            closeAll(slow);
        }
    }

    /** One byte a second to each slow sender: the request's headers, never their end. */
    private static void dribble(List<SSLSocket> slow, byte[] request) {
        try {
            for (int i = 1; !Thread.currentThread().isInterrupted(); i++) {
                Thread.sleep(1000); // the attack's pace, not a wait for the system
                for (SSLSocket s : slow) {
                    try {
                        s.getOutputStream().write(request[i % request.length]);
                        s.getOutputStream().flush();
                    } catch (IOException e) {
                        // cut by the server: what the test waits for
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aTwoMegabyteHeaderIsCutAtTheHeaderCapBeforeAuthentication() throws Exception {
        try (SSLSocket s = (SSLSocket) clientTls.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSendBufferSize(16 * 1024);
            s.setSoTimeout((int) PROMPT.toMillis());
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write("GET /api/v1/store HTTP/1.1\r\nHost: probe\r\nX-Padding: ".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[8192];
            Arrays.fill(chunk, (byte) 'a');
            long written = 0;
            IOException cut = null;
            try {
                while (written < 2L << 20) {
                    out.write(chunk);
                    written += chunk.length;
                }
                out.write(("\r\nAuthorization: Token " + TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                cut = e;
            }
            // the valid key comes after the 2 MB: had the server read that far, it would have answered 200;
            // it stopped at its cap and closed unanswered (how much the client wrote depends on socket buffers)
            assertThat(readAnswer(s)).as("after %d bytes written (%s)", written, cut).doesNotContain("HTTP/1.1");
        }
        assertThat(health().statusCode()).isEqualTo(200);
    }

    @Test
    void connectionsBeyondTheCapAreClosedAsTheyArriveAndTheApiAnswersOnceTheyGo() throws Exception {
        int beyond = 20;
        // the test's own HTTP client keeps a few connections alive; they take slots too
        int othersAtMost = 8;
        List<SocketChannel> opened = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < LIMITS.maxConnections() + beyond; i++) {
                // connected and silent: a connection slot taken, no worker held
                SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ, i);
                opened.add(c);
            }
            Set<Integer> closed = new TreeSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMITS.maxRequestSeconds());
            ByteBuffer buffer = ByteBuffer.allocate(64);
            while (closed.size() < beyond && System.nanoTime() < deadline) {
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    buffer.clear();
                    int n;
                    try {
                        n = ((SocketChannel) key.channel()).read(buffer);
                    } catch (IOException e) {
                        n = -1;
                    }
                    if (n < 0) {
                        closed.add((Integer) key.attachment());
                        key.cancel();
                    }
                }
                selector.selectedKeys().clear();
            }
            assertThat(closed).as("connections the server closed as they arrived").hasSizeGreaterThanOrEqualTo(beyond);
            // the ones it closed came last: those under the cap were kept
            assertThat(closed).allMatch(i -> i >= LIMITS.maxConnections() - othersAtMost);
        } finally {
            closeAll(opened);
        }
        // the server notices the holders went when it next reads them; health gets through then
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                assertThat(health().statusCode()).isEqualTo(200);
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private static boolean stillOpen(Socket s) throws IOException {
        s.setSoTimeout(1);
        try {
            return s.getInputStream().read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void assertClosedByServer(Socket s) throws IOException {
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(LIMITS.maxRequestSeconds() + 5));
        try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // a TLS alert or nothing; the end of the stream is what counts
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server left a hostile connection open past its request time", e);
        } catch (IOException e) {
            // reset or TLS closed: cut by the server
        }
    }

    private static String readAnswer(Socket s) throws IOException {
        s.setSoTimeout((int) PROMPT.toMillis());
        try {
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed", e);
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeAll(List<? extends Closeable> sockets) {
        for (Closeable s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing a socket the server already cut
            }
        }
    }
}
