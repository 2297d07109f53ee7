package io.flowtrap.probe.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The ground truth ops/corpus/make-corpus.py writes beside a capture: which packets make each flow. */
final class CorpusTruth {
    record Flow(String identity, List<Integer> indexes, List<String> markers) {}

    private final Map<String, Flow> byIdentity = new HashMap<>();
    final int packets;

    private CorpusTruth(JsonNode root) throws IOException {
        packets = root.get("packets").asInt();
        for (JsonNode f : root.get("flows")) {
            List<Integer> indexes = new ArrayList<>();
            f.get("indexes").forEach(i -> indexes.add(i.asInt()));
            List<String> markers = new ArrayList<>();
            f.get("markers").forEach(m -> markers.add(m.asText()));
            List<Integer> vlans = new ArrayList<>();
            f.get("vlans").forEach(v -> vlans.add(v.asInt()));
            String id = identity(f.get("protocol").asInt(), f.get("src_ip").asText(), f.get("src_port").asInt(),
                    f.get("dest_ip").asText(), f.get("dest_port").asInt(), vlans);
            byIdentity.put(id, new Flow(id, indexes, markers));
        }
    }

    static CorpusTruth read(Path file) throws IOException {
        return new CorpusTruth(new ObjectMapper().readTree(file.toFile()));
    }

    Flow flow(String identity) {
        return byIdentity.get(identity);
    }

    Set<String> identities() {
        return byIdentity.keySet();
    }

    /** The alerts (EVE lines of event_type alert) of an eve.json, in file order. */
    static List<JsonNode> alerts(Path eve) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> alerts = new ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(eve)) {
            JsonNode event = json.readTree(line);
            if ("alert".equals(event.path("event_type").asText())) {
                alerts.add(event);
            }
        }
        return alerts;
    }

    /** The identity of the flow an EVE alert names. */
    static String identityOf(JsonNode alert) throws IOException {
        List<Integer> vlans = new ArrayList<>();
        alert.path("vlan").forEach(v -> vlans.add(v.asInt()));
        return identity(protocolNumber(alert.get("proto").asText()), alert.get("src_ip").asText(),
                alert.path("src_port").asInt(0), alert.get("dest_ip").asText(), alert.path("dest_port").asInt(0), vlans);
    }

    /** Direction-free identity of a flow: protocol, both endpoints (sorted), VLAN ids. */
    static String identity(int protocol, String a, int aPort, String b, int bPort, List<Integer> vlans) throws IOException {
        String ea = InetAddress.getByName(a).getHostAddress() + "#" + aPort;
        String eb = InetAddress.getByName(b).getHostAddress() + "#" + bPort;
        String endpoints = ea.compareTo(eb) <= 0 ? ea + "|" + eb : eb + "|" + ea;
        return protocol + " " + endpoints + " " + vlans;
    }

    static int protocolNumber(String proto) {
        return switch (proto) {
            case "TCP" -> 6;
            case "UDP" -> 17;
            case "ICMP" -> 1;
            case "IPv6-ICMP" -> 58;
            default -> Integer.parseInt(proto);
        };
    }
}
