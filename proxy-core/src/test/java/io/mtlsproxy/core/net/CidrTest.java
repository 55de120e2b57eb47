package io.mtlsproxy.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class CidrTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void ipv4NetworkMatchesItsAddressesOnly() throws Exception {
        Cidr net = Cidr.parse("10.1.0.0/16");
        assertThat(net.contains(ip("10.1.255.7"))).isTrue();
        assertThat(net.contains(ip("10.2.0.1"))).isFalse();
        assertThat(net.contains(ip("2001:db8::1"))).isFalse();
    }

    @Test
    void prefixThatIsNotAByteBoundary() throws Exception {
        Cidr net = Cidr.parse("192.168.1.64/27");
        assertThat(net.contains(ip("192.168.1.95"))).isTrue();
        assertThat(net.contains(ip("192.168.1.96"))).isFalse();
        assertThat(net.contains(ip("192.168.1.63"))).isFalse();
    }

    @Test
    void hostBitsAreIgnoredAndABareAddressIsOneHost() throws Exception {
        assertThat(Cidr.parse("10.1.2.3/8")).isEqualTo(Cidr.parse("10.0.0.0/8"));
        Cidr host = Cidr.parse("127.0.0.2");
        assertThat(host.contains(ip("127.0.0.2"))).isTrue();
        assertThat(host.contains(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void ipv6AndIpv4MappedAddresses() throws Exception {
        Cidr net = Cidr.parse("2001:db8::/32");
        assertThat(net.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(net.contains(ip("2001:db9::1"))).isFalse();
        assertThat(Cidr.parse("10.0.0.0/8").contains(InetAddress.getByAddress(
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 9, 8, 7}))).isTrue();
        assertThat(Cidr.parse("::/0").contains(ip("::1"))).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
    }

    @Test
    void hostNamesAndBadPrefixesAreRefusedWithoutALookup() {
        assertThatThrownBy(() -> Cidr.parse("gateway.example.com/24")).hasMessageContaining("host names are not allowed");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("0 to 32");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> Cidr.parse("300.1.1.1")).hasMessageContaining("not an IPv4 or IPv6 address");
    }

    @Test
    void setMatchesAnyOfItsNetworks() throws Exception {
        CidrSet set = CidrSet.parse(List.of("10.0.0.0/8", "2001:db8::/32"));
        assertThat(set.contains(ip("10.3.3.3"))).isTrue();
        assertThat(set.contains(ip("2001:db8::5"))).isTrue();
        assertThat(set.contains(ip("11.0.0.1"))).isFalse();
        assertThat(CidrSet.parse(List.of()).isEmpty()).isTrue();
    }
}
