package io.mtlsproxy.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DistinguishedNameTest {

    @Test
    void comparisonIgnoresCaseAndSpacing() {
        DistinguishedName written = DistinguishedName.parse("CN=Kiosk  7, OU=Kiosks , O=Contoso");
        DistinguishedName presented = DistinguishedName.parse("cn=kiosk 7,ou=kiosks,o=CONTOSO");

        assertThat(written.sameAs(presented)).isTrue();
        assertThat(written).isEqualTo(presented).hasSameHashCodeAs(presented);
        assertThat(written.canonical()).isEqualTo(presented.canonical());
    }

    @Test
    void differentValuesDiffer() {
        DistinguishedName a = DistinguishedName.parse("CN=kiosk-7,O=Contoso");

        assertThat(a.sameAs(DistinguishedName.parse("CN=kiosk-8,O=Contoso"))).isFalse();
        assertThat(a.sameAs(DistinguishedName.parse("O=Contoso,CN=kiosk-7"))).isFalse(); // order is part of a DN
        assertThat(a).isNotEqualTo(DistinguishedName.parse("CN=kiosk-7,O=Fabrikam"));
    }

    @Test
    void valuesComeInTextOrder() {
        DistinguishedName dn = DistinguishedName.parse("CN=kiosk-7,OU=Lobby,OU=Kiosks,O=Contoso");

        assertThat(dn.values("OU")).containsExactly("Lobby", "Kiosks");
        assertThat(dn.values("ou")).containsExactly("Lobby", "Kiosks");
        assertThat(dn.values("L")).isEmpty();
    }

    @Test
    void commonNameIsTheMostSpecific() {
        assertThat(DistinguishedName.parse("CN=kiosk-7,OU=Kiosks,O=Contoso").commonName()).contains("kiosk-7");
        assertThat(DistinguishedName.parse("CN=jdoe,CN=Users,DC=contoso,DC=com").commonName()).contains("jdoe");
        assertThat(DistinguishedName.parse("OU=Kiosks,O=Contoso").commonName()).isEmpty();
    }

    @Test
    void printsRfc2253() {
        assertThat(DistinguishedName.parse("CN=kiosk-7, O=Contoso")).hasToString("CN=kiosk-7,O=Contoso");
    }

    @Test
    void refusesWhatIsNotADistinguishedName() {
        assertThatThrownBy(() -> DistinguishedName.parse("kiosk-7")).isInstanceOf(IllegalArgumentException.class);
    }
}
