package io.mtlsproxy.server.proxy;

import io.netty.util.AsciiString;
import java.util.List;

/**
 * The headers that carry a client identity between proxies. A device could send any of them to
 * pose as someone else, so every one is removed from what it sends before forwarding.
 */
public final class IdentityHeaderNames {
    private static final List<AsciiString> EXACT = List.of(
            AsciiString.cached("x-forwarded-client-cert"),
            AsciiString.cached("client-cert"),
            AsciiString.cached("client-cert-chain"),
            AsciiString.cached("x-arr-clientcert"),
            AsciiString.cached("x-ssl-client-cert"));
    private static final AsciiString CLIENT_PREFIX = AsciiString.cached("x-client-");

    private IdentityHeaderNames() {}

    public static boolean isIdentityHeader(CharSequence name) {
        for (AsciiString exact : EXACT) {
            if (exact.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return name.length() > CLIENT_PREFIX.length()
                && CLIENT_PREFIX.contentEqualsIgnoreCase(name.subSequence(0, CLIENT_PREFIX.length()));
    }
}
