package io.mtlsproxy.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.server.ConnectionAttributes;
import io.mtlsproxy.server.tls.Admission;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The choice after the handshake: HTTP/2's handlers only for an admitted h2 connection; bytes that
 * came before the choice reach the chosen codec, or are released when the connection is refused.
 */
class ProtocolSelectionTest {
    private static final IssuedCertificate SERVER = CertificateBuilder.server("CN=localhost").dns("localhost")
            .signedBy(CertificateBuilder.ca("CN=Test Root").selfSigned());

    private final List<Object> reachedHttp1 = new ArrayList<>();
    private boolean http2Installed;
    private EmbeddedChannel channel;

    @AfterEach
    void release() {
        reachedHttp1.forEach(ReferenceCountUtil::release);
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    /**
     * tls (not started: no ALPN answer) ─► protocol ─► identity stand-in ─► "http": records what reaches HTTP/1.1.
     *
     * @param identity what the identity handler does with the handshake event
     */
    private EmbeddedChannel pipeline(Consumer<ChannelHandlerContext> identity) throws Exception {
        channel = new EmbeddedChannel();
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("tls", SslContextBuilder.forServer(SERVER.keyPair().getPrivate(), SERVER.presentedChain())
                .sslProvider(SslProvider.JDK).build().newHandler(channel.alloc()));
        pipeline.addLast("protocol", new ProtocolSelection(List.of("http"), p -> http2Installed = true));
        pipeline.addLast("identity", new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                identity.accept(ctx);
            }
        });
        pipeline.addLast("http", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                reachedHttp1.add(msg);
            }
        });
        return channel;
    }

    private static ByteBuf early() {
        return Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII);
    }

    /** Fires as the SslHandler would: bytes first, if any, then the completion event. */
    private static void arrive(EmbeddedChannel channel, ByteBuf bytes, SslHandshakeCompletionEvent event) {
        ChannelHandlerContext afterTls = channel.pipeline().context("tls");
        afterTls.fireChannelRead(bytes);
        afterTls.fireChannelReadComplete();
        afterTls.fireUserEventTriggered(event);
    }

    @Test
    void admittedConnectionWithoutAlpnKeepsHttp1AndGetsItsEarlyBytes() throws Exception {
        EmbeddedChannel channel = pipeline(ctx -> ctx.channel().attr(ConnectionAttributes.ADMISSION)
                .set(CompletableFuture.completedFuture(new Admission(null, null))));
        ByteBuf bytes = early();
        arrive(channel, bytes, SslHandshakeCompletionEvent.SUCCESS);

        assertThat(http2Installed).isFalse();
        assertThat(channel.pipeline().names()).contains("http").doesNotContain("protocol");
        assertThat(reachedHttp1).containsExactly(bytes);
    }

    @Test
    void refusedConnectionNeverGetsACodecAndItsEarlyBytesAreReleased() throws Exception {
        EmbeddedChannel channel = pipeline(ctx -> ctx.close()); // refused: no admission, closed
        ByteBuf bytes = early();
        arrive(channel, bytes, SslHandshakeCompletionEvent.SUCCESS);

        assertThat(http2Installed).isFalse();
        assertThat(reachedHttp1).isEmpty();
        assertThat(bytes.refCnt()).isZero();
    }

    @Test
    void failedHandshakeReleasesEarlyBytes() throws Exception {
        EmbeddedChannel channel = pipeline(ctx -> ctx.close());
        ByteBuf bytes = early();
        arrive(channel, bytes, new SslHandshakeCompletionEvent(new javax.net.ssl.SSLHandshakeException("bad")));

        assertThat(http2Installed).isFalse();
        assertThat(reachedHttp1).isEmpty();
        assertThat(bytes.refCnt()).isZero();
    }
}
