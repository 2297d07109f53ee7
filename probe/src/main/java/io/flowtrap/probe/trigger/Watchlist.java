package io.flowtrap.probe.trigger;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of bad addresses, as Emerging Threats' block lists and FireHOL's ipset files write them:
 * one IPv4 or IPv6 address or CIDR per line, {@code #} starting a comment (a whole line or the rest
 * of one), blank lines ignored. Read into an {@link AddressTrie}; a line that is none of these is
 * refused with its number and why, and the rest still loads. Addresses are parsed as literals only
 * (a host name is refused, never looked up). Host bits set in a CIDR ({@code 10.1.2.3/8}) are
 * ignored, as ipset does, and the entry is kept as its network ({@code 10.0.0.0/8}).
 */
public final class Watchlist {
    /** Most entries one list may hold: far above the largest public block lists (~100,000). */
    public static final int MAX_ENTRIES = 1_000_000;

    /** A line that was not loaded: its number (from 1), its text and why. */
    public record Refused(int line, String text, String reason) {}

    private final String name;
    private final List<String> entries;
    private final List<Refused> refused;
    private final AddressTrie trie;

    private Watchlist(String name, List<String> entries, List<Refused> refused, AddressTrie trie) {
        this.name = name;
        this.entries = List.copyOf(entries);
        this.refused = List.copyOf(refused);
        this.trie = trie;
    }

    /** Reads a list; {@code name} is what the flows it arms are said to be armed by. */
    public static Watchlist read(String name, Reader text) throws IOException {
        List<String> entries = new ArrayList<>();
        List<Refused> refused = new ArrayList<>();
        AddressTrie.Builder builder = new AddressTrie.Builder();
        BufferedReader lines = new BufferedReader(text);
        String line;
        int number = 0;
        while ((line = lines.readLine()) != null) {
            number++;
            int hash = line.indexOf('#');
            String entry = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (entry.isEmpty()) {
                continue;
            }
            if (entries.size() >= MAX_ENTRIES) {
                refused.add(new Refused(number, shorten(line), "more than " + MAX_ENTRIES + " entries"));
                continue;
            }
            try {
                Prefix p = Prefix.parse(entry);
                builder.add(p.version(), p.address(), p.length());
                entries.add(p.toString());
            } catch (IllegalArgumentException e) {
                refused.add(new Refused(number, shorten(line), e.getMessage()));
            }
        }
        return new Watchlist(name, entries, refused, builder.build());
    }

    public String name() {
        return name;
    }

    /** The entries loaded, as networks ({@code 192.0.2.0/24}, {@code 198.51.100.7/32}), in list order. */
    public List<String> entries() {
        return entries;
    }

    public List<Refused> refused() {
        return refused;
    }

    /** The listed entry containing the address ({@link AddressTrie#match}): its index in {@link #entries()}, or -1. */
    public int match(int ipVersion, byte[] address, int offset) {
        return trie.match(ipVersion, address, offset);
    }

    public long memoryBytes() {
        return trie.memoryBytes();
    }

    private static String shorten(String line) {
        return line.length() <= 120 ? line : line.substring(0, 120) + "…";
    }

    /** An address and prefix length, host bits cleared. */
    record Prefix(int version, byte[] address, int length) {
        static Prefix parse(String text) {
            int slash = text.indexOf('/');
            String host = slash < 0 ? text : text.substring(0, slash);
            byte[] address = host.indexOf(':') >= 0 ? ipv6(host) : ipv4(host);
            int bits = address.length * 8;
            int length = bits;
            if (slash >= 0) {
                String digits = text.substring(slash + 1);
                if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)) {
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
            return new Prefix(bits == 32 ? 4 : 6, address, length);
        }

        private static byte[] ipv4(String host) {
            String[] parts = host.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("not an IPv4 or IPv6 address: '" + host + "'");
            }
            byte[] a = new byte[4];
            for (int i = 0; i < 4; i++) {
                String p = parts[i];
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                        || Integer.parseInt(p) > 255) {
                    throw new IllegalArgumentException("not an IPv4 address: '" + host + "'");
                }
                a[i] = (byte) Integer.parseInt(p);
            }
            return a;
        }

        /** An IPv6 literal: with a ':' in it, InetAddress parses and never looks up. */
        private static byte[] ipv6(String host) {
            if (host.indexOf('%') >= 0 || host.indexOf('[') >= 0) {
                throw new IllegalArgumentException("not an IPv6 address: '" + host + "'");
            }
            try {
                InetAddress address = InetAddress.getByName(host);
                if (!(address instanceof Inet6Address)) { // ::ffff:a.b.c.d comes back as IPv4; packets carry it as IPv4
                    throw new IllegalArgumentException("an IPv4-mapped IPv6 address: list '" + host + "' as IPv4");
                }
                return address.getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IPv6 address: '" + host + "'");
            }
        }

        @Override
        public String toString() {
            try {
                return InetAddress.getByAddress(address).getHostAddress() + "/" + length;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
