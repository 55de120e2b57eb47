package io.mtlsproxy.core.forwarded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The XFCC grammar, with the examples of Envoy's header documentation as vectors. */
class XfccTest {
    /** Envoy docs, "x-forwarded-client-cert", example 1: one certificate with a URI SAN. */
    static final String ENVOY_EXAMPLE_1 = "By=http://frontend.lyft.com;"
            + "Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;"
            + "Subject=\"/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client\";URI=http://testclient.lyft.com";
    /** Example 2: two elements, two proxies. */
    static final String ENVOY_EXAMPLE_2 = "By=http://frontend.lyft.com;"
            + "Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;URI=http://testclient.lyft.com,"
            + "By=http://backend.lyft.com;Hash=9ba61d6425303443c0748a02dd8de688468ed33be74eee6556d90c0149c1309e;"
            + "URI=http://frontend.lyft.com";
    /** Example 3: URI and DNS SANs, one DNS pair per name. */
    static final String ENVOY_EXAMPLE_3 = "By=http://frontend.lyft.com;"
            + "Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;"
            + "Subject=\"/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client\";URI=http://testclient.lyft.com;"
            + "DNS=lyft.com;DNS=www.lyft.com";

    @Test
    void envoyExampleOne() throws Exception {
        List<XfccElement> elements = Xfcc.parse(ENVOY_EXAMPLE_1);
        assertThat(elements).hasSize(1);
        XfccElement e = elements.get(0);
        assertThat(e.value("By")).isEqualTo("http://frontend.lyft.com");
        assertThat(e.value("hash")).isEqualTo("468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688");
        assertThat(e.value("Subject")).isEqualTo("/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client");
        assertThat(e.values("URI")).containsExactly("http://testclient.lyft.com");
        assertThat(e.value("Cert")).isNull();
    }

    @Test
    void envoyExampleTwoHasTheNearestProxyLast() throws Exception {
        List<XfccElement> elements = Xfcc.parse(ENVOY_EXAMPLE_2);
        assertThat(elements).extracting(e -> e.value("By")).containsExactly("http://frontend.lyft.com", "http://backend.lyft.com");
        assertThat(elements.get(1).value("URI")).isEqualTo("http://frontend.lyft.com");
    }

    @Test
    void envoyExampleThreeKeepsEveryDnsName() throws Exception {
        XfccElement e = Xfcc.parse(ENVOY_EXAMPLE_3).get(0);
        assertThat(e.values("DNS")).containsExactly("lyft.com", "www.lyft.com");
        assertThat(e.pairs()).extracting(XfccElement.Pair::key).containsExactly("By", "Hash", "Subject", "URI", "DNS", "DNS");
    }

    @Test
    void envoyExamplesWriteBackAsReceived() throws Exception {
        for (String example : List.of(ENVOY_EXAMPLE_1, ENVOY_EXAMPLE_2, ENVOY_EXAMPLE_3)) {
            assertThat(Xfcc.format(Xfcc.parse(example))).isEqualTo(example);
        }
    }

    @Test
    void quotedValuesHideSeparatorsAndUnescapeQuotes() throws Exception {
        XfccElement e = Xfcc.parse("Subject=\"CN=a,b;c=\\\"d\\\"\";URI=;DNS=x").get(0);
        assertThat(e.value("Subject")).isEqualTo("CN=a,b;c=\"d\"");
        assertThat(e.value("URI")).isEmpty();
        assertThat(e.value("DNS")).isEqualTo("x");
    }

    @Test
    void rfc2253EscapesInsideQuotesStayAsEnvoyWroteThem() throws Exception {
        // Envoy writes the subject's RFC 2253 escapes unchanged: "\," must stay "\,"
        XfccElement e = Xfcc.parse("Subject=\"CN=Doe\\, John,O=Contoso\";Hash=ab").get(0);
        assertThat(e.value("Subject")).isEqualTo("CN=Doe\\, John,O=Contoso");
        assertThat(Xfcc.parse("Subject=\"a\\\\\"").get(0).value("Subject")).isEqualTo("a\\");
    }

    @Test
    void unquotedValuesMayHoldEqualsSigns() throws Exception {
        // Envoy does not quote a URI SAN (its own TODO); a query string's '=' must not break the element
        XfccElement e = Xfcc.parse("URI=https://x.example/p?a=b;DNS=x.example").get(0);
        assertThat(e.value("URI")).isEqualTo("https://x.example/p?a=b");
    }

    @Test
    void spacesAroundSeparatorsAreAllowed() throws Exception {
        List<XfccElement> elements = Xfcc.parse("Hash=aa ; URI=u , Hash=bb;URI=v ");
        assertThat(elements).extracting(e -> e.value("Hash")).containsExactly("aa", "bb");
        assertThat(elements.get(1).value("URI")).isEqualTo("v");
    }

    @Test
    void writerQuotesWhatNeedsQuotesAndEscapesQuotes() {
        XfccElement e = new XfccElement(List.of(
                new XfccElement.Pair("Hash", "ab"),
                new XfccElement.Pair("Subject", "CN=x"),
                new XfccElement.Pair("URI", "https://x/?a=b;c"),
                new XfccElement.Pair("DNS", "say \"hi\""),
                new XfccElement.Pair("By", " padded")));
        assertThat(e.encode()).isEqualTo(
                "Hash=ab;Subject=\"CN=x\";URI=\"https://x/?a=b;c\";DNS=\"say \\\"hi\\\"\";By=\" padded\"");
        assertThatThrownBy(() -> new XfccElement(List.of(new XfccElement.Pair("DNS", "a\r\nX-Evil: 1"))).encode())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new XfccElement(List.of(new XfccElement.Pair("Bad Key", "v"))).encode())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writtenValuesParseBack() throws Exception {
        List<String> values = List.of("", "plain", "a,b", "a;b", "a=b", "q\"uote", "tab\there", "CN=Doe\\, John", " lead",
                "\tlead", "ends\\", "two\\\\b", "esc\\\"q", "\\", "\\\\\\,");
        for (String value : values) {
            String header = new XfccElement(List.of(new XfccElement.Pair("DNS", value), new XfccElement.Pair("Hash", "x")))
                    .encode();
            XfccElement back = Xfcc.parse(header).get(0);
            assertThat(back.value("DNS")).as(header).isEqualTo(value);
            assertThat(back.value("Hash")).isEqualTo("x");
        }
    }

    @Test
    void malformedHeaders() {
        List<String> bad = List.of(
                "", "   ", ",", "Hash=a,", "Hash=a;", "Hash=a,,Hash=b", "Hash", "Hash;URI=x", "=x", "Ha sh=x",
                "Subject=\"open", "Subject=\"closed\"tail", "URI=a\"b", "URI=a\u0000b", "Subject=\"a\nb\"",
                "Hash=a;;URI=b", "Hash=a URI=b\"");
        for (String header : bad) {
            ForwardedCertificateException e = catchThrowableOfType(ForwardedCertificateException.class, () -> Xfcc.parse(header));
            assertThat(e).as("'" + header + "'").isNotNull();
            assertThat(e.reason()).isEqualTo("malformed_xfcc");
        }
    }
}
