package io.mtlsproxy.server.proxy;

/** What an upstream connection tells the exchange using it; called on the connection's event loop. */
interface UpstreamListener {
    /** An HTTP object (or, once upgraded, a ByteBuf); the listener owns it and releases it. */
    void upstreamRead(Object msg);

    void upstreamReadComplete();

    void upstreamWritabilityChanged(boolean writable);

    /** Nothing went either way for the idle timeout. */
    void upstreamIdle();

    /** The connection closed, or failed (then {@code cause} is not null); either way it is gone. */
    void upstreamClosed(Throwable cause);
}
