package io.mtlsproxy.server;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.server.tls.Admission;
import io.netty.util.AttributeKey;
import java.util.concurrent.CompletableFuture;

/** What the pipeline pins to a connection. Written once, by the handler named beside each key. */
public final class ConnectionAttributes {
    /** The validated client identity; written by {@code ClientIdentityHandler} after the handshake. */
    public static final AttributeKey<ClientIdentity> CLIENT_IDENTITY = AttributeKey.valueOf("mtls-proxy.client-identity");

    /**
     * Whether the connection's requests may be served; written by {@code ClientIdentityHandler},
     * completed at once or when the asynchronous certificate checks have answered.
     */
    public static final AttributeKey<CompletableFuture<Admission>> ADMISSION = AttributeKey.valueOf("mtls-proxy.admission");

    private ConnectionAttributes() {}
}
