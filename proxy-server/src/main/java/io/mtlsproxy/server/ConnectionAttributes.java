package io.mtlsproxy.server;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.netty.util.AttributeKey;

/** What the pipeline pins to a connection. Written once, by the handler named beside each key. */
public final class ConnectionAttributes {
    /** The validated client identity; written by {@code ClientIdentityHandler} after the handshake. */
    public static final AttributeKey<ClientIdentity> CLIENT_IDENTITY = AttributeKey.valueOf("mtls-proxy.client-identity");

    private ConnectionAttributes() {}
}
