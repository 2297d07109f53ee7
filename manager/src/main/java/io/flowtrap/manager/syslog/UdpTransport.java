package io.flowtrap.manager.syslog;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/** RFC 5426: one message per UDP datagram to a collector; a send with no room in the socket is refused, not waited for. */
final class UdpTransport implements SyslogTransport {
    private final DatagramChannel channel;
    private final InetSocketAddress collector;

    UdpTransport(InetSocketAddress collector) throws IOException {
        if (collector.isUnresolved()) {
            throw new IOException("syslog collector host " + collector.getHostString() + " does not resolve");
        }
        this.collector = collector;
        this.channel = DatagramChannel.open();
        channel.configureBlocking(false);
    }

    @Override
    public synchronized String send(byte[] message, int length) {
        try {
            return channel.send(ByteBuffer.wrap(message, 0, length), collector) == length ? null : "no room in the socket's buffer";
        } catch (IOException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    @Override
    public String describe() {
        return "udp:" + collector.getHostString() + ":" + collector.getPort();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to send on it
        }
    }
}
