package io.mtlsproxy.perf.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseParserTest {
    private record Seen(int status, boolean bodyMatched, boolean serverCloses) {}

    private final List<Seen> seen = new ArrayList<>();

    private ResponseParser parser(String expectedBody) {
        return new ResponseParser((status, matched, closes) -> seen.add(new Seen(status, matched, closes)),
                expectedBody == null ? null : new BodyMatcher(expectedBody));
    }

    private static void feed(ResponseParser parser, String text) throws Exception {
        ByteBuf in = Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
        try {
            parser.feed(in);
            assertThat(in.isReadable()).isFalse();
        } finally {
            in.release();
        }
    }

    /** Feeds the text split at every possible point, the way TCP may deliver it. */
    private void feedSplitEverywhere(String expectedBody, String text, Seen expected) throws Exception {
        for (int split = 0; split <= text.length(); split++) {
            seen.clear();
            ResponseParser parser = parser(expectedBody);
            feed(parser, text.substring(0, split));
            feed(parser, text.substring(split));
            assertThat(seen).as("split at %d", split).containsExactly(expected);
        }
    }

    @Test
    void contentLengthBodyIsReadWhateverTheSplit() throws Exception {
        feedSplitEverywhere("demo-", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n"
                + "{\"value\":\"demo-\"", new Seen(200, true, false));
    }

    @Test
    void chunkedBodyIsReadWhateverTheSplitAndTheExpectedTextMayStraddleChunks() throws Exception {
        feedSplitEverywhere("secret-value", "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
                + "7;ext=1\r\n{secret\r\n6\r\n-value\r\n2\r\n\"}\r\n0\r\nTrailer: x\r\n\r\n", new Seen(200, true, false));
    }

    @Test
    void bodyWithoutTheExpectedTextIsReportedAsNotMatching() throws Exception {
        ResponseParser parser = parser("demo-");
        feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ndemo!");
        feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ndemo-");
        assertThat(seen).containsExactly(new Seen(200, false, false), new Seen(200, true, false));
    }

    @Test
    void matcherFallsBackCorrectlyOnPartialMatches() throws Exception {
        ResponseParser parser = parser("aab");
        feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\naaab");
        assertThat(seen).containsExactly(new Seen(200, true, false));
    }

    @Test
    void statusConnectionCloseAndBackToBackResponsesAreSeen() throws Exception {
        ResponseParser parser = parser(null);
        feed(parser, "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\nConnection: close\r\n"
                + "Content-Length: 0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
        assertThat(seen).containsExactly(new Seen(403, true, false), new Seen(200, true, true), new Seen(204, true, false));
    }

    @Test
    void interimResponsesAreSkipped() throws Exception {
        ResponseParser parser = parser(null);
        feed(parser, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
        assertThat(seen).containsExactly(new Seen(200, true, false));
    }

    @Test
    void bodyWithoutLengthEndsWithTheConnection() throws Exception {
        ResponseParser parser = parser("end");
        feed(parser, "HTTP/1.0 200 OK\r\n\r\nto the end");
        assertThat(seen).isEmpty();
        assertThat(parser.endOfInput()).isFalse();
        assertThat(seen).containsExactly(new Seen(200, true, true));
    }

    @Test
    void closeInTheMiddleOfAResponseIsCutShort() throws Exception {
        ResponseParser parser = parser(null);
        assertThat(parser.endOfInput()).isFalse();
        feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        assertThat(parser.endOfInput()).isTrue();
        assertThat(seen).isEmpty();
    }

    @Test
    void malformedResponsesAreRefused() {
        assertThatThrownBy(() -> feed(parser(null), "SSH-2.0-OpenSSH\r\n"))
                .isInstanceOf(ResponseParser.ResponseFormatException.class);
        assertThatThrownBy(() -> feed(parser(null), "HTTP/1.1 2x0 OK\r\n"))
                .isInstanceOf(ResponseParser.ResponseFormatException.class);
        assertThatThrownBy(() -> feed(parser(null), "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"))
                .isInstanceOf(ResponseParser.ResponseFormatException.class);
        assertThatThrownBy(() -> feed(parser(null), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
                .isInstanceOf(ResponseParser.ResponseFormatException.class);
        assertThatThrownBy(() -> feed(parser(null), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n"))
                .isInstanceOf(ResponseParser.ResponseFormatException.class);
        assertThatThrownBy(() -> feed(parser(null), "HTTP/1.1 200 OK\r\nX: " + "a".repeat(ResponseParser.MAX_LINE)))
                .isInstanceOf(ResponseParser.ResponseFormatException.class);
    }
}
