package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.SubjectAltNames;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.Glob;
import io.mtlsproxy.policy.RejectReason;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One of the leaf's subject alternative names must match one of the patterns, written
 * {@code kind:pattern} with kind {@code dns}, {@code uri}, {@code email} or {@code ip}, exact or with
 * '*' / '?' (as in {@code access.rules[].match.san}). DNS names and e-mail addresses are compared
 * case-insensitively, URIs and IP addresses exactly; IPv6 literals are compared in Java's written-out
 * form, so {@code ip:2001:db8::1} matches the certificate's {@code 2001:db8:0:0:0:0:0:1}. A '*'
 * may span dots: {@code dns:*.contoso.com} also matches {@code a.b.contoso.com}.
 */
public final class SubjectAltNameRule implements CertificateCheck {
    public static final String NAME = "san";

    private final List<String> written;
    private final List<Pattern> patterns;

    private enum Kind { DNS, URI, EMAIL, IP }

    private record Pattern(Kind kind, Glob glob, CheckResult pass) {}

    /** @throws IllegalArgumentException naming an entry that is not {@code kind:pattern} */
    public SubjectAltNameRule(List<String> patterns) {
        this.written = Patterns.nonEmpty(NAME, patterns);
        List<Pattern> compiled = new ArrayList<>();
        for (String pattern : written) {
            compiled.add(compile(pattern));
        }
        this.patterns = List.copyOf(compiled);
    }

    private static Pattern compile(String pattern) {
        int colon = pattern.indexOf(':');
        String kind = colon < 0 ? "" : pattern.substring(0, colon).toLowerCase(Locale.ROOT);
        String value = colon < 0 ? "" : pattern.substring(colon + 1);
        if (value.isEmpty()) {
            throw new IllegalArgumentException("'" + pattern + "': write kind:pattern with kind dns, uri, email or ip");
        }
        CheckResult pass = new CheckResult(NAME, true, null, "matches '" + pattern + "'");
        return switch (kind) {
            case "dns" -> new Pattern(Kind.DNS, Glob.compile(value, Glob.Mode.IGNORE_CASE), pass);
            case "uri" -> new Pattern(Kind.URI, Glob.compile(value, Glob.Mode.EXACT), pass);
            case "email" -> new Pattern(Kind.EMAIL, Glob.compile(value, Glob.Mode.IGNORE_CASE), pass);
            case "ip" -> new Pattern(Kind.IP, Glob.compile(ipAddress(value), Glob.Mode.EXACT), pass);
            default -> throw new IllegalArgumentException("'" + pattern + "': unknown kind '" + kind
                    + "'; use dns, uri, email or ip");
        };
    }

    /** An IPv6 literal in the written-out form Java gives certificate SANs; anything else as written. */
    private static String ipAddress(String value) {
        if (value.indexOf(':') < 0 || value.indexOf('*') >= 0 || value.indexOf('?') >= 0) {
            return value;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                throw new IllegalArgumentException("'ip:" + value + "' is not an IP address");
            }
        }
        try {
            // only hex digits, ':' and '.': InetAddress parses it as an IPv6 literal and never asks DNS
            return InetAddress.getByName(value).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'ip:" + value + "' is not an IP address", e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        SubjectAltNames names = identity.subjectAltNames();
        for (Pattern pattern : patterns) {
            List<String> values = switch (pattern.kind()) {
                case DNS -> names.dns();
                case URI -> names.uris();
                case EMAIL -> names.emails();
                case IP -> names.ips();
            };
            for (String value : values) {
                if (pattern.glob().matches(value)) {
                    return pattern.pass();
                }
            }
        }
        if (names.isEmpty()) {
            return CheckResult.fail(NAME, RejectReason.RULE_MISMATCH,
                    "no DNS, URI, e-mail or IP SAN; wanted one matching " + Patterns.quoted(written));
        }
        return CheckResult.fail(NAME, RejectReason.RULE_MISMATCH, describe(names) + " matches none of " + Patterns.quoted(written));
    }

    private static String describe(SubjectAltNames names) {
        List<String> all = new ArrayList<>();
        names.dns().forEach(n -> all.add("dns:" + n));
        names.uris().forEach(n -> all.add("uri:" + n));
        names.emails().forEach(n -> all.add("email:" + n));
        names.ips().forEach(n -> all.add("ip:" + n));
        return "SAN " + Patterns.quoted(all);
    }

    @Override
    public String toString() {
        return NAME + Patterns.quoted(written);
    }
}
