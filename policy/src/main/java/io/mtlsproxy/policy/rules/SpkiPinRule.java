package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The leaf's public key must be one of the pinned ones: base64 SHA-256 of its SubjectPublicKeyInfo
 * (the HPKP / Envoy {@code verify_certificate_spki} format, {@code ClientIdentity.spkiSha256()}). A
 * pin survives certificate renewal with the same key. Pins are accepted with or without padding, in
 * URL-safe base64, or with the {@code sha256/} prefix curl and HPKP write.
 */
public final class SpkiPinRule implements CertificateCheck {
    public static final String NAME = "spki";

    private static final CheckResult PASSED = new CheckResult(NAME, true, null, "public key is pinned");

    private final Set<String> pins;

    /** @throws IllegalArgumentException naming an entry that is not a base64 SHA-256 */
    public SpkiPinRule(List<String> pins) {
        Set<String> normalized = new HashSet<>();
        for (String pin : Patterns.nonEmpty(NAME, pins)) {
            normalized.add(normalize(pin));
        }
        this.pins = Set.copyOf(normalized);
    }

    static String normalize(String pin) {
        String text = pin.strip();
        if (text.regionMatches(true, 0, "sha256/", 0, 7)) {
            text = text.substring(7);
        }
        byte[] digest;
        try {
            digest = text.indexOf('-') >= 0 || text.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(text)
                    : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + pin + "' is not base64", e);
        }
        if (digest.length != 32) {
            throw new IllegalArgumentException("'" + pin + "' is " + digest.length
                    + " bytes, not a SHA-256 (32 bytes) of a SubjectPublicKeyInfo");
        }
        return Base64.getEncoder().encodeToString(digest);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        if (pins.contains(identity.spkiSha256())) {
            return PASSED;
        }
        return CheckResult.fail(NAME, RejectReason.RULE_MISMATCH,
                "public key " + identity.spkiSha256() + " is none of the " + pins.size() + " pinned");
    }

    @Override
    public String toString() {
        return NAME + pins;
    }
}
