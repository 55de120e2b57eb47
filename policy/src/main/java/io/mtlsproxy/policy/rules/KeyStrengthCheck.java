package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.DSAKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.util.List;

/**
 * Every key of the presented chain (leaf, intermediates, and a presented root) must be strong
 * enough: RSA (and DSA, a finite-field key judged alike) of at least {@code minRsaBits} bits, EC on a
 * curve whose field has at least {@code minEcBits} bits (256 is P-256). EdDSA keys (Ed25519, Ed448)
 * always pass. A key of any other type, or on an EC curve this JVM cannot read, is refused: the
 * check fails closed. A bound of 0 leaves that key type unchecked, so a named policy's
 * {@code minRsaBits: 3072} says nothing about EC keys.
 *
 * <p>The configured trust anchors are not judged unless the device presents them: they are the
 * operator's choice, made once.
 */
public final class KeyStrengthCheck implements CertificateCheck {
    public static final String NAME = "key-strength";

    private final String name;
    private final int minRsaBits;
    private final int minEcBits;
    private final CheckResult passed;

    /**
     * @param name {@value #NAME} for the baseline, the rule name ({@code minRsaBits}) in a named policy
     * @param minRsaBits smallest RSA / DSA modulus accepted; 0 for no bound
     * @param minEcBits smallest EC field size accepted; 0 for no bound
     */
    public KeyStrengthCheck(String name, int minRsaBits, int minEcBits) {
        if (minRsaBits < 0 || minEcBits < 0) {
            throw new IllegalArgumentException("key sizes cannot be negative");
        }
        this.name = name;
        this.minRsaBits = minRsaBits;
        this.minEcBits = minEcBits;
        StringBuilder bounds = new StringBuilder("every key of the chain meets");
        bounds.append(minRsaBits > 0 ? " RSA >= " + minRsaBits + " bits" : "");
        bounds.append(minRsaBits > 0 && minEcBits > 0 ? "," : "");
        bounds.append(minEcBits > 0 ? " EC >= " + minEcBits + " bits" : "");
        this.passed = new CheckResult(name, true, null, bounds.toString());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        List<X509Certificate> chain = identity.chain();
        for (int i = 0; i < chain.size(); i++) {
            String weakness = weakness(chain.get(i).getPublicKey());
            if (weakness != null) {
                return CheckResult.fail(name, RejectReason.WEAK_KEY, Chains.describe(chain, i) + " has " + weakness);
            }
        }
        return passed;
    }

    /** Why the key is too weak, or null when it is strong enough. */
    private String weakness(PublicKey key) {
        if (key instanceof RSAKey rsa) {
            int bits = rsa.getModulus().bitLength();
            return bits < minRsaBits ? "a " + bits + "-bit RSA key (at least " + minRsaBits + " required)" : null;
        }
        if (key instanceof ECKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return bits < minEcBits ? "a " + bits + "-bit EC key (at least " + minEcBits + " required)" : null;
        }
        if (key instanceof EdECKey) {
            return null;
        }
        if (key instanceof DSAKey dsa && dsa.getParams() != null) {
            int bits = dsa.getParams().getP().bitLength();
            return bits < minRsaBits ? "a " + bits + "-bit DSA key (at least " + minRsaBits + " required)" : null;
        }
        return "a " + key.getAlgorithm() + " key this gateway cannot size (an unsupported type or curve)";
    }

    @Override
    public String toString() {
        return name + "[rsa>=" + minRsaBits + ", ec>=" + minEcBits + "]";
    }
}
