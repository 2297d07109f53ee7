package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a search must find, read without the manager: {@code tcpdump -r} of each of a probe's store
 * segments (from its store directory) with the search's filter, kept inside the window, in time
 * order, every byte and every nanosecond. Shared by the searches' tests (SearchesIT, GuiSearchesIT),
 * with the arguments that register a probe nothing serves (every call to it refused).
 */
final class StoreOracle {
    private static final Pattern SEGMENT = Pattern.compile("\\.?segment-(\\d{16})\\.pcap(\\.active)?");
    private static final Pattern TIME = Pattern.compile("^(\\d+)\\.(\\d{9}) ");

    private StoreOracle() {}

    /**
     * The manager's arguments registering probe {@code index} as {@code name} at a free port nothing
     * listens on, with {@code systemDir}'s probe token and CA (a {@link FlowtrapSystem}'s directory).
     */
    static List<String> unservedProbe(Path systemDir, int index, String name) throws Exception {
        String at = "--flowtrap.probes[" + index + "].";
        return List.of(at + "name=" + name, at + "url=https://127.0.0.1:" + FlowtrapSystem.freePort(),
                at + "token-file=" + systemDir.resolve("probe-api.token"), at + "ca-certificate=" + systemDir.resolve("tls/ca.pem"));
    }

    /** tcpdump's packets of {@code pcap} that {@code filter} keeps: the time to the ns, then every byte. */
    static List<String> packets(Path pcap, String filter) throws Exception {
        // -S: absolute TCP sequence numbers (tcpdump makes them relative to a SYN it saw earlier in the same file)
        List<String> command = new ArrayList<>(List.of("tcpdump", "-nn", "-S", "-tt", "--time-stamp-precision=nano", "-xx", "-r",
                pcap.toString()));
        if (!filter.isEmpty()) {
            command.add(filter);
        }
        FlowtrapSystem.Run r = FlowtrapSystem.run(command);
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> packets = new ArrayList<>();
        for (String p : r.out().split("\n(?!\t)")) {
            if (!p.isBlank()) {
                packets.add(p);
            }
        }
        return packets;
    }

    /** A packet's time as {@link #packets} prints it, in ns. */
    static long nanos(String packet) {
        Matcher m = TIME.matcher(packet);
        assertThat(m.find()).as(packet).isTrue();
        return Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2));
    }

    /** The store's segments, in the store's order (by sequence; the one being written last of its number). */
    static List<Path> segments(Path store) throws Exception {
        try (Stream<Path> files = Files.walk(store)) {
            List<Path> found = files.filter(f -> SEGMENT.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparing(f -> {
                        Matcher m = SEGMENT.matcher(f.getFileName().toString());
                        m.matches();
                        return m.group(1);
                    })).toList();
            assertThat(found).as("segments under " + store).isNotEmpty();
            return found;
        }
    }

    /** What tcpdump -r of each segment keeps with {@code filter}, inside [from, to], in time order (stable: segment, then file order). */
    static List<String> kept(Path store, String filter, long from, long to) throws Exception {
        List<String> kept = new ArrayList<>();
        for (Path segment : segments(store)) {
            for (String p : packets(segment, filter)) {
                long t = nanos(p);
                if (t >= from && t <= to) {
                    kept.add(p);
                }
            }
        }
        kept.sort(Comparator.comparingLong(StoreOracle::nanos));
        return kept;
    }

    /** Every packet time the store holds, sorted. */
    static List<Long> times(Path store) throws Exception {
        return kept(store, "", 0, Long.MAX_VALUE).stream().map(StoreOracle::nanos).toList();
    }
}
