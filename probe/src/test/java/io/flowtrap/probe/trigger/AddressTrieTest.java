package io.flowtrap.probe.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The trie answers as a brute-force longest-prefix scan does, for random and for nested prefixes of both families. */
class AddressTrieTest {
    private record Prefix(int version, byte[] address, int length) {
        boolean contains(int ipVersion, byte[] a) {
            if (ipVersion != version) {
                return false;
            }
            int bits = version == 4 ? 32 : 128;
            BigInteger mask = length == 0 ? BigInteger.ZERO
                    : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftRight(bits - length).shiftLeft(bits - length);
            return new BigInteger(1, a).and(mask).equals(new BigInteger(1, address).and(mask));
        }
    }

    @Test
    void agreesWithABruteForceLongestPrefixMatch() {
        Random random = new Random(11);
        for (int round = 0; round < 20; round++) {
            List<Prefix> prefixes = new ArrayList<>();
            AddressTrie.Builder builder = new AddressTrie.Builder();
            int n = 1 + random.nextInt(300);
            for (int i = 0; i < n; i++) {
                int version = random.nextBoolean() ? 4 : 6;
                byte[] a = new byte[version == 4 ? 4 : 16];
                random.nextBytes(a);
                if (random.nextInt(3) == 0 && !prefixes.isEmpty()) { // nested in an earlier prefix, or around it
                    Prefix p = prefixes.get(random.nextInt(prefixes.size()));
                    if (p.version() == version) {
                        System.arraycopy(p.address(), 0, a, 0, Math.min(a.length, p.address().length / 2 + 1));
                    }
                }
                int length = random.nextInt(version == 4 ? 33 : 129);
                if (random.nextInt(50) == 0) {
                    length = 0;
                }
                prefixes.add(new Prefix(version, a, length));
                assertThat(builder.add(version, a, length)).isEqualTo(i);
            }
            AddressTrie trie = builder.build();
            assertThat(trie.entries()).isEqualTo(n);
            for (int q = 0; q < 3000; q++) {
                int version = random.nextBoolean() ? 4 : 6;
                byte[] a = new byte[version == 4 ? 4 : 16];
                random.nextBytes(a);
                if (q % 2 == 0) { // near a listed prefix, so that many queries match
                    Prefix p = prefixes.get(random.nextInt(prefixes.size()));
                    if (p.version() == version) {
                        System.arraycopy(p.address(), 0, a, 0, a.length - 1 - random.nextInt(a.length / 2));
                    }
                }
                byte[] padded = new byte[20];
                System.arraycopy(a, 0, padded, 3, a.length);
                assertThat(longestLength(trie.match(version, padded, 3), prefixes))
                        .as("IPv%d %s", version, hex(a)).isEqualTo(expectedLength(version, a, prefixes));
            }
        }
    }

    @Test
    void theLongestListedPrefixWinsWhateverTheOrderOfTheList() throws Exception {
        for (boolean shortFirst : new boolean[] {true, false}) {
            AddressTrie.Builder builder = new AddressTrie.Builder();
            byte[] net = InetAddress.getByName("10.1.0.0").getAddress();
            byte[] host = InetAddress.getByName("10.1.2.3").getAddress();
            int wide = shortFirst ? builder.add(4, net, 14) : -1;
            int narrow = builder.add(4, host, 32);
            if (!shortFirst) {
                wide = builder.add(4, net, 14);
            }
            AddressTrie trie = builder.build();
            assertThat(trie.match(4, host, 0)).isEqualTo(narrow);
            assertThat(trie.match(4, InetAddress.getByName("10.3.255.254").getAddress(), 0)).isEqualTo(wide);
            assertThat(trie.match(4, InetAddress.getByName("10.4.0.0").getAddress(), 0)).isEqualTo(-1);
            assertThat(trie.match(6, new byte[16], 0)).isEqualTo(-1);
        }
    }

    @Test
    void tenThousandHostsFitInAFewMegabytes() {
        AddressTrie.Builder builder = new AddressTrie.Builder();
        Random random = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            byte[] a = new byte[4];
            random.nextBytes(a);
            builder.add(4, a, 32);
        }
        assertThat(builder.build().memoryBytes()).isBetween(1L << 20, 12L << 20);
    }

    private static int expectedLength(int version, byte[] a, List<Prefix> prefixes) {
        int best = -1;
        for (Prefix p : prefixes) {
            if (p.contains(version, a)) {
                best = Math.max(best, p.length());
            }
        }
        return best;
    }

    private static int longestLength(int entry, List<Prefix> prefixes) {
        return entry < 0 ? -1 : prefixes.get(entry).length();
    }

    private static String hex(byte[] a) {
        return java.util.HexFormat.of().formatHex(a);
    }
}
