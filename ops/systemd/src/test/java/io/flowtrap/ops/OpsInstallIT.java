package io.flowtrap.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flowtrap.testkit.ElasticsearchNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * ops/install and the systemd units it installs, on the probe and manager this build made. Always:
 * an install into a directory of the build (twice: it is idempotent and keeps keys and configs),
 * the owners and modes of what it wrote, and {@code systemd-analyze verify} of the units. When
 * systemd runs this machine (/run/systemd/system): an install into a scratch prefix, both units
 * started for real, their health endpoints answering, each running as its own user with the
 * capabilities it was given (the probe CAP_NET_RAW and CAP_NET_ADMIN only, the manager none).
 */
@Tag("hostile-input")
class OpsInstallIT {
    private static final Path REPO = ElasticsearchNode.repository();
    /** CAP_NET_ADMIN (12) and CAP_NET_RAW (13), as /proc/PID/status prints capability sets. */
    private static final long NET_CAPABILITIES = (1L << 12) | (1L << 13);

    @Test
    void installWritesKeysOwnerOnlyAndUnitsSystemdAccepts() throws Exception {
        assumeTrue(isRoot(), "ops/install runs as root (it creates users); this build does not");
        Path root = REPO.resolve("ops/systemd/target/install-it");
        run(List.of("rm", "-rf", root.toString()));
        List<String> install = List.of(REPO.resolve("ops/install").toString(), "--prefix", root.resolve("opt").toString(),
                "--etc", root.resolve("etc").toString(), "--unit-dir", root.resolve("units").toString(),
                "--sysctl-dir", root.resolve("sysctl").toString(), "--name", "flowtrap-verify");
        Result first = run(install);
        assertThat(first.exit()).as(first.output()).isZero();
        String key = Files.readString(root.resolve("etc/probe-api.token"));
        String serverKey = Files.readString(root.resolve("etc/tls/server.key"));
        Files.writeString(root.resolve("etc/probe.yaml"), "\n# the operator's edit\n", java.nio.file.StandardOpenOption.APPEND);
        Result again = run(install);
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(Files.readString(root.resolve("etc/probe-api.token"))).as("keys are kept").isEqualTo(key);
        assertThat(Files.readString(root.resolve("etc/tls/server.key"))).isEqualTo(serverKey);
        assertThat(Files.readString(root.resolve("etc/probe.yaml"))).as("configs are the operator's").endsWith("# the operator's edit\n");

        assertMode(root.resolve("etc/probe-api.token"), "root", "root", "rw-------");
        assertMode(root.resolve("etc/tls/server.key"), "root", "root", "rw-------");
        assertMode(root.resolve("etc/tls/ca.key"), "root", "root", "rw-------");
        assertMode(root.resolve("etc/tls/ca.pem"), "root", "root", "rw-r--r--");
        assertMode(root.resolve("etc/probe/server.key"), "flowtrap-probe", "flowtrap-probe", "rw-------");
        assertMode(root.resolve("etc/probe/probe-api.token"), "flowtrap-probe", "flowtrap-probe", "rw-------");
        assertMode(root.resolve("etc/manager/server.key"), "flowtrap-manager", "flowtrap-manager", "rw-------");
        assertMode(root.resolve("etc/manager/probe-api.token"), "flowtrap-manager", "flowtrap-manager", "rw-------");
        assertMode(root.resolve("etc/probe"), "root", "flowtrap-probe", "rwxr-x---");
        assertThat(Files.readString(root.resolve("etc/manager/probe-api.token"))).as("the manager presents the probe's key").isEqualTo(key);
        assertMode(root.resolve("etc/probe.yaml"), "root", "flowtrap-probe", "rw-r-----");
        assertMode(root.resolve("etc/manager.yml"), "root", "flowtrap-manager", "rw-r-----");
        assertMode(root.resolve("opt/bin/flowtrap-probe"), "root", "root", "rwxr-xr-x");
        assertMode(root.resolve("opt/lib/flowtrap-manager/flowtrap-manager.jar"), "root", "root", "rw-r--r--");
        assertMode(root.resolve("units/flowtrap-verify-probe.service"), "root", "root", "rw-r--r--");
        assertMode(root.resolve("sysctl/90-flowtrap-eve-socket.conf"), "root", "root", "rw-r--r--");

        String probeUnit = Files.readString(root.resolve("units/flowtrap-verify-probe.service"));
        assertThat(probeUnit).doesNotContain("@PREFIX@", "@ETC@", "@NAME@", "@STATE@").contains(
                "ExecStart=" + root.resolve("opt/bin/flowtrap-probe") + " run --config " + root.resolve("etc/probe.yaml"),
                "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN", "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN",
                "StateDirectory=flowtrap-verify/probe", "RuntimeDirectory=flowtrap-verify", "ProtectSystem=strict");
        assertThat(Files.readString(root.resolve("etc/probe.yaml")))
                .contains("dir: /var/lib/flowtrap-verify/probe/store", "eve-socket: /run/flowtrap-verify/eve/eve.sock",
                        "token-file: " + root.resolve("etc/probe/probe-api.token"));
        assertThat(Files.readString(root.resolve("etc/manager.yml")))
                .contains("data-dir: /var/lib/flowtrap-verify/manager", "certificate-private-key: " + root.resolve("etc/manager/server.key"));

        Result verify = run(List.of("systemd-analyze", "verify", root.resolve("units/flowtrap-verify-probe.service").toString(),
                root.resolve("units/flowtrap-verify-manager.service").toString()));
        assertThat(verify.exit()).as(verify.output()).isZero();
        // it warns and still answers 0 for an unknown key or a bad value: none may name our units
        assertThat(verify.output()).as(verify.output()).doesNotContain("flowtrap-verify-");
    }

    @Test
    void bothUnitsStartUnderSystemdAndAnswerTheirHealthChecks() throws Exception {
        assumeTrue(isRoot(), "ops/install runs as root; this build does not");
        assumeTrue(Files.isDirectory(Path.of("/run/systemd/system")),
                "systemd is not PID 1 on this machine (no /run/systemd/system): the units were checked with"
                        + " systemd-analyze verify only, not started");
        String name = "flowtrap-it";
        Path prefix = Path.of("/opt/" + name); // not under /tmp, /root or /home: the units hide those
        Path etc = Path.of("/etc/" + name);
        Path units = Path.of("/run/systemd/system"); // runtime units: gone at the next boot whatever happens here
        try {
            Result install = run(List.of(REPO.resolve("ops/install").toString(), "--prefix", prefix.toString(), "--etc",
                    etc.toString(), "--unit-dir", units.toString(), "--sysctl-dir", prefix.resolve("sysctl").toString(),
                    "--name", name));
            assertThat(install.exit()).as(install.output()).isZero();
            int probePort = freePort();
            int managerPort = freePort();
            Files.writeString(etc.resolve("probe.yaml"), String.join("\n",
                    "name: it-probe",
                    "capture:",
                    "  interface-name: lo",
                    "flows:",
                    "  max-flows: 10000",
                    "lookback:",
                    "  size: 16MB",
                    "store:",
                    "  dir: /var/lib/" + name + "/probe/store",
                    "  max-size: 256MB",
                    "  segment-size: 16MB",
                    "  write-buffer: 16MB",
                    "alerts:",
                    "  eve-socket: /run/" + name + "/eve/eve.sock",
                    "api:",
                    "  listen: 127.0.0.1:" + probePort,
                    "  token-file: " + etc.resolve("probe/probe-api.token"),
                    "  tls-certificate: " + etc.resolve("tls/server.pem"),
                    "  tls-key: " + etc.resolve("probe/server.key"),
                    "  carve-dir: /var/lib/" + name + "/probe/carves",
                    ""));
            Files.writeString(etc.resolve("manager.yml"), String.join("\n",
                    "server:",
                    "  port: " + managerPort,
                    "  ssl:",
                    "    certificate: " + etc.resolve("tls/server.pem"),
                    "    certificate-private-key: " + etc.resolve("manager/server.key"),
                    "spring:",
                    "  elasticsearch:",
                    "    uris: " + ElasticsearchNode.shared().url(),
                    "flowtrap:",
                    "  data-dir: /var/lib/" + name + "/manager",
                    "  alert-index-prefix: " + name + "-alerts-",
                    "  flow-index-prefix: " + name + "-flows-",
                    "  probes:",
                    "    - name: it-probe",
                    "      url: https://127.0.0.1:" + probePort,
                    "      token-file: " + etc.resolve("manager/probe-api.token"),
                    "      ca-certificate: " + etc.resolve("tls/ca.pem"),
                    ""));
            Result start = run(List.of("systemctl", "start", name + "-probe.service", name + "-manager.service"));
            assertThat(start.exit()).as(start.output() + journal(name)).isZero();
            HttpClient https = HttpClient.newBuilder().sslContext(trusting(etc.resolve("tls/ca.pem"))).build();
            String probeHealth = awaitOk(https, "https://127.0.0.1:" + probePort + "/api/v1/health", name + "-probe", name);
            assertThat(probeHealth).contains("\"status\"", "it-probe");
            String managerHealth = awaitOk(https, "https://127.0.0.1:" + managerPort + "/rest/health", name + "-manager", name);
            assertThat(managerHealth).contains("\"ok\"");

            Map<String, String> probe = processStatus(name + "-probe.service");
            assertThat(probe.get("Uid").split("\\s+")[0]).isEqualTo(uid("flowtrap-probe"));
            assertThat(Long.parseLong(probe.get("CapEff"), 16)).as("the probe's effective capabilities").isEqualTo(NET_CAPABILITIES);
            assertThat(Long.parseLong(probe.get("CapBnd"), 16)).as("and all it could ever get").isEqualTo(NET_CAPABILITIES);
            Map<String, String> manager = processStatus(name + "-manager.service");
            assertThat(manager.get("Uid").split("\\s+")[0]).isEqualTo(uid("flowtrap-manager"));
            assertThat(Long.parseLong(manager.get("CapEff"), 16)).isZero();
            assertThat(Long.parseLong(manager.get("CapBnd"), 16)).isZero();
            Path socket = Path.of("/run/" + name + "/eve/eve.sock");
            PosixFileAttributes eve = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertThat(eve.group().getName()).as("Suricata's group may connect").isEqualTo("flowtrap-eve");
            assertThat(PosixFilePermissions.toString(eve.permissions())).isEqualTo("rw-rw----");
            // a user in group flowtrap-eve connects; the same user without it may not
            String connect = "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.close()";
            Result member = run(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--groups=flowtrap-eve",
                    "/usr/bin/python3", "-c", connect, socket.toString()));
            assertThat(member.exit()).as(member.output()).isZero();
            Result stranger = run(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    "/usr/bin/python3", "-c", connect, socket.toString()));
            assertThat(stranger.exit()).isNotZero();
            assertThat(stranger.output()).contains("PermissionError");

            // SIGTERM ends both cleanly: stopped, not failed
            Result stop = run(List.of("systemctl", "stop", name + "-probe.service", name + "-manager.service"));
            assertThat(stop.exit()).as(stop.output()).isZero();
            for (String unit : List.of(name + "-probe.service", name + "-manager.service")) {
                Result state = run(List.of("systemctl", "show", "--property=ActiveState,Result", unit));
                assertThat(state.output()).as(unit + journal(name)).contains("ActiveState=inactive", "Result=success");
            }
        } finally {
            run(List.of("systemctl", "stop", name + "-probe.service", name + "-manager.service"));
            Files.deleteIfExists(units.resolve(name + "-probe.service"));
            Files.deleteIfExists(units.resolve(name + "-manager.service"));
            run(List.of("systemctl", "daemon-reload"));
            run(List.of("rm", "-rf", prefix.toString(), etc.toString(), "/var/lib/" + name, "/var/log/" + name));
        }
    }

    @Test
    void opsScriptsRefuseARunDirectoryOfAnotherUser() throws Exception {
        assumeTrue(isRoot(), "making a directory of another user needs root");
        Path foreign = REPO.resolve("ops/systemd/target/foreign-run-dir");
        run(List.of("rm", "-rf", foreign.toString()));
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("probe.pid"), "1\n"); // what a --stop would kill, were it trusted
        Result chown = run(List.of("chown", "-R", "nobody", foreign.toString()));
        assertThat(chown.exit()).as(chown.output()).isZero();
        // (ops/bench/run makes the same check, by the same function, before it builds: not run here)
        Map<String, String> scripts = Map.of("FLOWTRAP_DEMO_DIR", "ops/demo", "FLOWTRAP_ES_HOME", "ops/elasticsearch/start");
        for (var script : scripts.entrySet()) {
            // port 1: no Elasticsearch answers there, so the script does not stop at "already running"
            Result r = run(List.of(REPO.resolve(script.getValue()).toString()),
                    Map.of(script.getKey(), foreign.toString(), "FLOWTRAP_ES_PORT", "1"));
            assertThat(r.exit()).as(script.getValue() + ": " + r.output()).isNotZero();
            assertThat(r.output()).as(script.getValue()).contains(foreign + " belongs to nobody, not to root",
                    "set " + script.getKey());
        }
        for (String stop : List.of("ops/demo --stop", "ops/elasticsearch/stop")) {
            List<String> command = new ArrayList<>(Arrays.asList(stop.split(" ")));
            command.set(0, REPO.resolve(command.get(0)).toString());
            Result r = run(command, Map.of("FLOWTRAP_DEMO_DIR", foreign.toString(), "FLOWTRAP_ES_HOME", foreign.toString()));
            assertThat(r.exit()).as(stop + ": " + r.output()).isNotZero();
            assertThat(r.output()).as(stop).contains("belongs to nobody");
        }
        Path link = REPO.resolve("ops/systemd/target/linked-run-dir");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, foreign);
        Result linked = run(List.of(REPO.resolve("ops/demo").toString()), Map.of("FLOWTRAP_DEMO_DIR", link.toString()));
        assertThat(linked.exit()).isNotZero();
        assertThat(linked.output()).contains(link + " is a symbolic link");
    }

    @Test
    void makeCertsWritesItsKeysOwnerOnly() throws Exception {
        Path dir = REPO.resolve("ops/systemd/target/make-certs-it");
        run(List.of("rm", "-rf", dir.toString()));
        Result r = run(List.of("sh", "-c", "umask 022 && exec \"$0\" \"$1\"", REPO.resolve("ops/tls/make-certs").toString(),
                dir.toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.key")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.pem")))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.pem")))).isEqualTo("rw-r--r--");
    }

    /** Polls a health URL until it answers 200 (the service is up) or its unit has failed. */
    private static String awaitOk(HttpClient client, String url, String unit, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return r.body();
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Result active = run(List.of("systemctl", "is-failed", "--quiet", unit + ".service"));
            if (active.exit() == 0) {
                throw new AssertionError(unit + " failed before " + url + " answered: " + journal(name));
            }
            Thread.sleep(250); // a service starting up: ask again
        }
        throw new AssertionError(url + " did not answer 200 (last: " + last + ")" + journal(name));
    }

    private static String journal(String name) {
        try {
            return "\n" + run(List.of("journalctl", "--no-pager", "-n", "80", "-u", name + "-probe.service", "-u",
                    name + "-manager.service")).output();
        } catch (Exception e) {
            return "\n(no journal: " + e + ")";
        }
    }

    /** /proc/PID/status of a unit's main process, as key: value. */
    private static Map<String, String> processStatus(String unit) throws Exception {
        Result pid = run(List.of("systemctl", "show", "--property=MainPID", "--value", unit));
        List<String> lines = Files.readAllLines(Path.of("/proc/" + pid.output().strip() + "/status"));
        Map<String, String> status = new java.util.HashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                status.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return status;
    }

    private static String uid(String user) throws Exception {
        return run(List.of("id", "-u", user)).output().strip();
    }

    private static void assertMode(Path file, String owner, String group, String mode) throws IOException {
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertThat(a.owner().getName() + ":" + a.group().getName() + " " + PosixFilePermissions.toString(a.permissions()))
                .as(file.toString()).isEqualTo(owner + ":" + group + " " + mode);
    }

    private static boolean isRoot() throws Exception {
        return "0".equals(run(List.of("id", "-u")).output().strip());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static SSLContext trusting(Path caPem) throws Exception {
        return io.flowtrap.api.tls.PemTls.client(caPem);
    }

    /** A command's exit status and its output (stdout and stderr together). */
    record Result(int exit, String output) {}

    private static Result run(List<String> command) throws Exception {
        return run(command, Map.of());
    }

    private static Result run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not end within 300 s:\n" + output);
        }
        return new Result(p.exitValue(), output);
    }
}
