package io.flowtrap.manager.e2e;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A probe capturing a live interface, for end-to-end tests: a network namespace of this JVM's own
 * ({@code ftcap<pid>}) with a veth pair ({@code ftA} captured by the probe, {@code ftB} sent into
 * with tcpreplay), the probe ({@code ops/bin/flowtrap-probe run}) inside it with its API on the
 * namespace's 127.0.0.1, and a relay in this JVM from {@link #url()} on the host's loopback to it
 * (the manager's calls cross into the namespace through sockets this JVM opened there; TLS passes
 * through untouched, so the probe's certificate for 127.0.0.1 holds). Nothing leaves the namespace
 * or the loopback.
 */
final class LiveProbe implements AutoCloseable {
    static final String CAPTURE = "ftA";
    static final String SEND = "ftB";
    private static final int CLONE_NEWNET = 0x40000000;

    private interface Libc extends Library {
        Libc INSTANCE = Native.load("c", Libc.class);

        int open(String path, int flags);

        int setns(int fd, int type);

        int close(int fd);
    }

    final String name;
    final Path dir;
    final Path token;
    final Path ca;
    private final String netns;
    private final int apiPort;
    private final ServerSocket relay;
    /** The relay the probe's shipper reaches the manager through ({@link #startShipping}), or null. */
    private ServerSocket outbound;
    private Process probe;

    /** Makes the namespace, the veth pair, the probe's certificates and key, and the relay; {@link #start} runs the probe. */
    LiveProbe(String name, Path dir) throws Exception {
        this.name = name;
        this.dir = Files.createDirectories(dir);
        this.netns = "ftcap" + ProcessHandle.current().pid();
        FlowtrapSystem.run(List.of("ip", "netns", "del", netns)); // a leftover of a killed run
        must(FlowtrapSystem.run(List.of("ip", "netns", "add", netns)), "netns add");
        must(FlowtrapSystem.run(inside("ip", "link", "add", CAPTURE, "type", "veth", "peer", "name", SEND)), "veth");
        must(FlowtrapSystem.run(inside("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")), "no IPv6 chatter");
        for (String dev : List.of("lo", CAPTURE, SEND)) {
            must(FlowtrapSystem.run(inside("ip", "link", "set", dev, "up")), "link up " + dev);
        }
        must(FlowtrapSystem.run(List.of(FlowtrapSystem.REPO.resolve("ops/tls/make-certs").toString(), dir.resolve("tls").toString())),
                "make-certs");
        this.ca = dir.resolve("tls/ca.pem");
        this.token = Files.writeString(dir.resolve("probe-api.token"), io.flowtrap.api.auth.ApiToken.generate());
        this.apiPort = FlowtrapSystem.freePort();
        this.relay = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::relayConnections, "relay-" + name);
        accept.setDaemon(true);
        accept.start();
    }

    /** Where the manager finds the probe's API: the relay, {@code https://127.0.0.1:<port>}. */
    String url() {
        return "https://127.0.0.1:" + relay.getLocalPort();
    }

    /** The manager's arguments that register this probe as number {@code index}. */
    List<String> managerArguments(int index) {
        String p = "--flowtrap.probes[" + index + "].";
        return List.of(p + "name=" + name, p + "url=" + url(), p + "token-file=" + token, p + "ca-certificate=" + ca);
    }

    /** Starts the probe on {@link #CAPTURE} and waits for it to say it is ready. */
    void start() throws Exception {
        start("");
    }

    /**
     * As {@link #start()}, the probe also shipping its events (flow records, watchlist events) to
     * the manager of {@code system} with a probe key of its own, its flows ending after {@code idle}
     * without a packet (whatever the protocol), so that what they make reaches the manager soon.
     * The manager's port is on this JVM's loopback, which the namespace cannot reach: a second relay
     * carries the shipper's connections out.
     */
    void startShipping(FlowtrapSystem system, String idle) throws Exception {
        Path shipperToken = Files.writeString(dir.resolve("shipper.token"), system.probeKeyFor(name));
        int port = FlowtrapSystem.freePort();
        ServerSocket inside = inNamespace(() -> new ServerSocket(port, 50, InetAddress.getLoopbackAddress()));
        int managerPort = Integer.parseInt(system.managerUrl().substring(system.managerUrl().lastIndexOf(':') + 1));
        Thread accept = new Thread(() -> {
            while (!inside.isClosed()) {
                try {
                    Socket in = inside.accept();
                    Socket out = new Socket(InetAddress.getLoopbackAddress(), managerPort);
                    pump(in, out);
                    pump(out, in);
                } catch (IOException e) {
                    if (!inside.isClosed()) {
                        System.err.println("relay out of " + name + ": " + e);
                    }
                }
            }
        }, "relay-out-" + name);
        accept.setDaemon(true);
        accept.start();
        outbound = inside;
        start(String.join("\n", "manager:", "  url: https://127.0.0.1:" + port, "  token-file: " + shipperToken,
                "  ca-certificate: " + system.ca, "  spool-dir: " + dir.resolve("spool"),
                "flows:", "  tcp-new: " + idle, "  tcp-established: " + idle, "  tcp-closed: " + idle, "  udp: " + idle,
                "  icmp: " + idle, "  other: " + idle, ""));
    }

    private void start(String moreYaml) throws Exception {
        Files.writeString(dir.resolve("probe.yaml"), moreYaml + String.join("\n",
                "name: " + name, "capture:", "  interface-name: " + CAPTURE, "store:", "  dir: " + dir.resolve("store"),
                "  max-size: 1GB", "  segment-size: 16MB", "api:", "  listen: 127.0.0.1:" + apiPort,
                "  token-file: " + token, "  tls-certificate: " + dir.resolve("tls/server.pem"),
                "  tls-key: " + dir.resolve("tls/server.key"), "  carve-dir: " + dir.resolve("carves"),
                // no IDS here (triggers arm the flows), but a probe wants an alert source
                "alerts:", "  eve-socket: " + dir.resolve("eve.sock"), ""));
        probe = new ProcessBuilder(inside(FlowtrapSystem.REPO.resolve("ops/bin/flowtrap-probe").toString(), "run", "--config",
                dir.resolve("probe.yaml").toString())).redirectOutput(dir.resolve("probe.out").toFile())
                .redirectError(dir.resolve("probe.err").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(dir.resolve("probe.out")).contains("flowtrap-probe: ready")) {
            if (!probe.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the live probe did not come up:\n" + Files.readString(dir.resolve("probe.err")));
            }
            Thread.sleep(100);
        }
    }

    /** Sends {@code pcap} into {@link #SEND} with tcpreplay (these options, e.g. --mbps 50); fails if tcpreplay does. */
    void replay(Path pcap, String... options) throws Exception {
        List<String> c = new ArrayList<>(List.of("tcpreplay", "-i", SEND));
        c.addAll(List.of(options));
        c.add(pcap.toString());
        must(FlowtrapSystem.run(inside(c.toArray(String[]::new))), "tcpreplay");
    }

    /** The probe's {@code GET /api/v1/triggers} (through the relay, as the manager calls it). */
    com.fasterxml.jackson.databind.JsonNode triggers() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(io.flowtrap.api.tls.PemTls.client(ca))
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url()
                + "/api/v1/triggers")).header("Authorization", "Token " + Files.readString(token).strip()).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /api/v1/triggers: " + r.statusCode() + " " + r.body());
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("triggers");
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("probe.err"));
    }

    private List<String> inside(String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        c.addAll(List.of(command));
        return c;
    }

    private void relayConnections() {
        while (!relay.isClosed()) {
            try {
                Socket outside = relay.accept();
                Socket in = inNamespace(() -> new Socket(InetAddress.getLoopbackAddress(), apiPort));
                pump(outside, in);
                pump(in, outside);
            } catch (Exception e) {
                if (!relay.isClosed()) {
                    System.err.println("relay " + name + ": " + e);
                }
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                in.transferTo(out);
                to.shutdownOutput();
            } catch (IOException e) {
                try {
                    to.close();
                    from.close();
                } catch (IOException ignored) {
                    // both are gone
                }
            }
        }, "relay-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Runs {@code action} on a fresh thread that has joined the namespace (a socket made there stays there). */
    private <T> T inNamespace(Callable<T> action) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            int fd = Libc.INSTANCE.open("/var/run/netns/" + netns, 0);
            if (fd < 0 || Libc.INSTANCE.setns(fd, CLONE_NEWNET) != 0) {
                failure.set(new IllegalStateException("cannot join netns " + netns + ": errno " + Native.getLastError()));
                return;
            }
            Libc.INSTANCE.close(fd);
            try {
                result.set(action.call());
            } catch (Exception e) {
                failure.set(e);
            }
        }, "in-" + netns);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    private static void must(FlowtrapSystem.Run run, String what) {
        if (run.exit() != 0) {
            throw new IllegalStateException(what + " failed: " + run.out() + run.err());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (probe != null && probe.isAlive()) {
                probe.destroy();
                if (!probe.waitFor(30, TimeUnit.SECONDS)) {
                    probe.destroyForcibly();
                }
            }
            relay.close();
            if (outbound != null) {
                outbound.close();
            }
            FlowtrapSystem.run(List.of("ip", "netns", "del", netns));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
