package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The leaf must carry an extension, optionally with a given value:
 *
 * <ul>
 *   <li>no value: present, whatever it holds;
 *   <li>{@code hex:0c056b696f736b}: the extension's DER value (the content of its extnValue OCTET
 *       STRING) byte for byte, any case, ':' or spaces allowed;
 *   <li>any other text: the extension's value is a DER character string (UTF8String,
 *       PrintableString, IA5String, VisibleString, TeletexString or BMPString) equal to the text,
 *       case-sensitive.
 * </ul>
 */
public final class ExtensionRule implements CertificateCheck {
    public static final String NAME = "extension";
    public static final String HEX_PREFIX = "hex:";

    private static final Pattern OID = Pattern.compile("[0-2](\\.(0|[1-9][0-9]{0,17}))+");
    private static final HexFormat HEX = HexFormat.of();

    private final String oid;
    private final String value;
    private final byte[] der;
    private final CheckResult passed;

    /**
     * @param oid dotted OID, e.g. {@code 1.3.6.1.4.1.311.21.7}
     * @param value null for presence only, {@code hex:...} for the DER value, otherwise a string value
     * @throws IllegalArgumentException for a malformed OID or hex value
     */
    public ExtensionRule(String oid, String value) {
        this.oid = Objects.requireNonNull(oid, "oid").strip();
        if (!OID.matcher(this.oid).matches()) {
            throw new IllegalArgumentException("'" + oid + "' is not an OID (dotted numbers such as 1.3.6.1.4.1.311.21.7)");
        }
        this.value = value;
        this.der = value != null && value.regionMatches(true, 0, HEX_PREFIX, 0, HEX_PREFIX.length())
                ? hex(value.substring(HEX_PREFIX.length()))
                : null;
        this.passed = new CheckResult(NAME, true, null, value == null
                ? "extension " + this.oid + " is present"
                : "extension " + this.oid + " has value '" + value + "'");
    }

    private static byte[] hex(String text) {
        String digits = text.replace(":", "").replace(" ", "");
        if (digits.isEmpty() || digits.length() % 2 != 0) {
            throw new IllegalArgumentException("'" + HEX_PREFIX + text + "': write the DER value as an even number of hex digits");
        }
        try {
            return HEX.parseHex(digits);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + HEX_PREFIX + text + "' is not hex", e);
        }
    }

    public String oid() {
        return oid;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        byte[] extension = identity.leaf().getExtensionValue(oid);
        if (extension == null) {
            return CheckResult.fail(NAME, RejectReason.RULE_MISMATCH, "no extension " + oid);
        }
        if (value == null) {
            return passed;
        }
        byte[] content;
        try {
            content = Der.octetStringContent(extension);
        } catch (IllegalArgumentException e) {
            return CheckResult.fail(NAME, RejectReason.BAD_CERTIFICATE, "extension " + oid + " is not readable: " + e.getMessage());
        }
        if (der != null) {
            return Arrays.equals(der, content) ? passed : CheckResult.fail(NAME, RejectReason.RULE_MISMATCH,
                    "extension " + oid + " is " + HEX_PREFIX + HEX.formatHex(content) + ", not '" + value + "'");
        }
        Optional<String> text = Der.string(content);
        if (text.isPresent() && text.get().equals(value)) {
            return passed;
        }
        return CheckResult.fail(NAME, RejectReason.RULE_MISMATCH, "extension " + oid + " is "
                + text.map(t -> "'" + t + "'").orElse("not a string (" + HEX_PREFIX + HEX.formatHex(content) + ")")
                + ", not '" + value + "'");
    }

    @Override
    public String toString() {
        return NAME + "[" + oid + (value == null ? "" : "=" + value) + "]";
    }
}
