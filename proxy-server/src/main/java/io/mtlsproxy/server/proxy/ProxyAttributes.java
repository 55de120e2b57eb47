package io.mtlsproxy.server.proxy;

import io.netty.util.AttributeKey;

/** What an upstream connection carries; written once, when it is opened. */
final class ProxyAttributes {
    /** The target the connection goes to; written by {@link UpstreamConnections} at connect. */
    static final AttributeKey<UpstreamTarget> TARGET = AttributeKey.valueOf("mtls-proxy.upstream-target");

    private ProxyAttributes() {}
}
