package io.flowtrap.probe.trigger;

import java.util.Arrays;

/**
 * Longest-prefix match of IPv4 and IPv6 addresses against a set of prefixes (a watchlist's CIDRs),
 * in time proportional to the address's bits and without allocating: a multibit trie of stride 4
 * (one node per nibble, 16 slots each) with controlled prefix expansion, a prefix whose length is
 * not a multiple of 4 filling the slots it covers at its last level. Each slot holds the entry of
 * the longest prefix ending there and the node below it, so a lookup reads at most 8 (IPv4) or 32
 * (IPv6) slots and keeps the last entry it met.
 *
 * <p>Built once by {@link Builder} (not thread-safe), then immutable: {@link #match} may be called
 * from any thread. Memory: 16 slots of 8 bytes per node ({@link #memoryBytes}); 10,000 random
 * /32s make about 50,000 nodes (~6 MB), prefixes that share their start far fewer.
 */
public final class AddressTrie {
    private static final int STRIDE = 4;
    private static final int FANOUT = 1 << STRIDE;
    /** Root node of each family: 0 for IPv4, 1 for IPv6. */
    private static final int ROOT_V4 = 0;
    private static final int ROOT_V6 = 1;

    private final int[] child;  // node * 16 + nibble → child node, 0 = none (node 0 is a root, never a child)
    private final int[] entry;  // node * 16 + nibble → entry + 1 of the longest prefix ending here, 0 = none
    private final int entries;

    private AddressTrie(int[] child, int[] entry, int entries) {
        this.child = child;
        this.entry = entry;
        this.entries = entries;
    }

    /** Bytes the trie's arrays hold. */
    public long memoryBytes() {
        return 4L * child.length + 4L * entry.length;
    }

    /** The entries added, distinct or not. */
    public int entries() {
        return entries;
    }

    /**
     * The entry (as numbered by {@link Builder#add}) of the longest prefix containing the address
     * in {@code address[offset ..)} (4 bytes for IPv4, 16 for IPv6), or -1.
     */
    public int match(int ipVersion, byte[] address, int offset) {
        int length = ipVersion == 4 ? 4 : ipVersion == 6 ? 16 : 0;
        int node = ipVersion == 4 ? ROOT_V4 : ROOT_V6;
        int found = 0;
        for (int i = 0; i < 2 * length; i++) {
            int b = address[offset + (i >> 1)] & 0xFF;
            int at = node * FANOUT + ((i & 1) == 0 ? b >>> 4 : b & 0x0F);
            if (entry[at] != 0) {
                found = entry[at];
            }
            node = child[at];
            if (node == 0) {
                break;
            }
        }
        return found - 1;
    }

    /** Adds prefixes, then {@link #build}s the trie. */
    public static final class Builder {
        private int[] child = new int[2 * FANOUT * 64];
        private int[] entry = new int[child.length];
        private byte[] entryLength = new byte[child.length]; // the prefix length of the entry in a slot, for overlaps
        private int nodes = 2;
        private int entries;

        /**
         * Adds {@code address/prefixLength} (bits past the prefix are ignored) and returns its entry
         * number, counting from 0.
         */
        public int add(int ipVersion, byte[] address, int prefixLength) {
            int bits = ipVersion == 4 ? 32 : ipVersion == 6 ? 128 : -1;
            if (bits < 0 || address.length < bits / 8) {
                throw new IllegalArgumentException("IP version " + ipVersion + " with " + address.length + " address bytes");
            }
            if (prefixLength < 0 || prefixLength > bits) {
                throw new IllegalArgumentException("prefix length " + prefixLength + " for IPv" + ipVersion);
            }
            int id = entries++;
            int node = ipVersion == 4 ? ROOT_V4 : ROOT_V6;
            int level = 0;
            // walk the whole nibbles of the prefix, making nodes; the last (partial or whole) nibble is expanded
            while ((level + 1) * STRIDE < prefixLength) {
                int at = node * FANOUT + nibble(address, level);
                if (child[at] == 0) {
                    int created = newNode(); // first: it may replace the array
                    child[at] = created;
                }
                node = child[at];
                level++;
            }
            if (prefixLength == 0) {
                // /0 matches every address: every root slot, shorter than anything else that lands there
                for (int n = 0; n < FANOUT; n++) {
                    put(node * FANOUT + n, id, 0);
                }
                return id;
            }
            int covered = (level + 1) * STRIDE - prefixLength; // free bits in this nibble: 0..3
            int first = nibble(address, level) & ~((1 << covered) - 1);
            for (int n = first; n < first + (1 << covered); n++) {
                put(node * FANOUT + n, id, prefixLength);
            }
            return id;
        }

        private void put(int at, int id, int prefixLength) {
            if (entry[at] == 0 || (entryLength[at] & 0xFF) <= prefixLength) {
                entry[at] = id + 1;
                entryLength[at] = (byte) prefixLength;
            }
        }

        private static int nibble(byte[] address, int level) {
            int b = address[level >> 1] & 0xFF;
            return (level & 1) == 0 ? b >>> 4 : b & 0x0F;
        }

        private int newNode() {
            if ((nodes + 1) * FANOUT > child.length) {
                int size = child.length * 2;
                child = Arrays.copyOf(child, size);
                entry = Arrays.copyOf(entry, size);
                entryLength = Arrays.copyOf(entryLength, size);
            }
            return nodes++;
        }

        public AddressTrie build() {
            return new AddressTrie(Arrays.copyOf(child, nodes * FANOUT), Arrays.copyOf(entry, nodes * FANOUT), entries);
        }
    }
}
