package io.flowtrap.manager.syslog;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;

/** Carries finished messages to the system log, one datagram each, without ever waiting. */
interface SyslogTransport extends Closeable {
    /**
     * Sends one message. Returns null if the log took it, else why not (the system's words: no
     * such socket, nobody listening, no room): the caller counts it; nothing is retried.
     */
    String send(byte[] message, int length);

    /** What this sends to, for logs. */
    String describe();

    @Override
    void close();

    /** {@code unix:PATH} or {@code udp:HOST:PORT} (see {@link SyslogProperties#target()}). */
    static SyslogTransport open(String target) throws IOException {
        if (target.startsWith("unix:") && target.length() > "unix:".length()) {
            return new UnixDatagramTransport(target.substring("unix:".length()));
        }
        if (target.startsWith("udp:")) {
            String rest = target.substring("udp:".length());
            int colon = rest.lastIndexOf(':');
            if (colon > 0) {
                String host = rest.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1); // [v6 address]
                }
                try {
                    int port = Integer.parseInt(rest.substring(colon + 1));
                    if (port > 0 && port < 65536) {
                        return new UdpTransport(new InetSocketAddress(host, port));
                    }
                } catch (NumberFormatException e) {
                    // the error below
                }
            }
        }
        throw new IllegalArgumentException("flowtrap.syslog.target must be unix:PATH, udp:HOST:PORT or off, not '" + target + "'");
    }
}
