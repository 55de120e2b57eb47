package io.mtlsproxy.server;

import io.mtlsproxy.core.pki.IssuedCertificate;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 client on Netty (BoringSSL) for black-box tests: one TLS connection with a client
 * certificate, ALPN offering h2 and http/1.1, and any number of concurrent streams on it. Raw
 * headers may be sent unvalidated, to see what the gateway does with malformed ones.
 */
final class Http2Client implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final String protocol;
    /** Completes with the error code of the server's GOAWAY. */
    final CompletableFuture<Long> goAway;

    private final CompletableFuture<Void> serverSettings;
    private final SslContext ssl; // reference-counted (leak-tracked in tests): released on close

    private Http2Client(EventLoopGroup group, Channel channel, String protocol, CompletableFuture<Long> goAway,
            CompletableFuture<Void> serverSettings, SslContext ssl) {
        this.ssl = ssl;
        this.group = group;
        this.channel = channel;
        this.protocol = protocol;
        this.goAway = goAway;
        this.serverSettings = serverSettings;
    }

    /** Connects and completes the handshake; {@link #protocol()} says what ALPN chose. */
    static Http2Client connect(int port, X509Certificate trusted, IssuedCertificate client) throws Exception {
        return connect(port, trusted, client, "127.0.0.1", null);
    }

    /**
     * From a given loopback source address (127.0.0.2, ...), writing {@code preamble} (e.g. a PROXY
     * protocol header) before the TLS handshake when it is not null.
     */
    static Http2Client connect(int port, X509Certificate trusted, IssuedCertificate client, String localAddress,
            byte[] preamble) throws Exception {
        SslContext ssl = SslContextBuilder.forClient()
                .sslProvider(io.netty.handler.ssl.SslProvider.OPENSSL_REFCNT) // leak-tracked: released on close
                .keyManager(client.keyPair().getPrivate(), client.presentedChain())
                .trustManager(trusted)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        CompletableFuture<Long> goAway = new CompletableFuture<>();
        CompletableFuture<Void> serverSettings = new CompletableFuture<>();
        CompletableFuture<String> negotiated = new CompletableFuture<>();
        try {
            Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (preamble != null) {
                                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelActive(ChannelHandlerContext ctx) {
                                        ctx.writeAndFlush(Unpooled.wrappedBuffer(preamble)); // before the ClientHello
                                        ctx.pipeline().remove(this);
                                        ctx.fireChannelActive();
                                    }
                                });
                            }
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "localhost", port));
                            // the codec must be in place before the server's SETTINGS arrive
                            ch.pipeline().addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                                @Override
                                protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                        ctx.pipeline().addLast(Http2FrameCodecBuilder.forClient().validateHeaders(false).build());
                                        ctx.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                                        ctx.pipeline().addLast(new ConnectionFrames(goAway, serverSettings));
                                    }
                                    negotiated.complete(protocol);
                                }

                                @Override
                                protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                                    negotiated.completeExceptionally(cause);
                                    ctx.close();
                                }
                            });
                        }
                    })
                    .localAddress(localAddress, 0)
                    .connect("127.0.0.1", port).sync().channel();
            String protocol = negotiated.get(10, TimeUnit.SECONDS);
            return new Http2Client(group, channel, protocol, goAway, serverSettings, ssl);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            ReferenceCountUtil.release(ssl);
            throw e;
        }
    }

    /** Notes the server's GOAWAY and SETTINGS. */
    private static final class ConnectionFrames extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Long> goAway;
        private final CompletableFuture<Void> settings;

        ConnectionFrames(CompletableFuture<Long> goAway, CompletableFuture<Void> settings) {
            this.goAway = goAway;
            this.settings = settings;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame frame) {
                goAway.complete(frame.errorCode());
            }
            if (msg instanceof io.netty.handler.codec.http2.Http2SettingsFrame) {
                settings.complete(null);
            }
            ReferenceCountUtil.release(msg);
        }
    }

    String protocol() {
        return protocol;
    }

    /** The server's SETTINGS_MAX_CONCURRENT_STREAMS, as this client's codec applies it. */
    int serversMaxConcurrentStreams() throws Exception {
        io.netty.handler.codec.http2.Http2FrameCodec codec = channel.pipeline().get(io.netty.handler.codec.http2.Http2FrameCodec.class);
        return channel.eventLoop().submit(() -> codec.connection().local().maxActiveStreams()).get(10, TimeUnit.SECONDS);
    }

    /**
     * Writes raw HTTP/2 frames below this client's codec (through TLS), e.g. a header block it would
     * never leave open. Only once the server's SETTINGS are in (and so acknowledged): the codec's own
     * SETTINGS ACK inside an open header block would be a protocol error of its own.
     */
    void writeRawFrames(byte[] frames) throws Exception {
        serverSettings.get(10, TimeUnit.SECONDS);
        channel.eventLoop().submit(() -> channel.pipeline().context(io.netty.handler.codec.http2.Http2FrameCodec.class)
                .writeAndFlush(Unpooled.wrappedBuffer(frames))).get(10, TimeUnit.SECONDS);
    }

    boolean isOpen() {
        return channel.isActive();
    }

    /** The channel's close, e.g. after the server's GOAWAY. */
    io.netty.channel.ChannelFuture closeFuture() {
        return channel.closeFuture();
    }

    /** One GET on a new stream. */
    CompletableFuture<Response> get(String path) {
        return send(headers("GET", path), null);
    }

    static Http2Headers headers(String method, String path) {
        // unvalidated: tests send what a broken client would
        return new DefaultHttp2Headers(false).method(method).path(path).scheme("https").authority("localhost");
    }

    /** A request with these headers and, when {@code body} is not null, that body (the end of the stream). */
    CompletableFuture<Response> send(Http2Headers headers, String body) {
        return send(headers, body, true);
    }

    /** A request's headers, and its stream left open: the body never comes. */
    CompletableFuture<Response> sendUnfinished(Http2Headers headers) {
        return send(headers, null, false);
    }

    private CompletableFuture<Response> send(Http2Headers headers, String body, boolean end) {
        CompletableFuture<Response> response = new CompletableFuture<>();
        Http2StreamChannelBootstrap streams = new Http2StreamChannelBootstrap(channel)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast(new ResetWatcher(response));
                        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
                        stream.pipeline().addLast(new HttpObjectAggregator(1 << 20));
                        stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof FullHttpResponse full) {
                                    Map<String, String> copied = new java.util.LinkedHashMap<>();
                                    full.headers().forEach(h -> copied.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
                                    response.complete(new Response(full.status().code(), copied,
                                            full.content().toString(StandardCharsets.UTF_8), null));
                                }
                                ReferenceCountUtil.release(msg);
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                response.completeExceptionally(new java.io.IOException("stream closed without a response"));
                            }
                        });
                    }
                });
        streams.open().addListener(opened -> {
            if (!opened.isSuccess()) {
                response.completeExceptionally(opened.cause());
                return;
            }
            Http2StreamChannel stream = (Http2StreamChannel) opened.getNow();
            stream.write(new DefaultHttp2HeadersFrame(headers, end && body == null));
            if (body != null) {
                ByteBuf bytes = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
                stream.write(new DefaultHttp2DataFrame(bytes, true));
            }
            stream.flush();
        });
        return response;
    }

    /** Several GETs at once, each on its own stream of this connection. */
    List<CompletableFuture<Response>> getAll(List<String> paths) {
        return paths.stream().map(this::get).toList();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        ReferenceCountUtil.release(ssl);
    }

    /**
     * A response, or a stream the server reset: then {@code status} is 0 and {@code resetCode} is
     * the RST_STREAM error code.
     */
    record Response(int status, Map<String, String> headers, String body, Long resetCode) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Sits before the stream's codec: a RST_STREAM from the server answers the request. */
    private static final class ResetWatcher extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Response> response;

        ResetWatcher(CompletableFuture<Response> response) {
            this.response = response;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof Http2ResetFrame reset) {
                response.complete(new Response(0, Map.of(), "", reset.errorCode()));
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2ResetFrame reset) {
                response.complete(new Response(0, Map.of(), "", reset.errorCode()));
                ReferenceCountUtil.release(msg);
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }
}
