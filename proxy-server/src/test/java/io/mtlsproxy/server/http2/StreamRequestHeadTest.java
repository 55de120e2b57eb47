package io.mtlsproxy.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.junit.jupiter.api.Test;

/** An HTTP/2 request's head, after Netty's conversion, made to look like an HTTP/1.1 one. */
class StreamRequestHeadTest {
    private static FullHttpRequest converted(String uri) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        request.headers().set("x-http2-stream-id", "3").set("x-http2-scheme", "https").set("x-http2-path", "/spoofed")
                .set("x-request-id", "kept");
        return request;
    }

    @Test
    void conversionHeadersAreRemovedAndTheRestKept() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamRequestHead(256));
        channel.writeInbound(converted("/v1/secrets/a"));
        FullHttpRequest passed = channel.readInbound();
        try {
            assertThat(passed.headers().names()).containsExactly("x-request-id");
            assertThat(passed.decoderResult().isSuccess()).isTrue();
        } finally {
            passed.release();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aPathOverTheLimitIsMarkedAsATooLongRequestLine() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamRequestHead(64));
        channel.writeInbound(converted("/v1/secrets/" + "a".repeat(60)));
        FullHttpRequest passed = channel.readInbound();
        try {
            assertThat(passed.decoderResult().cause()).isInstanceOf(TooLongHttpLineException.class);
        } finally {
            passed.release();
            channel.finishAndReleaseAll();
        }
    }
}
