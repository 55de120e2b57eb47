package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * No certificate of the presented chain may be signed with a forbidden algorithm. An entry names a
 * digest ({@code SHA1}, {@code MD5}; {@code SHA-1} alike), a whole signature algorithm
 * ({@code SHA1withRSA}) or its OID ({@code 1.2.840.113549.1.1.5}); a digest entry also catches
 * RSASSA-PSS signatures over that digest. A root the device sends along is skipped: nobody relies
 * on an anchor's self-signature.
 */
public final class SignatureAlgorithmCheck implements CertificateCheck {
    public static final String NAME = "signature-algorithm";

    private static final Pattern OID = Pattern.compile("[0-2](\\.[0-9]+)+");
    private static final Pattern NAME_TEXT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

    private final String name;
    private final List<String> written;
    private final List<String> forbidden;
    private final CheckResult passed;

    /** @throws IllegalArgumentException naming an entry that is neither an algorithm name nor an OID */
    public SignatureAlgorithmCheck(String name, Collection<String> forbidden) {
        this.name = name;
        this.written = List.copyOf(forbidden);
        List<String> normalized = new ArrayList<>();
        for (String entry : written) {
            String text = entry.strip();
            if (!OID.matcher(text).matches() && !NAME_TEXT.matcher(text).matches()) {
                throw new IllegalArgumentException("'" + entry + "' is neither a digest or signature algorithm name "
                        + "(SHA1, MD5, SHA1withRSA) nor an OID");
            }
            normalized.add(OID.matcher(text).matches() ? text : normalize(text));
        }
        this.forbidden = List.copyOf(normalized);
        this.passed = new CheckResult(name, true, null, written.isEmpty()
                ? "no algorithm is forbidden"
                : "no signature of the chain uses " + String.join(", ", written));
    }

    /** Upper case without '-', '_' and spaces: {@code sha-1} and {@code SHA1} are one name. */
    private static String normalize(String name) {
        StringBuilder text = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '-' && c != '_' && c != ' ') {
                text.append(c);
            }
        }
        return text.toString().toUpperCase(Locale.ROOT);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        if (forbidden.isEmpty()) {
            return passed;
        }
        List<X509Certificate> chain = identity.chain();
        int judged = Chains.belowAnchor(chain);
        for (int i = 0; i < judged; i++) {
            X509Certificate cert = chain.get(i);
            String algorithm = normalize(cert.getSigAlgName());
            String oid = cert.getSigAlgOID();
            String digest = digest(cert, algorithm);
            for (int f = 0; f < forbidden.size(); f++) {
                String entry = forbidden.get(f);
                if (entry.equals(digest) || entry.equals(algorithm) || entry.equals(oid)) {
                    return CheckResult.fail(name, RejectReason.WEAK_SIGNATURE, Chains.describe(chain, i)
                            + " is signed with " + cert.getSigAlgName() + " (" + oid + "), which is forbidden ('"
                            + written.get(f) + "')");
                }
            }
        }
        return passed;
    }

    /** The digest a signature algorithm uses, e.g. SHA1 for SHA1withRSA; the PSS parameters' for RSASSA-PSS. */
    private static String digest(X509Certificate cert, String algorithm) {
        int with = algorithm.indexOf("WITH");
        if (with > 0) {
            return algorithm.substring(0, with);
        }
        if (algorithm.equals("RSASSAPSS") && cert.getSigAlgParams() != null) {
            try {
                AlgorithmParameters parameters = AlgorithmParameters.getInstance("RSASSA-PSS");
                parameters.init(cert.getSigAlgParams());
                return normalize(parameters.getParameterSpec(PSSParameterSpec.class).getDigestAlgorithm());
            } catch (GeneralSecurityException | java.io.IOException e) {
                return algorithm; // unreadable parameters: the chain check refuses the signature itself
            }
        }
        return algorithm;
    }

    @Override
    public String toString() {
        return name + written;
    }
}
