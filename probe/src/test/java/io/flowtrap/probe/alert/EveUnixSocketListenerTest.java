package io.flowtrap.probe.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener against real Unix domain socket clients writing like Suricata's unix_stream output. */
class EveUnixSocketListenerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    private Path socket;
    private List<String> alertLines;
    private final RecordingSink sink = new RecordingSink();
    private final AlertIntakeCounters counters = new AlertIntakeCounters();
    private EveUnixSocketListener listener;

    @BeforeEach
    void setUp() throws IOException {
        socket = dir.resolve("eve.sock");
        alertLines = EveLineDispatcherTest.realLines().stream()
                .filter(l -> l.contains("\"event_type\":\"alert\"")).toList();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (listener != null) {
            listener.close();
        }
    }

    private EveUnixSocketListener newListener() {
        return new EveUnixSocketListener(socket, new EveLineDispatcher(new EveAlertParser(), sink, counters));
    }

    private EveUnixSocketListener started() throws IOException {
        listener = newListener();
        listener.start();
        return listener;
    }

    private SocketChannel connect() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    private static void write(SocketChannel ch, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private List<String> received(int n) throws InterruptedException {
        return sink.await(n, WAIT).stream().map(EveAlert::json).toList();
    }

    @Test
    void linesWrittenInPiecesArriveOnceWhole() throws Exception {
        started();
        String a = alertLines.get(0);
        String b = alertLines.get(3);
        try (SocketChannel c = connect()) {
            write(c, a.substring(0, 10));
            Thread.sleep(30);
            write(c, a.substring(10, 300));
            Thread.sleep(30);
            assertThat(sink.alerts()).isEmpty();
            write(c, a.substring(300) + "\n" + b.substring(0, 1));
            assertThat(received(1)).containsExactly(a);
            Thread.sleep(30);
            write(c, b.substring(1) + "\n");
            assertThat(received(2)).containsExactly(a, b);
        }
        // The sink sees an alert just before the dispatcher counts it: wait for the count.
        assertThat(RecordingSink.eventually(() -> counters.delivered() == 2, WAIT)).isTrue();
        assertThat(counters.malformed()).isZero();
    }

    @Test
    void manyLinesInOneWriteLargerThanTheReadBuffer() throws Exception {
        started();
        StringBuilder sb = new StringBuilder();
        int n = 300; // ~200 KB: several 64 KiB reads, lines cut at read boundaries
        for (int i = 0; i < n; i++) {
            sb.append(alertLines.get(i % alertLines.size())).append('\n');
        }
        try (SocketChannel c = connect()) {
            write(c, sb.toString());
        }
        assertThat(received(n)).hasSize(n);
        assertThat(counters.malformed()).isZero();
    }

    @Test
    void acceptsReconnectsAndConcurrentWriters() throws Exception {
        started();
        try (SocketChannel first = connect()) {
            write(first, alertLines.get(0) + "\n");
            assertThat(received(1)).hasSize(1);
        }
        assertThat(RecordingSink.eventually(() -> listener.connectionsOpen() == 0, WAIT)).isTrue();
        try (SocketChannel second = connect(); SocketChannel third = connect()) {
            String x = alertLines.get(1);
            String y = alertLines.get(2);
            write(second, x.substring(0, 50));
            write(third, y.substring(0, 70));
            Thread.sleep(20);
            write(second, x.substring(50) + "\n");
            write(third, y.substring(70) + "\n");
            assertThat(received(3)).containsExactlyInAnyOrder(alertLines.get(0), x, y);
            assertThat(listener.connectionsOpen()).isEqualTo(2);
        }
        assertThat(listener.connectionsAccepted()).isEqualTo(3);
        assertThat(counters.malformed()).isZero();
    }

    @Test
    void anUnterminatedLineAtDisconnectIsCountedAsMalformed() throws Exception {
        started();
        try (SocketChannel c = connect()) {
            write(c, alertLines.get(0) + "\n" + alertLines.get(1).substring(0, 40));
        }
        assertThat(received(1)).hasSize(1);
        assertThat(RecordingSink.eventually(() -> counters.malformed() == 1, WAIT)).isTrue();
        assertThat(counters.delivered()).isEqualTo(1);
    }

    @Test
    void malformedAndOtherEventLinesAreCounted() throws Exception {
        started();
        try (SocketChannel c = connect()) {
            write(c, "garbage\n{\"event_type\":\"flow\"}\n" + alertLines.get(4) + "\n");
            assertThat(received(1)).containsExactly(alertLines.get(4));
        }
        assertThat(counters.malformed()).isEqualTo(1);
        assertThat(counters.ignored()).isEqualTo(1);
    }

    @Test
    void socketFileHasTheGivenPermissionsAndGroupAndIsRemovedOnClose() throws Exception {
        listener = new EveUnixSocketListener(socket, PosixFilePermissions.fromString("rw-rw-rw-"), "daemon",
                EveUnixSocketListener.Limits.DEFAULTS,
                new EveLineDispatcher(new EveAlertParser(), sink, counters));
        listener.start();
        PosixFileAttributes attrs = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertThat(attrs.isOther()).isTrue(); // a socket is neither file, directory nor link
        assertThat(PosixFilePermissions.toString(attrs.permissions())).isEqualTo("rw-rw-rw-");
        assertThat(attrs.group().getName()).isEqualTo("daemon");
        listener.close();
        assertThat(socket).doesNotExist();
        assertThatThrownBy(this::connect).isInstanceOf(IOException.class);
        listener.close(); // idempotent
    }

    @Test
    void defaultPermissionsAreOwnerAndGroupReadWrite() throws Exception {
        started();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-rw----");
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(socket));
        dead.close(); // closing does not remove the file: what a crashed run leaves behind
        assertThat(socket).exists();
        started();
        try (SocketChannel c = connect()) {
            write(c, alertLines.get(0) + "\n");
        }
        assertThat(received(1)).hasSize(1);
    }

    @Test
    void refusesToReplaceARegularFile() throws Exception {
        Files.writeString(socket, "precious");
        EveUnixSocketListener l = newListener();
        assertThatThrownBy(l::start).isInstanceOf(IOException.class).hasMessageContaining("not a socket");
        assertThat(Files.readString(socket)).isEqualTo("precious");
        l.close();
        assertThat(Files.readString(socket)).isEqualTo("precious");
    }

    @Test
    void refusesToStealASocketSomeoneListensOn() throws Exception {
        started();
        EveUnixSocketListener second = newListener();
        assertThatThrownBy(second::start).isInstanceOf(IOException.class).hasMessageContaining("listening");
        second.close();
        try (SocketChannel c = connect()) {
            write(c, alertLines.get(0) + "\n");
        }
        assertThat(received(1)).hasSize(1); // the first listener still has its socket
    }

    @Test
    void closeDisconnectsWritersPromptly() throws Exception {
        started();
        try (SocketChannel c = connect()) {
            write(c, alertLines.get(0) + "\n");
            assertThat(received(1)).hasSize(1);
            long t0 = System.nanoTime();
            listener.close();
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);
            ByteBuffer b = ByteBuffer.allocate(1);
            assertThat(c.read(b)).isEqualTo(-1); // the listener closed its end
        }
        assertThat(socket).doesNotExist();
    }
}
