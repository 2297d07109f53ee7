package io.flowtrap.probe.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile-input suite (issue 8, item 7): the EVE unix socket against writers that break things, over
 * real sockets: a handler that throws an {@code Error}, more connections than the cap, lines over the
 * line cap, and a socket file that must never be reachable with another mode than its own.
 */
@Tag("hostile-input")
class EveSocketHostileInputTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private Path socket;
    private List<String> alertLines;
    private final AlertIntakeCounters counters = new AlertIntakeCounters();
    private EveUnixSocketListener listener;

    @BeforeEach
    void setUp() throws IOException {
        socket = dir.resolve("eve.sock");
        alertLines = EveLineDispatcherTest.realLines().stream().filter(l -> l.contains("\"event_type\":\"alert\"")).toList();
        assertThat(alertLines).hasSizeGreaterThanOrEqualTo(4);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (listener != null) {
            listener.close();
        }
    }

    private EveLineDispatcher dispatcher(AlertSink sink) {
        return new EveLineDispatcher(new EveAlertParser(), sink, counters);
    }

    private EveUnixSocketListener started(AlertSink sink, EveUnixSocketListener.Limits limits) throws IOException {
        listener = new EveUnixSocketListener(socket, EveUnixSocketListener.DEFAULT_PERMISSIONS, null, limits, dispatcher(sink));
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

    /** Throws what it is given at the first alerts, then records: a handler that fails as badly as Java can. */
    private static final class FailingFirstSink implements AlertSink {
        final RecordingSink recorded = new RecordingSink();
        final List<Throwable> toThrow;
        final AtomicInteger calls = new AtomicInteger();

        FailingFirstSink(List<Throwable> toThrow) {
            this.toThrow = toThrow;
        }

        @Override
        public void accept(EveAlert alert) {
            int n = calls.getAndIncrement();
            if (n < toThrow.size()) {
                FailingFirstSink.<RuntimeException>sneaky(toThrow.get(n));
            }
            recorded.accept(alert);
        }

        @SuppressWarnings("unchecked")
        private static <T extends Throwable> void sneaky(Throwable t) throws T {
            throw (T) t; // a checked exception too, as a handler written in another JVM language could throw
        }
    }

    @Test
    void anErrorThrownByTheHandlerOfOneConnectionDoesNotEndIntakeTheNextConnectionsAlertsArrive() throws Exception {
        FailingFirstSink sink = new FailingFirstSink(List.of(new OutOfMemoryError("hostile: Java heap space"),
                new StackOverflowError("hostile"), new Exception("hostile checked exception")));
        started(sink, EveUnixSocketListener.Limits.DEFAULTS);
        try (SocketChannel first = connect()) {
            write(first, alertLines.get(0) + "\n" + alertLines.get(1) + "\n" + alertLines.get(2) + "\n");
        }
        assertThat(RecordingSink.eventually(() -> counters.sinkFailures() == 3, WAIT)).as(counters.toString()).isTrue();
        try (SocketChannel next = connect()) {
            write(next, alertLines.get(3) + "\n" + alertLines.get(0) + "\n");
            assertThat(sink.recorded.await(2, WAIT)).extracting(EveAlert::json).containsExactly(alertLines.get(3), alertLines.get(0));
        }
        // counted once the sink returns, just after it recorded the alert
        assertThat(RecordingSink.eventually(() -> counters.delivered() == 2, WAIT)).as(counters.toString()).isTrue();
        assertThat(counters.sinkFailures()).isEqualTo(3);
        assertThat(counters.intakeErrors()).isZero();
    }

    @Test
    void connectionsBeyondTheCapAreClosedAsTheyArriveCountedAndTheOthersKeepDelivering() throws Exception {
        RecordingSink sink = new RecordingSink();
        started(sink, new EveUnixSocketListener.Limits(2, EveUnixSocketListener.MAX_LINE_BYTES));
        SocketChannel b = connect();
        try (SocketChannel a = connect()) {
            write(a, alertLines.get(0) + "\n");
            write(b, alertLines.get(1) + "\n");
            assertThat(sink.await(2, WAIT)).hasSize(2); // both taken: the cap is full
            for (int i = 0; i < 3; i++) {
                try (SocketChannel refused = connect()) {
                    ByteBuffer one = ByteBuffer.allocate(1);
                    assertThat(refused.read(one)).as("a connection beyond the cap is closed").isEqualTo(-1);
                }
            }
            assertThat(counters.connectionsRefused()).isEqualTo(3);
            write(a, alertLines.get(2) + "\n");
            assertThat(sink.await(3, WAIT)).hasSize(3);
            b.close(); // a slot comes free
            assertThat(RecordingSink.eventually(() -> listener.connectionsOpen() == 1, WAIT)).isTrue();
            try (SocketChannel c = connect()) {
                write(c, alertLines.get(3) + "\n");
                assertThat(sink.await(4, WAIT)).extracting(EveAlert::json).last().isEqualTo(alertLines.get(3));
            }
        } finally {
            b.close();
        }
        assertThat(counters.connectionsRefused()).isEqualTo(3);
        assertThat(RecordingSink.eventually(() -> counters.delivered() == 4, WAIT)).as(counters.toString()).isTrue();
    }

    @Test
    void overlongLinesAreDroppedCountedAndWarnedAboutOncePerIntervalNotPerLine() throws Exception {
        RecordingSink sink = new RecordingSink();
        int cap = 4096;
        EveLineDispatcher dispatcher = dispatcher(sink);
        listener = new EveUnixSocketListener(socket, EveUnixSocketListener.DEFAULT_PERMISSIONS, null,
                new EveUnixSocketListener.Limits(4, cap), dispatcher);
        listener.start();
        String overlong = "{\"event_type\":\"alert\",\"padding\":\"" + "x".repeat(cap) + "\"}\n";
        int lines = 1000;
        StringBuilder feed = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            feed.append(overlong);
            if (i % 250 == 0) {
                feed.append(alertLines.get(i % alertLines.size())).append('\n');
            }
        }
        try (SocketChannel ch = connect()) {
            write(ch, feed.toString());
        }
        // the good lines between them all arrive: nothing but the over-long lines is lost
        assertThat(sink.await(4, WAIT)).hasSize(4);
        assertThat(RecordingSink.eventually(() -> counters.overlong() == lines, WAIT)).as(counters.toString()).isTrue();
        assertThat(counters.malformed()).isZero();
        assertThat(counters.lost()).isEqualTo(lines);
        // well inside one interval (10 s): one warning for 1,000 lines
        assertThat(dispatcher.overlongWarnings()).isEqualTo(1);
    }

    @Test
    void theSocketFileIsNeverReachableAtItsPathWithAnotherModeThanItsOwn() throws Exception {
        Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-------");
        Set<Set<PosixFilePermission>> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicInteger looks = new AtomicInteger();
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                try {
                    seen.add(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS));
                    looks.incrementAndGet();
                } catch (IOException e) {
                    // not there (yet, or any more)
                }
            }
        }, "mode-watcher");
        watcher.start();
        try {
            for (int i = 0; i < 200; i++) {
                try (EveUnixSocketListener l = new EveUnixSocketListener(socket, mode, null, EveUnixSocketListener.Limits.DEFAULTS,
                        dispatcher(new RecordingSink()))) {
                    l.start();
                    assertThat(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)).isEqualTo(mode);
                    try (SocketChannel ch = connect()) { // the renamed socket is the one listening
                        write(ch, alertLines.get(0) + "\n");
                    }
                }
            }
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertThat(looks.get()).as("the watcher saw the socket").isPositive();
        assertThat(seen).containsExactly(mode);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("no private directory left behind").isEmpty();
        }
    }
}
