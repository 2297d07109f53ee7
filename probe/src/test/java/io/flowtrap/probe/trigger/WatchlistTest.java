package io.flowtrap.probe.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Block lists as Emerging Threats and FireHOL publish them: comments, CIDRs, both families, and lines refused with why. */
class WatchlistTest {
    private static final String LIST = """
            # Emerging Threats block list, 2026-12-01
            #
            192.0.2.0/24
            198.51.100.7
               203.0.113.64/26   # a trailing comment

            10.1.2.3/8
            2001:db8:bad::/48
            evil.example.com
            1.2.3.256
            192.0.2.0/33
            192.0.2.0/
            ::ffff:192.0.2.1
            fe80::1%eth0
            """;

    @Test
    void loadsEveryAddressAndCidrAndRefusesTheRestWithTheirLineNumbers() throws Exception {
        Watchlist list = Watchlist.read("et-block", new StringReader(LIST));
        assertThat(list.name()).isEqualTo("et-block");
        assertThat(list.entries()).containsExactly("192.0.2.0/24", "198.51.100.7/32", "203.0.113.64/26", "10.0.0.0/8",
                "2001:db8:bad:0:0:0:0:0/48");
        assertThat(list.refused()).extracting(Watchlist.Refused::line).containsExactly(9, 10, 11, 12, 13, 14);
        assertThat(list.refused().get(0).reason()).isEqualTo("not an IPv4 or IPv6 address: 'evil.example.com'");
        assertThat(list.refused().get(1).reason()).isEqualTo("not an IPv4 address: '1.2.3.256'");
        assertThat(list.refused().get(2).reason()).isEqualTo("prefix length 33 is over 32");
        assertThat(list.refused().get(3).reason()).isEqualTo("not a prefix length: ''");
        assertThat(list.refused().get(4).reason()).contains("IPv4-mapped");
        assertThat(list.refused().get(5).reason()).isEqualTo("not an IPv6 address: 'fe80::1%eth0'");
    }

    @Test
    void matchesAddressesInsideTheListedNetworksOnly() throws Exception {
        Watchlist list = Watchlist.read("et-block", new StringReader(LIST));
        assertThat(match(list, "192.0.2.200")).isEqualTo(0);
        assertThat(match(list, "198.51.100.7")).isEqualTo(1);
        assertThat(match(list, "198.51.100.8")).isEqualTo(-1);
        assertThat(match(list, "203.0.113.127")).isEqualTo(2);
        assertThat(match(list, "203.0.113.128")).isEqualTo(-1);
        assertThat(match(list, "10.200.0.1")).isEqualTo(3);
        assertThat(match(list, "2001:db8:bad:ffff::1")).isEqualTo(4);
        assertThat(match(list, "2001:db8:bae::1")).isEqualTo(-1);
    }

    private static int match(Watchlist list, String address) throws Exception {
        byte[] a = InetAddress.getByName(address).getAddress();
        return list.match(a.length == 4 ? 4 : 6, a, 0);
    }
}
