package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.forwarded.ForwardedCertificateFormat;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The behind-ingress listener's section: off by default, bound as written, and each start-up check. */
class IngressConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new ConfigFixture(dir);
    }

    private List<String> problemsWith(String moreYaml) {
        return fixture.problems(ConfigFixture.MINIMAL + moreYaml);
    }

    @Test
    void offByDefaultAndReadsEveryFormatWhenOn() throws Exception {
        IngressConfig defaults = fixture.loadWith("").ingress();
        assertThat(defaults.enabled()).isFalse();

        IngressConfig on = fixture.loadWith("""
                ingress:
                  enabled: true
                  trustedProxies: [10.1.0.0/16]
                """).ingress();
        assertThat(on.port()).isEqualTo(8080);
        assertThat(on.tls()).isEqualTo(IngressConfig.IngressTls.OFF);
        assertThat(on.formats()).containsExactly(ForwardedCertificateFormat.values());
        assertThat(on.escapedPemHeader()).isEqualTo("x-ssl-client-cert");
    }

    @Test
    void settingsBind() throws Exception {
        IngressConfig ingress = fixture.loadWith("""
                ingress:
                  enabled: true
                  bind: 10.0.0.4
                  port: 9080
                  tls: server
                  trustedProxies: [10.1.0.0/16, "2001:db8::/32"]
                  formats: [arr, XFCC]
                  escapedPemHeader: X-Client-Escaped-Cert
                """).ingress();
        assertThat(ingress.bind()).isEqualTo("10.0.0.4");
        assertThat(ingress.port()).isEqualTo(9080);
        assertThat(ingress.tls()).isEqualTo(IngressConfig.IngressTls.SERVER);
        assertThat(ingress.trustedProxies()).containsExactly("10.1.0.0/16", "2001:db8::/32");
        assertThat(ingress.formats()).containsExactly(ForwardedCertificateFormat.ARR_CLIENT_CERT, ForwardedCertificateFormat.XFCC);
        assertThat(ingress.escapedPemHeader()).isEqualTo("x-client-escaped-cert");
    }

    @Test
    void anIngressWithoutTrustedProxiesIsRefused() {
        assertThat(problemsWith("ingress: {enabled: true}\n"))
                .anySatisfy(p -> assertThat(p).startsWith("ingress.trustedProxies: list the ingresses"));
    }

    @Test
    void eachMistakeNamesItsSetting() {
        assertThat(problemsWith("""
                listener: {port: 9443}
                ingress:
                  enabled: true
                  port: 9443
                  trustedProxies: [10.0.0.0/33]
                  formats: [arr, arr]
                  escapedPemHeader: "bad header"
                """)).anySatisfy(p -> assertThat(p).startsWith("ingress.port: 9443 is taken"))
                .anySatisfy(p -> assertThat(p).startsWith("ingress.trustedProxies[0]:"))
                .anySatisfy(p -> assertThat(p).startsWith("ingress.formats[1]: 'arr' is listed twice"))
                .anySatisfy(p -> assertThat(p).startsWith("ingress.escapedPemHeader:"));
        assertThat(problemsWith("ingress: {enabled: true, trustedProxies: [10.0.0.1], formats: [haproxy]}\n"))
                .anySatisfy(p -> assertThat(p).contains("ingress").contains("haproxy"));
        assertThat(problemsWith("ingress: {enabled: true, trustedProxies: [10.0.0.1], formats: []}\n"))
                .anySatisfy(p -> assertThat(p).startsWith("ingress.formats: empty"));
    }

    @Test
    void whileOffNothingIsChecked() throws Exception {
        assertThat(fixture.loadWith("ingress: {enabled: false, port: 99999}\n").ingress().port()).isEqualTo(99999);
    }
}
