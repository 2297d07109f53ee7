package io.flowtrap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFileReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The carve check of the live benchmark ({@code ops/bench/run live}): after Suricata has alerted on
 * a capture sent over a veth and the probe has stored what those alerts armed, each alerted flow's
 * carve ({@code flowtrap-probe extract --alerts eve.json --out-dir D}, one {@code D/<n>.pcap} per
 * alert line) is compared with the flow's frames in the original capture, found through the ground
 * truth ops/corpus/make-corpus.py wrote beside it. A flow is <em>whole</em> when its carve holds
 * exactly its frames, byte for byte, in order (timestamps aside: they are the receiver's); it has
 * <em>holes</em> when the carve holds some of them, in order, and nothing else; it is <em>not
 * stored</em> when there is no carve or an empty one; anything else (a frame that is not the flow's,
 * or out of order) is <em>wrong</em>, which the probe must never produce. A flow alerted more than
 * once is judged by its first alert's carve.
 *
 * <p>Reads the alerts with Jackson and pcaps with the probe's {@link PcapFileReader}; the
 * identity of a flow (protocol, both endpoints, VLAN ids) is the one Suricata's EVE and the truth
 * file both give.
 *
 * <pre>usage: LiveCarveCheck --pcap ORIGINAL --truth TRUTH.json --alerts EVE.json --carves DIR</pre>
 *
 * Prints a summary, then one line {@code carve check: alerts=N flows=N whole=N holes=N not_stored=N
 * wrong=N unknown=N} for scripts (unknown: alerts that name no flow of the capture).
 */
public final class LiveCarveCheck {
    private LiveCarveCheck() {}

    /** A flow of the truth file: its identity and the 0-based indexes of its packets in the capture. */
    private record Flow(String identity, int[] indexes) {}

    private enum Verdict { WHOLE, HOLES, NOT_STORED, WRONG }

    public static void main(String[] args) throws IOException {
        Path pcap = null;
        Path truth = null;
        Path alerts = null;
        Path carves = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pcap" -> pcap = Path.of(args[++i]);
                case "--truth" -> truth = Path.of(args[++i]);
                case "--alerts" -> alerts = Path.of(args[++i]);
                case "--carves" -> carves = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (pcap == null || truth == null || alerts == null || carves == null) {
            throw new IllegalArgumentException("usage: LiveCarveCheck --pcap ORIGINAL --truth TRUTH.json --alerts EVE.json"
                    + " --carves DIR");
        }
        ObjectMapper json = new ObjectMapper();
        Map<String, Flow> flows = readTruth(json.readTree(truth.toFile()));

        // the first alert (its carve's number) of each alerted flow, in alert order
        Map<String, Integer> firstAlert = new LinkedHashMap<>();
        int alertCount = 0;
        int unknown = 0;
        try (BufferedReader lines = Files.newBufferedReader(alerts)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode event = json.readTree(line);
                if (!"alert".equals(event.path("event_type").asText())) {
                    continue;
                }
                int n = alertCount++;
                String id = identityOf(event);
                if (!flows.containsKey(id)) {
                    unknown++;
                    System.out.printf("alert %d names no flow of the capture: %s%n", n, id);
                    continue;
                }
                firstAlert.putIfAbsent(id, n);
            }
        }

        BitSet wanted = new BitSet();
        for (String id : firstAlert.keySet()) {
            for (int index : flows.get(id).indexes()) {
                wanted.set(index);
            }
        }
        byte[][] original = readFrames(pcap, wanted);

        int[] verdicts = new int[Verdict.values().length];
        List<String> examples = new ArrayList<>();
        for (Map.Entry<String, Integer> e : firstAlert.entrySet()) {
            Flow flow = flows.get(e.getKey());
            Path carve = carves.resolve(e.getValue() + ".pcap");
            Verdict verdict = judge(flow, original, Files.exists(carve) ? readFrames(carve, null) : new byte[0][]);
            verdicts[verdict.ordinal()]++;
            if (verdict != Verdict.WHOLE && examples.size() < 5) {
                examples.add(verdict + ": alert " + e.getValue() + " (" + flow.identity() + ", "
                        + flow.indexes().length + " packets), carve " + carve);
            }
        }
        int alerted = firstAlert.size();
        int whole = verdicts[Verdict.WHOLE.ordinal()];
        System.out.printf("alerts: %d, alerted flows: %d (%d alerts name no flow of the capture)%n", alertCount, alerted,
                unknown);
        System.out.printf("carved whole and byte-exact: %d (%.2f %%)%n", whole, alerted == 0 ? 0.0 : 100.0 * whole / alerted);
        System.out.printf("with holes: %d%nnot stored: %d%nwrong (frames not of the flow, or out of order): %d%n",
                verdicts[Verdict.HOLES.ordinal()], verdicts[Verdict.NOT_STORED.ordinal()],
                verdicts[Verdict.WRONG.ordinal()]);
        examples.forEach(x -> System.out.println("  e.g. " + x));
        System.out.printf("carve check: alerts=%d flows=%d whole=%d holes=%d not_stored=%d wrong=%d unknown=%d%n",
                alertCount, alerted, whole, verdicts[Verdict.HOLES.ordinal()], verdicts[Verdict.NOT_STORED.ordinal()],
                verdicts[Verdict.WRONG.ordinal()], unknown);
    }

    /** Compares a carve with the flow's frames as sent. */
    private static Verdict judge(Flow flow, byte[][] original, byte[][] carved) {
        if (carved.length == 0) {
            return Verdict.NOT_STORED;
        }
        int[] indexes = flow.indexes();
        int next = 0; // the next frame of the flow a carved frame may be
        for (byte[] frame : carved) {
            while (next < indexes.length && !Arrays.equals(original[indexes[next]], frame)) {
                next++;
            }
            if (next == indexes.length) {
                return Verdict.WRONG;
            }
            next++;
        }
        return carved.length == indexes.length ? Verdict.WHOLE : Verdict.HOLES;
    }

    /**
     * The frames of a pcap: with {@code wanted}, an array indexed by packet number holding only the
     * wanted packets' bytes (null elsewhere); without, every frame in file order.
     */
    private static byte[][] readFrames(Path file, BitSet wanted) throws IOException {
        List<byte[]> all = new ArrayList<>();
        byte[][] byIndex = wanted == null ? null : new byte[Math.max(0, wanted.length())][];
        try (PcapFileReader reader = PcapFileReader.open(file)) {
            PacketRecord packet = new PacketRecord();
            int index = 0;
            while (reader.next(packet)) {
                if (wanted == null || wanted.get(index)) {
                    byte[] frame = new byte[packet.capturedLength()];
                    packet.copyTo(frame, 0);
                    if (wanted == null) {
                        all.add(frame);
                    } else {
                        byIndex[index] = frame;
                    }
                }
                index++;
                if (wanted != null && index >= byIndex.length) {
                    break;
                }
            }
            if (reader.truncatedTail()) {
                throw new IOException(file + " ends with a torn record");
            }
        }
        return wanted == null ? all.toArray(new byte[0][]) : byIndex;
    }

    private static Map<String, Flow> readTruth(JsonNode root) throws IOException {
        Map<String, Flow> flows = new HashMap<>();
        for (JsonNode f : root.get("flows")) {
            int[] indexes = new int[f.get("indexes").size()];
            for (int i = 0; i < indexes.length; i++) {
                indexes[i] = f.get("indexes").get(i).asInt();
            }
            String id = identity(f.get("protocol").asInt(), f.get("src_ip").asText(), f.get("src_port").asInt(),
                    f.get("dest_ip").asText(), f.get("dest_port").asInt(), f.get("vlans"));
            flows.put(id, new Flow(id, indexes));
        }
        return flows;
    }

    /** The identity of the flow an EVE alert names. */
    private static String identityOf(JsonNode alert) throws IOException {
        return identity(protocolNumber(alert.path("proto").asText()), alert.path("src_ip").asText(),
                alert.path("src_port").asInt(0), alert.path("dest_ip").asText(), alert.path("dest_port").asInt(0),
                alert.path("vlan"));
    }

    /** Direction-free: protocol, both endpoints (sorted, addresses in canonical form), VLAN ids outer first. */
    private static String identity(int protocol, String a, int aPort, String b, int bPort, JsonNode vlans)
            throws IOException {
        String ea = InetAddress.getByName(a).getHostAddress() + "#" + aPort;
        String eb = InetAddress.getByName(b).getHostAddress() + "#" + bPort;
        StringBuilder id = new StringBuilder().append(protocol).append(' ')
                .append(ea.compareTo(eb) <= 0 ? ea + "|" + eb : eb + "|" + ea).append(" [");
        for (JsonNode v : vlans) {
            id.append(v.asInt()).append(',');
        }
        return id.append(']').toString();
    }

    private static int protocolNumber(String proto) {
        return switch (proto) {
            case "TCP" -> 6;
            case "UDP" -> 17;
            case "ICMP" -> 1;
            case "IPv6-ICMP" -> 58;
            default -> Integer.parseInt(proto);
        };
    }
}
