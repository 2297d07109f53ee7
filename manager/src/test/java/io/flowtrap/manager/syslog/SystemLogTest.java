package io.flowtrap.manager.syslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.manager.syslog.SyslogMessage.Severity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** Against real sockets: a UNIX datagram socket bound by Python (as a syslog daemon binds /dev/log) and a UDP one. */
@ExtendWith(OutputCaptureExtension.class)
class SystemLogTest {
    @TempDir
    Path dir;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private SystemLog systemLog(String target) {
        return new SystemLog(new SyslogProperties(target, "local3", "flowtrap-manager", 32473, 2048), meters);
    }

    private double count(String outcome) {
        return meters.get("flowtrap.syslog.messages").tag("outcome", outcome).counter().count();
    }

    private static Map<String, Object> event(String user, long packets) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("user", user);
        fields.put("filter", "host 192.0.2.7");
        fields.put("packets", packets);
        return fields;
    }

    /** A datagram socket at {@code path}, bound by another program; prints each datagram it gets, base64, one a line. */
    private static final class UnixReceiver implements AutoCloseable {
        private final Process process;
        private final BufferedReader lines;

        UnixReceiver(Path path) throws Exception {
            String script = "import socket,sys,base64\n"
                    + "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\n"
                    + "s.bind(sys.argv[1])\n"
                    + "print('ready',flush=True)\n"
                    + "while True:\n"
                    + "  print(base64.b64encode(s.recv(65536)).decode(),flush=True)\n";
            process = new ProcessBuilder("/usr/bin/python3", "-c", script, path.toString()).redirectErrorStream(true).start();
            lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(lines.readLine()).isEqualTo("ready");
        }

        String next() throws Exception {
            return new String(Base64.getDecoder().decode(lines.readLine()), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws java.io.IOException {
            process.destroy();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lines.close();
        }
    }

    @Test
    void eventsReachALocalDatagramSocketInOrderAsRfc5424(CapturedOutput output) throws Exception {
        Path socket = dir.resolve("log");
        try (UnixReceiver receiver = new UnixReceiver(socket)) {
            SystemLog log = systemLog("unix:" + socket);
            assertThat(log.record("capture.start", Severity.NOTICE, event("alice", 0), "alice started capture c1")).isTrue();
            assertThat(log.record("capture.stop", Severity.NOTICE, event("alice", 42), "capture c1 stopped")).isTrue();
            Matcher first = SyslogMessageTest.RFC5424.matcher(receiver.next());
            assertThat(first.matches()).isTrue();
            assertThat(first.group(1)).isEqualTo(String.valueOf(19 * 8 + 5)); // local3.notice
            assertThat(first.group(6)).isEqualTo("capture.start");
            assertThat(first.group(8)).isEqualTo(" user=\"alice\" filter=\"host 192.0.2.7\" packets=\"0\"");
            assertThat(receiver.next()).contains(" capture.stop [flowtrap@32473 user=\"alice\"").endsWith("packets=\"42\"] capture c1 stopped");
            assertThat(count("sent")).isEqualTo(2);
            assertThat(count("failed")).isZero();
            log.destroy();
        }
        assertThat(output).contains("audit events go to syslog at unix:" + socket);
    }

    @Test
    void aMissingSyslogDaemonIsCountedAndLoggedOnceAndTheNextOneIsReachedAtOnce(CapturedOutput output) throws Exception {
        Path socket = dir.resolve("log");
        SystemLog log = systemLog("unix:" + socket);
        assertThat(log.record("download", Severity.INFO, event("bob", 3), "no daemon yet")).isFalse();
        assertThat(log.record("download", Severity.INFO, event("bob", 4), "still none")).isFalse();
        assertThat(count("failed")).isEqualTo(2);
        assertThat(output.getOut().split("refused an audit event", -1)).hasSize(2); // one warning for the run of failures
        assertThat(output).contains("No such file or directory");

        try (UnixReceiver receiver = new UnixReceiver(socket)) { // the daemon (re)starts and binds its socket anew
            assertThat(log.record("download", Severity.INFO, event("bob", 5), "back")).isTrue();
            assertThat(receiver.next()).endsWith("packets=\"5\"] back");
        }
        assertThat(count("sent")).isEqualTo(1);
        assertThat(output).contains("takes messages again");
        log.destroy();
    }

    @Test
    void eventsReachAUdpCollector() throws Exception {
        try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            collector.setSoTimeout(10_000);
            SystemLog log = systemLog("udp:127.0.0.1:" + collector.getLocalPort());
            assertThat(log.record("watchlist.load", Severity.NOTICE, Map.of("entries", 10000), "loaded")).isTrue();
            DatagramPacket got = new DatagramPacket(new byte[4096], 4096);
            collector.receive(got);
            String text = new String(Arrays.copyOf(got.getData(), got.getLength()), StandardCharsets.UTF_8);
            assertThat(SyslogMessageTest.RFC5424.matcher(text).matches()).isTrue();
            assertThat(text).endsWith(" watchlist.load [flowtrap@32473 entries=\"10000\"] loaded");
            log.destroy();
        }
    }

    @Test
    void offSendsNothingAndBadSettingsAreRefusedClearly() throws Exception {
        SystemLog off = systemLog("off");
        assertThat(off.record("capture.start", Severity.NOTICE, Map.of(), "x")).isFalse();
        assertThat(count("sent") + count("failed")).isZero();
        assertThatThrownBy(() -> systemLog("tcp:somewhere:514")).hasMessageContaining("must be unix:PATH, udp:HOST:PORT or off");
        assertThatThrownBy(() -> systemLog("udp:127.0.0.1:70000")).hasMessageContaining("must be unix:PATH");
        assertThatThrownBy(() -> new SystemLog(new SyslogProperties("off", "kern", "a", 32473, 2048), meters))
                .hasMessageContaining("facility must be one of");
        assertThatThrownBy(() -> new SystemLog(new SyslogProperties("off", "auth", "a", 32473, 100), meters))
                .hasMessageContaining("at least 480");
        assertThat(Files.exists(dir.resolve("log"))).isFalse();
    }
}
