package io.mtlsproxy.policy.rules;

import java.security.cert.X509Certificate;
import java.util.List;

/** How the structural checks see a presented chain. */
final class Chains {
    private Chains() {}

    /**
     * How many of the presented certificates belong to the device's side of the path: all of them
     * except a root the device sent along (a self-issued certificate at the end of a longer chain),
     * which is the trust anchor's copy: its self-signature proves nothing and it does not count
     * towards the depth. A lone self-signed leaf is the device's own certificate and counts.
     */
    static int belowAnchor(List<X509Certificate> chain) {
        int size = chain.size();
        if (size > 1) {
            X509Certificate last = chain.get(size - 1);
            if (last.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
                return size - 1;
            }
        }
        return size;
    }

    /** {@code leaf 'CN=dev'} or {@code chain[1] 'CN=Issuing CA'}, for details. */
    static String describe(List<X509Certificate> chain, int index) {
        return (index == 0 ? "leaf" : "chain[" + index + "]") + " '" + chain.get(index).getSubjectX500Principal().getName() + "'";
    }
}
