package io.flowtrap.manager.watchlists;

import io.flowtrap.api.manager.WatchlistAnswer.RefusedLine;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A watchlist's text read as the probe reads it (the probe's {@code trigger.Watchlist}: Emerging
 * Threats' block lists and FireHOL's ipset files, one IPv4 or IPv6 address or CIDR a line, {@code #}
 * starting a comment, blank lines ignored, host bits of a CIDR cleared, addresses as literals only),
 * so the manager can say what loads before it pushes the list, and names each entry as the probe's
 * watchlist events do ({@code 203.0.113.0/24}, {@code 198.51.100.7/32}). Immutable.
 */
public record WatchlistText(List<String> entries, long refusedCount, List<RefusedLine> refusedShown) {
    /** Refused lines shown in an answer; all are counted. */
    public static final int REFUSED_SHOWN = 100;
    /** Most entries a list may hold (the probe's limit). */
    public static final int MAX_ENTRIES = 1_000_000;

    public WatchlistText {
        entries = List.copyOf(entries);
        refusedShown = List.copyOf(refusedShown);
    }

    public static WatchlistText read(String text) {
        Set<String> entries = new LinkedHashSet<>();
        List<RefusedLine> shown = new ArrayList<>();
        long refused = 0;
        int number = 0;
        for (String line : text.split("\r?\n", -1)) {
            number++;
            int hash = line.indexOf('#');
            String entry = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (entry.isEmpty()) {
                continue;
            }
            String reason;
            if (entries.size() >= MAX_ENTRIES) {
                reason = "more than " + MAX_ENTRIES + " entries";
            } else {
                try {
                    entries.add(network(entry));
                    continue;
                } catch (IllegalArgumentException e) {
                    reason = e.getMessage();
                }
            }
            refused++;
            if (shown.size() < REFUSED_SHOWN) {
                shown.add(new RefusedLine(number, line.length() <= 200 ? line : line.substring(0, 200), reason));
            }
        }
        return new WatchlistText(new ArrayList<>(entries), refused, shown);
    }

    /** {@code text} (an address or CIDR) as its network, named as the probe names it. */
    static String network(String text) {
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        byte[] address = host.indexOf(':') >= 0 ? ipv6(host) : ipv4(host);
        int bits = address.length * 8;
        int length = bits;
        if (slash >= 0) {
            String digits = text.substring(slash + 1);
            if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not a prefix length: '" + digits + "'");
            }
            length = Integer.parseInt(digits);
            if (length > bits) {
                throw new IllegalArgumentException("prefix length " + length + " is over " + bits);
            }
        }
        for (int bit = length; bit < bits; bit++) {
            address[bit >> 3] &= (byte) ~(0x80 >>> (bit & 7));
        }
        try {
            return InetAddress.getByAddress(address).getHostAddress() + "/" + length;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes always make an address
        }
    }

    private static byte[] ipv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 or IPv6 address: '" + host + "'");
        }
        byte[] a = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(p) > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + host + "'");
            }
            a[i] = (byte) Integer.parseInt(p);
        }
        return a;
    }

    /** An IPv6 literal: with a ':' in it (and only hex digits, ':' and '.'), InetAddress parses and never looks up. */
    private static byte[] ipv6(String host) {
        if (!host.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("not an IPv6 address: '" + host + "'");
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            if (!(address instanceof Inet6Address)) {
                throw new IllegalArgumentException("an IPv4-mapped IPv6 address: list '" + host + "' as IPv4");
            }
            return address.getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address: '" + host + "'");
        }
    }
}
