package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentityHeadersConfigTest {
    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .build();

    @Test
    void defaults() {
        IdentityHeadersConfig d = IdentityHeadersConfig.defaults();
        assertThat(d.xfcc()).isEqualTo(XfccMode.SANITIZE);
        assertThat(d.xfccFields()).containsExactly("Hash", "Subject", "URI", "DNS");
        assertThat(d.clientCert()).isFalse();
        assertThat(d.clientCertChain()).isFalse();
        assertThat(d.simple()).isTrue();
        assertThat(d.signing()).isNull();
        assertThat(d.problems("r")).isEmpty();
    }

    /** The section as the lead pastes it into the example (same text as in the brief's report). */
    @Test
    void theExampleSectionBinds() throws Exception {
        String yaml = """
                xfcc: append
                xfccFields: [Hash, Cert, Subject, URI, DNS]
                clientCert: true
                clientCertChain: true
                simple: true
                signing:
                  keyFile: /etc/mtls-proxy/upstream-signing.key
                  header: x-mtls-proxy-signature
                """;
        IdentityHeadersConfig c = YAML.readValue(yaml, IdentityHeadersConfig.class);
        assertThat(c.xfcc()).isEqualTo(XfccMode.APPEND);
        assertThat(c.xfccFields()).containsExactly("Hash", "Cert", "Subject", "URI", "DNS");
        assertThat(c.signing()).isEqualTo(new SigningConfig("/etc/mtls-proxy/upstream-signing.key", "x-mtls-proxy-signature"));
        assertThat(c.problems("proxy.routes[0].identityHeaders")).isEmpty();
        assertThat(YAML.readValue("{}", IdentityHeadersConfig.class)).isEqualTo(IdentityHeadersConfig.defaults());
    }

    @Test
    void modesByConfigName() throws Exception {
        assertThat(XfccMode.fromConfigName("forward-only")).isEqualTo(XfccMode.FORWARD_ONLY);
        assertThat(XfccMode.fromConfigName("FORWARD_ONLY")).isEqualTo(XfccMode.FORWARD_ONLY);
        assertThat(XfccMode.fromConfigName(" set ")).isEqualTo(XfccMode.SET);
        assertThat(YAML.readValue("xfcc: sanitize", IdentityHeadersConfig.class).xfcc()).isEqualTo(XfccMode.SANITIZE);
        assertThatThrownBy(() -> XfccMode.fromConfigName("append_forward"))
                .hasMessage("'append_forward' is not one of sanitize, forward-only, append, set");
        assertThatThrownBy(() -> YAML.readValue("xfcc: bogus", IdentityHeadersConfig.class))
                .hasMessageContaining("'bogus' is not one of sanitize, forward-only, append, set");
    }

    @Test
    void fieldsAreCanonicalAndChecked() {
        assertThat(new IdentityHeadersConfig(null, List.of("hash", " dns ", "BY"), null, null, null, null).xfccFields())
                .containsExactly("Hash", "DNS", "By");
        assertThatThrownBy(() -> new IdentityHeadersConfig(null, List.of("Hash", "SAN"), null, null, null, null))
                .hasMessage("xfccFields: 'SAN' is not one of By, Hash, Cert, Chain, Subject, URI, DNS");
        assertThatThrownBy(() -> new IdentityHeadersConfig(null, List.of("Hash", "hash"), null, null, null, null))
                .hasMessage("xfccFields: 'Hash' is listed twice");
    }

    @Test
    void contradictionsNameTheirSetting() {
        String at = "proxy.routes[1].identityHeaders";
        assertThat(new IdentityHeadersConfig(null, null, false, true, null, null).problems(at))
                .containsExactly(at + ".clientCertChain: needs clientCert: true (RFC 9440 sends the chain only with the leaf)");
        assertThat(new IdentityHeadersConfig(XfccMode.SET, List.of(), null, null, null, null).problems(at))
                .containsExactly(at + ".xfccFields: is empty, so xfcc: set would send an empty element; name fields or use xfcc: sanitize");
        assertThat(new IdentityHeadersConfig(null, null, null, null, null, new SigningConfig(null, null)).problems(at))
                .containsExactly(at + ".signing.keyFile: is required when signing is set");
        assertThat(new IdentityHeadersConfig(null, null, null, null, null, new SigningConfig("/k", "x bad")).problems(at))
                .containsExactly(at + ".signing.header: 'x bad' is not a header name");
        assertThat(new IdentityHeadersConfig(null, null, null, null, null, new SigningConfig("/k", "Client-Cert")).problems(at))
                .containsExactly(at + ".signing.header: 'client-cert' is already an identity or protocol header; choose another name");
        assertThat(new IdentityHeadersConfig(null, null, false, false, false, new SigningConfig("/k", null)).problems(at))
                .containsExactly(at + ".signing: no identity header is set (xfcc: sanitize, clientCert, simple all off), "
                        + "so there is nothing to sign");
    }
}
