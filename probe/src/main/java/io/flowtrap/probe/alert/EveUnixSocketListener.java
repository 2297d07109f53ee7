package io.flowtrap.probe.alert;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives Suricata's EVE output over a Unix domain stream socket. Suricata is the client
 * ({@code eve-log: filetype: unix_stream, filename: <path>}): it connects to a socket the consumer
 * already listens on, reconnects after its own restarts, and drops events while nobody listens. So
 * this listener binds the socket at {@link #start()} and keeps it until {@link #close()}; it accepts
 * any number of connections (one per Suricata process or EVE output) and cuts each stream into
 * newline-delimited lines, however the bytes arrive.
 *
 * <p>Socket file: a stale socket left by a crashed run is removed at start, but only if it is a
 * socket and nobody answers on it; any other file at the path is refused. The file gets
 * {@code permissions} (default {@code rw-rw----}) and, if given, {@code group}: to let Suricata run
 * as user {@code suricata} connect, pass group {@code suricata} (connecting needs write permission on
 * the socket and search permission on every parent directory). The socket is bound in a private
 * directory ({@code rwx------}) beside the path, given its mode and group there, and only then
 * renamed to the path: there is no moment when it is listening at the path with the mode the
 * process's umask would give it. {@code close()} removes the file.
 *
 * <p>Hostile or broken writers: at most {@code maxConnections} connections at once (default
 * {@value #DEFAULT_MAX_CONNECTIONS}; Suricata opens one per eve-log output), further ones are closed
 * as they arrive and counted ({@link AlertIntakeCounters#connectionsRefused}); a line longer than
 * {@code maxLineBytes} (default 16 MiB) is skipped unread and counted ({@link AlertIntakeCounters#overlong},
 * one warning per interval), so one connection holds at most that much. Whatever is thrown while one
 * connection's bytes are read or cut, an {@code Error} included, drops that connection's unfinished
 * line (counted, {@link AlertIntakeCounters#intakeErrors}) and the listener goes on with the others.
 *
 * <p>Suricata side (checked with Suricata 7.0.10):
 * <pre>
 * outputs:
 *   - eve-log:
 *       enabled: yes
 *       filetype: unix_stream      # not "unix_dgram": lines may exceed a datagram
 *       filename: /run/flowtrap/eve.sock   # absolute path; the listener must be up first
 *       community-id: true
 *       types:
 *         - alert:
 *             metadata: yes
 * </pre>
 * If the socket is missing when Suricata starts it warns "Error connecting to socket … (will keep
 * trying)" and drops events until it can connect ("N events were dropped due to slow or
 * disconnected socket"), so start the probe first. A slow sink holds up parsing and, once the
 * chunks are all taken, reading, and then Suricata drops events: keep {@link AlertSink#accept}
 * quick (the probe's sink hands each alert to the capture thread's bounded inbox with one
 * compare-and-set, never waiting).
 *
 * <p>Keeping up: live, Suricata 7.0.10 writes the socket without waiting and drops each event that
 * does not fit (counted in its "N events were dropped" warning); offline it waits. So this side
 * must empty the socket faster than Suricata fills it: reading is a thread of its own that only
 * copies bytes out (each read takes a socket's whole content), parsing is another, and the sink
 * never waits. How long a moment without CPU the socket absorbs is not ours to set: on a Linux
 * unix stream socket the bytes in flight count against the writer's send buffer only (the
 * reader's SO_RCVBUF changes nothing; measured on 6.18: a non-blocking writer of 900-byte lines
 * gets EAGAIN after 93 lines with the default 212,992-byte SO_SNDBUF, whatever the reader's
 * SO_RCVBUF, and after 3,641 with 8 MiB). Suricata does not set its socket's SO_SNDBUF, so it gets
 * {@code net.core.wmem_default} (README, "Probe metrics").
 *
 * <p>Threads: two daemon threads. The reader ({@code eve-unix-<name>}) accepts and reads with a
 * selector and does nothing else: it drains each socket into {@value #CHUNKS} chunks of
 * {@value #CHUNK_BYTES} bytes allocated up front and hands them over in order, so that whenever it
 * gets the CPU (on a loaded sensor, seldom and briefly) it empties Suricata's socket with a copy
 * and goes back to waiting. The parser ({@code eve-parse-<name>}) cuts the chunks into lines and calls the
 * dispatcher, so the sink sees alerts from that one thread, in the order they were written; a
 * connection's end is reported after its last line. Only when the parser is a whole 32 MiB behind
 * does the reader wait, and the socket fill. {@code start()} and {@code close()} may be called from
 * any thread; {@code close()} stops reading, lets the parser finish what was read, and waits for both.
 */
public final class EveUnixSocketListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EveUnixSocketListener.class);
    public static final int MAX_LINE_BYTES = EveFileTailer.MAX_LINE_BYTES;
    public static final Set<PosixFilePermission> DEFAULT_PERMISSIONS = PosixFilePermissions.fromString("rw-rw----");
    public static final int DEFAULT_MAX_CONNECTIONS = 16;
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

    /**
     * What one listener takes: connections open at once (more are refused and counted) and bytes
     * in a line (longer ones are skipped unread and counted). Memory held for unfinished lines is at
     * most their product.
     */
    public record Limits(int maxConnections, int maxLineBytes) {
        public static final Limits DEFAULTS = new Limits(DEFAULT_MAX_CONNECTIONS, MAX_LINE_BYTES);

        public Limits {
            if (maxConnections < 1 || maxLineBytes < 1) {
                throw new IllegalArgumentException("EVE socket limits must be positive: " + maxConnections + " connections, "
                        + maxLineBytes + " bytes a line");
            }
        }
    }
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final Set<PosixFilePermission> permissions;
    private final String group;
    private final Limits limits;
    private final EveLineDispatcher dispatcher;
    private final IntervalWarning refusedWarning;
    private final IntervalWarning errorWarning;
    /** One read takes up to this much: more than a socket holds with the default net.core.wmem_default. */
    static final int CHUNK_BYTES = 256 << 10;
    /** Chunks between the sockets and the parser: what a slow parser may fall behind by (32 MiB). */
    static final int CHUNKS = 128;
    // Heap chunks, allocated up front: the splitter scans them as arrays, and the JDK reads into
    // them through its own cached direct buffer (one copy, no allocation per read).
    private final ArrayBlockingQueue<Chunk> free = new ArrayBlockingQueue<>(CHUNKS);
    /** Read chunks and disconnections, in the order they happened, for the parser thread. */
    private final ArrayBlockingQueue<Chunk> filled = new ArrayBlockingQueue<>(CHUNKS * 2);
    private final Chunk endOfInput = new Chunk(null, null);
    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong connectionsOpen = new AtomicLong();

    private ServerSocketChannel server;
    private Selector selector;
    private Thread thread;
    private Thread parserThread;
    private volatile boolean closed;

    /** With {@link #DEFAULT_PERMISSIONS}, the process's own group and {@link #DEFAULT_MAX_CONNECTIONS}. */
    public EveUnixSocketListener(Path path, EveLineDispatcher dispatcher) {
        this(path, DEFAULT_PERMISSIONS, null, Limits.DEFAULTS, dispatcher);
    }

    /**
     * @param permissions given to the socket file before it appears at {@code path}
     * @param group owner group of the socket file (e.g. "suricata"), or null to keep the default
     * @param limits connections at once and bytes a line
     */
    public EveUnixSocketListener(Path path, Set<PosixFilePermission> permissions, String group, Limits limits,
            EveLineDispatcher dispatcher) {
        this.path = Objects.requireNonNull(path, "path").toAbsolutePath();
        this.permissions = Set.copyOf(permissions);
        this.group = group;
        this.limits = Objects.requireNonNull(limits, "limits");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.refusedWarning = new IntervalWarning(LOG, "EVE connections to " + this.path + " refused (at most "
                + limits.maxConnections() + " at once)", EveLineDispatcher.WINDOW_SECONDS, TimeUnit.SECONDS);
        this.errorWarning = new IntervalWarning(LOG, "EVE connections to " + this.path + " failed",
                EveLineDispatcher.WINDOW_SECONDS, TimeUnit.SECONDS);
        for (int i = 0; i < CHUNKS; i++) {
            free.add(new Chunk(ByteBuffer.allocate(CHUNK_BYTES), null));
        }
    }

    /**
     * Binds the socket and starts accepting. Throws if the path holds a file that is not a socket,
     * a socket somebody still listens on, or cannot be bound.
     */
    public synchronized void start() throws IOException {
        if (server != null || closed) {
            throw new IllegalStateException("listener on " + path + " already started or closed");
        }
        removeStaleSocket();
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Path privateDir = null;
        try {
            // bound where only we can reach it, given its mode and group, then moved into place
            privateDir = Files.createTempDirectory(path.getParent(), ".eve", PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            Path bound = privateDir.resolve("s");
            ch.bind(UnixDomainSocketAddress.of(bound), 16);
            Files.setPosixFilePermissions(bound, permissions);
            if (group != null) {
                UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
                GroupPrincipal g = users.lookupPrincipalByGroupName(group);
                Files.getFileAttributeView(bound, java.nio.file.attribute.PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS).setGroup(g);
            }
            Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(privateDir);
            privateDir = null;
            ch.configureBlocking(false);
            selector = Selector.open();
            ch.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (privateDir != null) {
                Files.deleteIfExists(privateDir.resolve("s"));
                Files.deleteIfExists(privateDir);
            }
            Files.deleteIfExists(path);
            if (selector != null) {
                selector.close();
            }
            throw e;
        }
        server = ch;
        parserThread = new Thread(this::parse, "eve-parse-" + path.getFileName());
        parserThread.setDaemon(true);
        parserThread.start();
        thread = new Thread(this::loop, "eve-unix-" + path.getFileName());
        thread.setDaemon(true);
        thread.start();
        LOG.info("listening for EVE on unix socket {}", path);
    }

    private void removeStaleSocket() throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket; refusing to replace it");
        }
        SocketChannel probe;
        try {
            probe = SocketChannel.open(UnixDomainSocketAddress.of(path));
        } catch (java.net.ConnectException e) {
            LOG.info("removing stale socket {}", path);
            Files.delete(path);
            return;
        }
        probe.close();
        throw new IOException(path + " is a socket another process is listening on; refusing to replace it");
    }

    private void loop() {
        try {
            while (!closed) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptOrRefuse();
                    } else if (key.isReadable()) {
                        readOrDrop(key);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (Throwable e) {
            // the selector itself failed (not one connection): nothing more can be read
            if (!closed) {
                LOG.error("EVE listener on {} failed; no more alerts will be received from it", path, e);
            }
        } finally {
            List<SelectionKey> keys = new ArrayList<>(selector.keys());
            for (SelectionKey key : keys) {
                closeQuietly(key);
            }
        }
    }

    /** Accepts a connection, or closes it at once (counted) if the cap is reached; a failure ends no more than that. */
    private void acceptOrRefuse() {
        try {
            accept();
        } catch (Throwable e) {
            dispatcher.counters().incrementIntakeErrors();
            errorWarning.occurred("accepting: " + e);
        }
    }

    private void accept() throws IOException {
        SocketChannel client = server.accept();
        if (client == null) {
            return;
        }
        if (connectionsOpen.get() >= limits.maxConnections()) {
            dispatcher.counters().incrementConnectionsRefused();
            client.close();
            refusedWarning.occurred(connectionsOpen.get() + " open");
            return;
        }
        client.configureBlocking(false);
        long n = connectionsAccepted.incrementAndGet();
        Connection c = new Connection(path + "#" + n);
        client.register(selector, SelectionKey.OP_READ, c);
        connectionsOpen.incrementAndGet();
        LOG.info("EVE writer connected to {} (connection {})", path, n);
    }

    /** Reads one connection; whatever it throws closes that connection only (counted). */
    private void readOrDrop(SelectionKey key) throws IOException {
        try {
            read(key);
        } catch (RuntimeException | Error e) { // an IOException is the connection's own end, handled in read
            dispatcher.counters().incrementIntakeErrors();
            errorWarning.occurred("reading " + ((Connection) key.attachment()).origin + ": " + e);
            disconnected(key, (Connection) key.attachment(), e);
        }
    }

    /** Drains the socket into chunks for the parser; waits for a free chunk if the parser is behind. */
    private void read(SelectionKey key) throws IOException {
        SocketChannel client = (SocketChannel) key.channel();
        Connection c = (Connection) key.attachment();
        try {
            while (!closed) {
                Chunk chunk = takeFree();
                if (chunk == null) {
                    return; // closing
                }
                int n;
                try {
                    n = client.read(chunk.bytes.clear());
                } catch (Throwable e) {
                    free.add(chunk); // the chunk goes back whatever the read threw
                    throw e;
                }
                if (n > 0) {
                    chunk.bytes.flip();
                    chunk.connection = c;
                    handOver(chunk);
                    continue;
                }
                free.add(chunk);
                if (n < 0) {
                    disconnected(key, c, null);
                }
                return;
            }
        } catch (IOException e) {
            disconnected(key, c, e);
        }
    }

    private Chunk takeFree() {
        try {
            Chunk chunk;
            while ((chunk = free.poll(100, TimeUnit.MILLISECONDS)) == null) {
                if (closed) {
                    return null;
                }
            }
            return chunk;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void handOver(Chunk chunk) throws IOException {
        try {
            filled.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted handing EVE bytes to the parser", e);
        }
    }

    private void disconnected(SelectionKey key, Connection c, Throwable error) throws IOException {
        closeQuietly(key);
        Chunk end = new Chunk(null, c); // once per connection: told after the connection's last bytes
        end.error = error;
        handOver(end);
    }

    /** The parser thread: cuts chunks into lines and dispatches them, in the order they were read. */
    private void parse() {
        try {
            Chunk chunk;
            while ((chunk = filled.take()) != endOfInput) {
                Connection c = chunk.connection;
                if (chunk.bytes == null) {
                    try {
                        c.ended(chunk.error);
                    } catch (Throwable e) {
                        dispatcher.counters().incrementIntakeErrors();
                        errorWarning.occurred("ending " + c.origin + ": " + e);
                    }
                    continue;
                }
                try {
                    c.splitter.feed(chunk.bytes, c);
                } catch (Throwable e) {
                    // the rest of this chunk and the line it was in are dropped; the next line is read as usual
                    dispatcher.counters().incrementIntakeErrors();
                    errorWarning.occurred("cutting lines of " + c.origin + ": " + e);
                    c.splitter.reset();
                    c.splitter.skipToNextLine();
                } finally {
                    chunk.connection = null;
                    free.add(chunk);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeQuietly(SelectionKey key) {
        boolean wasOpen = key.isValid();
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException e) {
            LOG.debug("closing {}", key.channel(), e);
        }
        if (wasOpen && key.attachment() instanceof Connection) {
            connectionsOpen.decrementAndGet();
        }
    }

    /** The socket's path. */
    public Path path() {
        return path;
    }

    /** Connections accepted since start. */
    public long connectionsAccepted() {
        return connectionsAccepted.get();
    }

    /** Connections open now. */
    public long connectionsOpen() {
        return connectionsOpen.get();
    }

    /** Stops accepting and reading, closes all connections, removes the socket file. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (server == null) {
            return;
        }
        selector.wakeup();
        if (thread != Thread.currentThread()) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            server.close();
            selector.close();
        } finally {
            Files.deleteIfExists(path);
        }
        // the reader is gone: the parser finishes what was read, then ends
        try {
            filled.put(endOfInput);
            if (parserThread != Thread.currentThread()) {
                parserThread.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("stopped listening for EVE on {}", path);
    }

    /** One accepted stream: its line splitter and its name for the log. */
    private final class Connection implements EveLineSplitter.Lines {
        final EveLineSplitter splitter = new EveLineSplitter(limits.maxLineBytes());
        final String origin;

        Connection(String origin) {
            this.origin = origin;
        }

        @Override
        public void line(String line) {
            dispatcher.dispatch(line, origin);
        }

        /** On the parser thread, after the connection's last bytes. */
        void ended(Throwable error) {
            long pending = splitter.pendingBytes();
            if (pending > 0) {
                dispatcher.malformed(origin, "line: unterminated last line (" + pending
                        + " bytes) when the writer disconnected", "(not shown)");
            }
            if (error != null) {
                LOG.warn("EVE connection {} failed: {}", origin, error.toString());
            } else {
                LOG.info("EVE writer disconnected from {}", origin);
            }
        }

        @Override
        public void overlong(long length) {
            dispatcher.overlong(origin, length, limits.maxLineBytes());
        }
    }

    /** Bytes read from one connection, or (no bytes) the news that it ended. */
    private static final class Chunk {
        final ByteBuffer bytes;
        Connection connection;
        Throwable error;

        Chunk(ByteBuffer bytes, Connection connection) {
            this.bytes = bytes;
            this.connection = connection;
        }
    }
}
