package io.mtlsproxy.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClientIdentityTest {
    private static IssuedCertificate root;
    private static IssuedCertificate issuing;
    private static IssuedCertificate device;
    private static final Instant NOT_BEFORE = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    private static final Instant NOT_AFTER = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

    @BeforeAll
    static void issue() {
        root = CertificateBuilder.ca("CN=Contoso Devices Root,O=Contoso").selfSigned();
        issuing = CertificateBuilder.ca("CN=Contoso Devices Issuing,O=Contoso").signedBy(root);
        device = CertificateBuilder.client("CN=kiosk-7,OU=Kiosks,O=Contoso")
                .serial(new BigInteger("0ABCDEF0123", 16))
                .validity(NOT_BEFORE, NOT_AFTER)
                .dns("kiosk-7.devices.contoso.com", "kiosk-7.local")
                .uri("spiffe://contoso.com/kiosk/7")
                .email("kiosk-7@contoso.com")
                .ip("10.1.2.3", "2001:db8::1")
                .signedBy(issuing);
    }

    @Test
    void thumbprintsAreThoseOpensslPrints() throws Exception {
        ClientIdentity identity = ClientIdentity.of(device.presentedChain());
        byte[] der = device.certificate().getEncoded();

        assertThat(identity.sha256()).isEqualTo(lowerHex(MessageDigest.getInstance("SHA-256").digest(der)));
        assertThat(identity.sha1()).isEqualTo(lowerHex(MessageDigest.getInstance("SHA-1").digest(der)));
        assertThat(identity.sha1Upper()).isEqualTo(lowerHex(MessageDigest.getInstance("SHA-1").digest(der)).toUpperCase());
        // `openssl x509 -noout -fingerprint -sha256` prints upper-case, colon-separated pairs
        String openssl = opensslStyle(MessageDigest.getInstance("SHA-256").digest(der));
        assertThat(Thumbprints.normalize(openssl)).contains(identity.sha256());
    }

    @Test
    void spkiHashIsOverTheSubjectPublicKeyInfo() throws Exception {
        ClientIdentity identity = ClientIdentity.of(device.presentedChain());
        // SPKI DER read from the certificate structure, not from the JCA key object
        byte[] spki = new JcaX509CertificateHolder(device.certificate()).getSubjectPublicKeyInfo().getEncoded();

        assertThat(identity.spkiSha256())
                .isEqualTo(Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki)));
    }

    @Test
    void subjectAltNamesOfEachKind() throws Exception {
        SubjectAltNames sans = ClientIdentity.of(device.presentedChain()).subjectAltNames();

        assertThat(sans.dns()).containsExactly("kiosk-7.devices.contoso.com", "kiosk-7.local");
        assertThat(sans.uris()).containsExactly("spiffe://contoso.com/kiosk/7");
        assertThat(sans.emails()).containsExactly("kiosk-7@contoso.com");
        // the JDK spells IPv6 addresses in full, uncompressed form
        assertThat(sans.ips()).containsExactly("10.1.2.3", "2001:db8:0:0:0:0:0:1");
        assertThat(sans.isEmpty()).isFalse();
    }

    @Test
    void certificateWithoutSubjectAltNamesHasNone() throws Exception {
        IssuedCertificate plain = CertificateBuilder.client("CN=plain").signedBy(issuing);

        SubjectAltNames sans = ClientIdentity.of(plain.presentedChain()).subjectAltNames();

        assertThat(sans).isEqualTo(SubjectAltNames.NONE);
        assertThat(sans.isEmpty()).isTrue();
    }

    @Test
    void subjectIssuerSerialAndCommonName() throws Exception {
        ClientIdentity identity = ClientIdentity.of(device.presentedChain());

        assertThat(identity.subject()).hasToString("CN=kiosk-7,OU=Kiosks,O=Contoso");
        assertThat(identity.issuer()).hasToString("CN=Contoso Devices Issuing,O=Contoso");
        assertThat(identity.issuer().sameAs(DistinguishedName.parse("cn=contoso devices issuing, o=CONTOSO"))).isTrue();
        assertThat(identity.serial()).isEqualTo("abcdef0123");
        assertThat(identity.commonName()).isEqualTo("kiosk-7");
        assertThat(identity.notBefore()).isEqualTo(NOT_BEFORE);
        assertThat(identity.notAfter()).isEqualTo(NOT_AFTER);
        assertThat(identity.leaf()).isEqualTo(device.certificate());
    }

    @Test
    void commonNameIsTheMostSpecificOne() throws Exception {
        // Active Directory puts the container in a second CN: CN=PC01,CN=Computers,DC=...
        IssuedCertificate computer = CertificateBuilder.client("CN=PC01,CN=Computers,DC=contoso,DC=com").signedBy(issuing);

        assertThat(ClientIdentity.of(computer.presentedChain()).commonName()).isEqualTo("PC01");
    }

    @Test
    void commonNameIsEmptyWithoutCn() throws Exception {
        IssuedCertificate noCn = CertificateBuilder.client("O=Contoso,OU=Kiosks").signedBy(issuing);

        assertThat(ClientIdentity.of(noCn.presentedChain()).commonName()).isEmpty();
    }

    @Test
    void keepsThePresentedChainAndItsKey() throws Exception {
        List<X509Certificate> presented = new ArrayList<>(device.presentedChain());
        ClientIdentity identity = ClientIdentity.of(presented);
        presented.clear();

        assertThat(identity.chain()).containsExactly(device.certificate(), issuing.certificate());
        assertThat(identity.chainKey()).isEqualTo(ChainKey.of(device.presentedChain()));
        assertThatThrownBy(() -> identity.chain().add(root.certificate())).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void emptyChainIsRefused() {
        assertThatThrownBy(() -> ClientIdentity.of(List.of()))
                .isInstanceOf(IdentityException.class)
                .hasMessageContaining("no client certificate");
    }

    @Test
    void missingChainIsRefused() {
        assertThatThrownBy(() -> ClientIdentity.of(null))
                .isInstanceOf(IdentityException.class)
                .hasMessageContaining("no client certificate");
    }

    @Test
    void toStringNamesTheClientOnly() throws Exception {
        ClientIdentity identity = ClientIdentity.of(device.presentedChain());

        assertThat(identity.toString())
                .contains("CN=kiosk-7,OU=Kiosks,O=Contoso", identity.sha256())
                .doesNotContain(Base64.getEncoder().encodeToString(device.certificate().getEncoded()).substring(0, 40));
    }

    static String lowerHex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("%02x", b & 0xff));
        }
        return out.toString();
    }

    static String opensslStyle(byte[] bytes) {
        StringJoiner out = new StringJoiner(":");
        for (byte b : bytes) {
            out.add(String.format("%02X", b & 0xff));
        }
        return out.toString();
    }
}
