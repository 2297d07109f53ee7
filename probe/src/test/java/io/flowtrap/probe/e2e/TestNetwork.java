package io.flowtrap.probe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A network namespace of this test JVM's own ({@code ftrg<pid>}) with a veth pair {@code ftA} /
 * {@code ftB} (MTU 9000, IPv6 off so nothing else talks on it): tcpreplay sends into ftB and the
 * captures listen on ftA. {@link #inside} opens sockets in the namespace from this JVM (a fresh
 * thread joins it with {@code setns}; a socket stays in the namespace it was made in, so any thread
 * may read it afterwards).
 */
final class TestNetwork implements AutoCloseable {
    static final String CAPTURE = "ftA";
    static final String SEND = "ftB";

    private interface Libc extends Library {
        Libc INSTANCE = Native.load("c", Libc.class);

        int open(String path, int flags);

        int setns(int fd, int type);

        int close(int fd);
    }

    private static final int CLONE_NEWNET = 0x40000000;

    private final Path work;
    final String name;

    private TestNetwork(Path work, String name) {
        this.work = work;
        this.name = name;
    }

    static TestNetwork create(Path work) throws Exception {
        TestNetwork net = new TestNetwork(work, "ftrg" + ProcessHandle.current().pid());
        Tools.run(work, List.of("ip", "netns", "del", net.name)); // a leftover of a killed run
        must(Tools.run(work, List.of("ip", "netns", "add", net.name)), "netns add");
        try {
            must(Tools.run(work, net.command("ip", "link", "add", CAPTURE, "type", "veth", "peer", "name", SEND)), "veth");
            must(Tools.run(work, net.command("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")), "no IPv6 chatter");
            for (String dev : List.of(CAPTURE, SEND)) {
                must(Tools.run(work, net.command("ip", "link", "set", dev, "mtu", "9000", "up")), "link up " + dev);
            }
        } catch (Exception | AssertionError e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** {@code command} run inside the namespace. */
    List<String> command(String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", name));
        c.addAll(List.of(command));
        return c;
    }

    /** Sends {@code pcap} from ftB with tcpreplay and these options (e.g. --topspeed); fails if tcpreplay does. */
    void replay(Path pcap, String... options) throws Exception {
        List<String> c = new ArrayList<>(List.of("tcpreplay", "-i", SEND));
        c.addAll(List.of(options));
        c.add(pcap.toString());
        must(Tools.run(work, command(c.toArray(String[]::new))), "tcpreplay");
    }

    /** Runs {@code action} on a thread that has joined the namespace (to open sockets there). */
    <T> T inside(Callable<T> action) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            int fd = Libc.INSTANCE.open("/var/run/netns/" + name, 0);
            if (fd < 0 || Libc.INSTANCE.setns(fd, CLONE_NEWNET) != 0) {
                failure.set(new IllegalStateException("cannot join netns " + name + ": errno " + Native.getLastError()));
                return;
            }
            Libc.INSTANCE.close(fd);
            try {
                result.set(action.call());
            } catch (Exception e) {
                failure.set(e);
            }
        }, "in-" + name);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    private static void must(Tools.Run run, String what) {
        assertThat(run.exit()).as(what + ": " + run.out() + run.err()).isZero();
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            Tools.run(work, List.of("ip", "netns", "del", name));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
