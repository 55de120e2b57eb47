package io.mtlsproxy.policy.entra;

/**
 * What Graph said about one device id: the device, or null when the directory has none. Cached
 * per device id; the certificate is judged against it on every check.
 */
record GraphAnswer(GraphDevice device) {
    static final GraphAnswer NO_DEVICE = new GraphAnswer(null);

    /** "No such device" and "disabled" are the negative answers, kept for the negative TTL. */
    boolean negative() {
        return device == null || !device.enabled();
    }
}
