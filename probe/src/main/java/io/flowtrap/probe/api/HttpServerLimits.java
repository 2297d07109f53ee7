package io.flowtrap.probe.api;

/**
 * The limits of the JDK HTTP server under the probe API. That server reads them from system
 * properties once, when the JVM's first server is created ({@code sun.net.httpserver.ServerConfig},
 * present in JDK 17.0.15): so they hold for every server in the process, and are set here, before
 * the first one, unless the operator gave them with {@code -D} (FLOWTRAP_JAVA_OPTS).
 * <ul>
 *   <li>{@code sun.net.httpserver.maxReqTime}: seconds from a connection's first byte to the end of
 *       its request body, TLS handshake and headers included. A total, not a per-read timeout, so
 *       that a sender dribbling a byte a second is cut as surely as one that went silent.</li>
 *   <li>{@code sun.net.httpserver.maxReqHeaderSize}: bytes of request line and headers read before
 *       the connection is closed unanswered; authentication looks at the headers only after this.</li>
 *   <li>{@code jdk.httpserver.maxConnections}: connections beyond it are closed as they are accepted.</li>
 *   <li>{@code sun.net.httpserver.idleInterval}: seconds a kept-alive (or never used) connection may
 *       stay idle.</li>
 * </ul>
 * The server reads each request on a worker thread, so a connection that is still sending holds one:
 * the API's worker pool is as large as the connection cap, and the request time frees it.
 */
public record HttpServerLimits(int maxConnections, long maxRequestSeconds, int maxHeaderBytes, long idleSeconds) {
    static final String MAX_CONNECTIONS = "jdk.httpserver.maxConnections";
    static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";
    static final String MAX_HEADER_SIZE = "sun.net.httpserver.maxReqHeaderSize";
    static final String IDLE_INTERVAL = "sun.net.httpserver.idleInterval";
    // The JDK server writes headers and body separately; with Nagle on, a small answer waits
    // for the client's delayed ACK (~40 ms a call, measured with ops/bench/run chain).
    static final String NO_DELAY = "sun.net.httpserver.nodelay";

    /** What the probe API uses unless told otherwise. */
    public static final HttpServerLimits DEFAULTS = new HttpServerLimits(256, 10, 16 * 1024, 30);

    private static final HttpServerLimits EFFECTIVE = apply();

    /** The limits the JDK server of this process runs with (the defaults, or what -D set). */
    public static HttpServerLimits effective() {
        return EFFECTIVE;
    }

    private static HttpServerLimits apply() {
        setIfAbsent(MAX_CONNECTIONS, DEFAULTS.maxConnections);
        setIfAbsent(MAX_REQUEST_TIME, DEFAULTS.maxRequestSeconds);
        setIfAbsent(MAX_HEADER_SIZE, DEFAULTS.maxHeaderBytes);
        setIfAbsent(IDLE_INTERVAL, DEFAULTS.idleSeconds);
        if (System.getProperty(NO_DELAY) == null) {
            System.setProperty(NO_DELAY, "true");
        }
        HttpServerLimits limits = new HttpServerLimits(Integer.getInteger(MAX_CONNECTIONS, DEFAULTS.maxConnections),
                Long.getLong(MAX_REQUEST_TIME, DEFAULTS.maxRequestSeconds), Integer.getInteger(MAX_HEADER_SIZE, DEFAULTS.maxHeaderBytes),
                Long.getLong(IDLE_INTERVAL, DEFAULTS.idleSeconds));
        if (limits.maxConnections <= 0 || limits.maxRequestSeconds <= 0 || limits.maxHeaderBytes <= 0) {
            throw new IllegalStateException("probe API: " + MAX_CONNECTIONS + ", " + MAX_REQUEST_TIME + " and " + MAX_HEADER_SIZE
                    + " must be positive (unlimited would let a few slow clients stop the API): " + limits);
        }
        return limits;
    }

    private static void setIfAbsent(String property, long value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Long.toString(value));
        }
    }
}
