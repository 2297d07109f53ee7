package io.flowtrap.probe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.trigger.Trigger;
import io.flowtrap.probe.trigger.TriggerSet;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code watchlist} events (schemas/watchlist-event) of a flow that ended armed by watchlists:
 * one per watchlist that armed it, shaped like an EVE alert ({@code event_type} "watchlist", the
 * flow's tuple and Community ID, {@code flow.start}/{@code flow.end}) so the manager indexes it next
 * to the alerts and the extraction chain carves its flow, with {@code watchlist.name} and
 * {@code watchlist.entry}: the list's CIDR an endpoint fell in. The entry is found here, on the
 * spooling thread, by the trie lookup again on the flow's key (the capture thread only records the
 * trigger bits). The flow key carries no direction: {@code dest_ip} is the listed endpoint,
 * {@code src_ip} the other (both listed: the lower address is the source). Stateless; thread-safe.
 */
final class WatchlistEvents {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Suricata's form, which the EVE parsers (the probe's carve, the manager's documents) read. */
    private static final DateTimeFormatter SURICATA =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxx").withZone(ZoneOffset.UTC);

    private WatchlistEvents() {}

    /** The events of {@code flow}: none if no watchlist armed it (or it carries no key). */
    static List<String> of(CaptureEngine.StoredFlow flow) {
        byte[] key = flow.flowKey();
        TriggerSet set = flow.armedUnder();
        if (key == null || set == null) {
            return List.of();
        }
        List<String> events = new ArrayList<>(1);
        for (String name : flow.armedBy()) {
            Trigger trigger = set.trigger(set.bitOf(name));
            if (trigger == null || !trigger.isWatchlist()) {
                continue;
            }
            int version = FlowKey.version(key, 0);
            int low = trigger.watchlist().match(version, key, FlowKey.OFF_LOW_ADDRESS);
            int high = trigger.watchlist().match(version, key, FlowKey.OFF_HIGH_ADDRESS);
            if (low < 0 && high < 0) {
                continue; // cannot be: the trie armed it; nothing true to say
            }
            boolean lowListed = low >= 0 && high < 0;
            int entry = low >= 0 ? low : high;
            events.add(event(flow, key, version, lowListed, name, trigger.watchlist().entries().get(entry)));
        }
        return events;
    }

    private static String event(CaptureEngine.StoredFlow flow, byte[] key, int version, boolean lowListed, String name,
            String entry) {
        int length = version == 6 ? 16 : 4;
        String low = address(key, FlowKey.OFF_LOW_ADDRESS, length);
        String high = address(key, FlowKey.OFF_HIGH_ADDRESS, length);
        int protocol = FlowKey.protocol(key, 0);
        ObjectNode e = JSON.createObjectNode()
                .put("timestamp", time(flow.lastSeenNanos()))
                .put("event_type", "watchlist")
                .put("src_ip", lowListed ? high : low);
        if (hasPorts(protocol)) {
            e.put("src_port", lowListed ? FlowKey.highPort(key, 0) : FlowKey.lowPort(key, 0));
        }
        e.put("dest_ip", lowListed ? low : high);
        if (hasPorts(protocol)) {
            e.put("dest_port", lowListed ? FlowKey.lowPort(key, 0) : FlowKey.highPort(key, 0));
        }
        e.put("proto", protocol(protocol));
        int vlans = FlowKey.vlanCount(key, 0);
        if (vlans > 0) {
            ArrayNode vlan = e.putArray("vlan").add(FlowKey.vlanOuter(key, 0));
            if (vlans > 1) {
                vlan.add(FlowKey.vlanInner(key, 0));
            }
        }
        e.put("community_id", flow.communityId());
        e.putObject("flow").put("start", time(flow.firstStoredNanos())).put("end", time(flow.lastSeenNanos()))
                .put("packets_stored", flow.storedPackets()).put("bytes_stored", flow.storedBytes());
        e.putObject("watchlist").put("name", name).put("entry", entry);
        return e.toString();
    }

    private static boolean hasPorts(int protocol) {
        return protocol == 6 || protocol == 17 || protocol == 132;
    }

    private static String protocol(int protocol) {
        return switch (protocol) {
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 1 -> "ICMP";
            case 58 -> "IPV6-ICMP";
            case 132 -> "SCTP";
            default -> Integer.toString(protocol);
        };
    }

    private static String address(byte[] key, int offset, int length) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(key, offset, offset + length)).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes always make an address
        }
    }

    private static String time(long nanos) {
        return SURICATA.format(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)));
    }
}
