package io.mtlsproxy.server.limits;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.core.net.CidrSet;
import io.mtlsproxy.server.ConnectionAttributes;
import io.mtlsproxy.server.limits.ConnectionRefusals.Cause;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * PROXY protocol v2 on the device listener, in front of TLS.
 *
 * <ul>
 *   <li>From a trusted balancer ({@code listener.trustedProxies}) the header is required: its
 *       source address becomes the client address of the connection (limits, lockout, allowlist,
 *       log and audit lines), stored in {@link ConnectionAttributes#CLIENT_ADDRESS}. A connection
 *       that starts with anything else (TLS directly), a v1 text header, a malformed header or no
 *       header within the handshake timeout is closed. A {@code LOCAL} command (the balancer's own
 *       health check) carries no client: the connection is served as the balancer's own, with the
 *       balancer's address, and every address check applies to that address.
 *   <li>From any other address a PROXY header (v1 or v2) is refused: a client must not choose its
 *       own address. Connections without one are served as usual.
 * </ul>
 * The handlers leave the pipeline once the header (or the first bytes) have been seen.
 */
public final class ProxyProtocol {
    private final boolean enabled;
    private final CidrSet trustedProxies;
    private final ConnectionRefusals refusals;
    private final long headerTimeoutMillis;

    public ProxyProtocol(ListenerConfig listener, ConnectionRefusals refusals) {
        this.enabled = listener.proxyProtocol() == ListenerConfig.ProxyProtocol.V2;
        this.trustedProxies = CidrSet.parse(listener.trustedProxies());
        this.refusals = refusals;
        this.headerTimeoutMillis = listener.handshakeTimeout().toMillis();
    }

    public boolean enabled() {
        return enabled;
    }

    /** Whether this connection comes from a trusted balancer, which must send the header. */
    public boolean fromTrustedProxy(Channel channel) {
        return enabled && channel.remoteAddress() instanceof InetSocketAddress peer && peer.getAddress() != null
                && trustedProxies.contains(peer.getAddress());
    }

    /**
     * The handlers for a trusted balancer's connection, in order: header detection (which adds
     * Netty's {@link HAProxyMessageDecoder} once it has seen a v2 signature), then the handler that
     * pins the source address and calls {@code addressKnown}, which continues the pipeline.
     */
    public List<ChannelHandler> headerHandlers(Consumer<Channel> addressKnown) {
        return List.of(new HeaderDetector(), new SourceAddressHandler(addressKnown));
    }

    /**
     * For connections from other addresses: refuses one that starts with a PROXY header, and
     * otherwise calls {@code notAHeader}, which continues the pipeline (TLS). Until the first
     * bytes arrive there is no SslHandler, so this handler enforces the handshake timeout.
     */
    public ChannelHandler untrustedHeaderRefusal(Consumer<Channel> notAHeader) {
        return new UntrustedHeaderRefusal(notAHeader);
    }

    /** '\r' starts the v2 signature, 'P' the v1 text; TLS starts with 0x16, so one byte usually decides. */
    private static boolean mayBeProxyHeader(ByteBuf in) {
        byte first = in.getByte(in.readerIndex());
        return first == '\r' || first == 'P';
    }

    private final class HeaderDetector extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (!in.isReadable()) {
                return;
            }
            HAProxyProtocolVersion version;
            if (!mayBeProxyHeader(in)) {
                version = null;
            } else {
                ProtocolDetectionResult<HAProxyProtocolVersion> detected = HAProxyMessageDecoder.detectProtocol(in);
                switch (detected.state()) {
                    case NEEDS_MORE_DATA:
                        return;
                    case DETECTED:
                        version = detected.detectedProtocol();
                        break;
                    default:
                        version = null;
                }
            }
            if (version == HAProxyProtocolVersion.V2) {
                ctx.pipeline().addAfter(ctx.name(), "proxy-v2-decoder", new HAProxyMessageDecoder(true));
                ctx.pipeline().remove(this); // hands what it has read to the decoder
                return;
            }
            in.skipBytes(in.readableBytes());
            if (version == HAProxyProtocolVersion.V1) {
                refusals.refuse(ctx.channel(), Cause.PROXY_V1, "PROXY v1 (text) header from a trusted proxy; only v2 is accepted");
            } else {
                refusals.refuse(ctx.channel(), Cause.PROXY_HEADER_MISSING,
                        "a trusted proxy's connection must start with a PROXY v2 header (listener.proxyProtocol: v2)");
            }
        }
    }

    private final class SourceAddressHandler extends ChannelInboundHandlerAdapter {
        private final Consumer<Channel> addressKnown;
        private ScheduledFuture<?> deadline;

        SourceAddressHandler(Consumer<Channel> addressKnown) {
            this.addressKnown = addressKnown;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            deadline = ctx.executor().schedule(() -> refusals.refuse(ctx.channel(), Cause.PROXY_HEADER_TIMEOUT,
                    "no PROXY header within " + headerTimeoutMillis + "ms (listener.handshakeTimeout)"),
                    headerTimeoutMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (deadline != null) {
                deadline.cancel(false);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HAProxyMessage header)) {
                ctx.fireChannelRead(msg);
                return;
            }
            InetSocketAddress source;
            try {
                source = source(header, ctx.channel());
            } finally {
                ReferenceCountUtil.release(header);
            }
            if (source == null) {
                refusals.refuse(ctx.channel(), Cause.PROXY_ADDRESS_UNSUPPORTED,
                        "PROXY header without an IPv4 or IPv6 source address");
                return;
            }
            ctx.channel().attr(ConnectionAttributes.CLIENT_ADDRESS).set(source);
            ctx.pipeline().remove(this);
            addressKnown.accept(ctx.channel());
        }

        /** The header's source, the balancer's own address for LOCAL, null for UNIX or UNSPEC sources. */
        private InetSocketAddress source(HAProxyMessage header, Channel channel) {
            if (header.command() == HAProxyCommand.LOCAL) {
                return (InetSocketAddress) channel.remoteAddress();
            }
            HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
            if (family != HAProxyProxiedProtocol.AddressFamily.AF_IPv4
                    && family != HAProxyProxiedProtocol.AddressFamily.AF_IPv6) {
                return null;
            }
            InetAddress address = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
            return address == null ? null : new InetSocketAddress(address, header.sourcePort());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof HAProxyProtocolException) {
                    refusals.refuse(ctx.channel(), Cause.PROXY_HEADER_INVALID, "malformed PROXY v2 header: " + t.getMessage());
                    return;
                }
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    private final class UntrustedHeaderRefusal extends ByteToMessageDecoder {
        private final Consumer<Channel> notAHeader;
        private ScheduledFuture<?> deadline;

        UntrustedHeaderRefusal(Consumer<Channel> notAHeader) {
            this.notAHeader = notAHeader;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            deadline = ctx.executor().schedule(() -> refusals.refuse(ctx.channel(), Cause.FIRST_BYTES_TIMEOUT,
                    "nothing received within " + headerTimeoutMillis + "ms (listener.handshakeTimeout)"),
                    headerTimeoutMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            deadline.cancel(false);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (!in.isReadable()) {
                return;
            }
            if (mayBeProxyHeader(in)) {
                ProtocolDetectionResult<HAProxyProtocolVersion> detected = HAProxyMessageDecoder.detectProtocol(in);
                switch (detected.state()) {
                    case NEEDS_MORE_DATA:
                        return;
                    case DETECTED:
                        in.skipBytes(in.readableBytes());
                        refusals.refuse(ctx.channel(), Cause.PROXY_HEADER_UNTRUSTED, "PROXY " + detected.detectedProtocol()
                                + " header from an address not in listener.trustedProxies");
                        return;
                    default:
                        break;
                }
            }
            deadline.cancel(false);
            notAHeader.accept(ctx.channel()); // not a PROXY header: TLS joins the pipeline behind this handler...
            ctx.pipeline().remove(this);      // ...which leaves and hands it what was read
        }
    }
}
