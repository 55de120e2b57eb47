package io.mtlsproxy.policy.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.policy.CertificateCheck;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Compiles the rule trees under {@code policies} into checks, once, at start-up or reload. Every
 * mistake is reported, each naming its path ({@code policies.kiosks.allOf[1].anyOf[0].san[2]: ...}).
 *
 * <p>Syntax: every node is a mapping with exactly one key, the rule:
 *
 * <pre>
 * allOf: [rule, ...]           every rule must pass
 * anyOf: [rule, ...]           at least one must pass
 * subject: "CN=kiosk-*,O=Contoso"      issuer: ...   (RFC 4514 DN, exact or glob)
 * cn: "kiosk-*"     ou: "Kiosks"       (case and spacing folded; ou: any OU of the subject)
 * serial: "0a1b"                        (hex)
 * san: "dns:*.kiosks.contoso.com"       (dns:, uri:, email:, ip:)
 * thumbprint: "a94a8f..."               (SHA-1 or SHA-256)
 * spki: "base64 SHA-256 of the SubjectPublicKeyInfo"
 * extension: {oid: "1.2.3.4", value: "text" | "hex:0c05..."}   (value optional: presence only)
 * minRsaBits: 3072     minEcBits: 384     maxChainDepth: 3
 * entraDevice: {}                       (the asynchronous Entra device check; never under anyOf)
 * </pre>
 *
 * A string value may also be a list of strings (and {@code extension} a list of mappings): any of
 * them matches. Values are quoted strings; YAML would turn an unquoted serial like {@code 0123}
 * into a number.
 */
public final class PolicyCompiler {
    /** Every rule name, in the order the error for an unknown name lists them. */
    public static final List<String> RULES = List.of("allOf", "anyOf", "subject", "issuer", "cn", "ou", "serial", "san",
            "thumbprint", "spki", "extension", "minRsaBits", "minEcBits", "maxChainDepth", "entraDevice");

    private static final Set<String> EXTENSION_KEYS = Set.of("oid", "value");

    private final List<String> problems = new ArrayList<>();
    private boolean requiresEntra;

    private PolicyCompiler() {}

    /**
     * @param name the policy's name under {@code policies}
     * @param tree the policy as written (one rule, usually {@code allOf} or {@code anyOf})
     * @throws ConfigException listing every mistake, each with its path
     */
    public static CompiledPolicy compile(String name, JsonNode tree) throws ConfigException {
        PolicyCompiler compiler = new PolicyCompiler();
        CompiledPolicy compiled = compiler.root(name, tree);
        if (!compiler.problems.isEmpty()) {
            throw new ConfigException(compiler.problems);
        }
        return compiled;
    }

    /**
     * Compiles every policy, so a mistake in one that no listener uses yet still fails start-up.
     *
     * @throws ConfigException listing every mistake of every policy, in name order
     */
    public static Map<String, CompiledPolicy> compileAll(Map<String, JsonNode> policies) throws ConfigException {
        List<String> problems = new ArrayList<>();
        Map<String, CompiledPolicy> compiled = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> policy : new TreeMap<>(policies).entrySet()) {
            try {
                compiled.put(policy.getKey(), compile(policy.getKey(), policy.getValue()));
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return Map.copyOf(compiled);
    }

    private CompiledPolicy root(String name, JsonNode tree) {
        String at = CompiledPolicy.path(name);
        if (tree == null || tree.isNull() || tree.isMissingNode() || (tree.isObject() && tree.isEmpty())) {
            problems.add(at + ": empty policy; write one rule, e.g. allOf: [{subject: \"CN=kiosk-*\"}, {san: \"dns:*.example.com\"}]");
            return null;
        }
        if (!isRule(at, tree)) {
            return null;
        }
        Map.Entry<String, JsonNode> rule = tree.fields().next();
        CertificateCheck check;
        if (rule.getKey().equals("allOf") || rule.getKey().equals("anyOf")) {
            check = composite(at + "." + rule.getKey(), rule.getKey(), rule.getValue(), null, at);
        } else {
            CertificateCheck single = node(at, tree, null);
            check = new AllOf(at, single == null ? List.of() : List.of(single));
        }
        return check == null ? null : new CompiledPolicy(name, check, requiresEntra);
    }

    /** A mapping with one key; reports what else it is. */
    private boolean isRule(String at, JsonNode node) {
        if (!node.isObject()) {
            problems.add(at + ": expected a rule (a mapping with one key, e.g. subject: \"CN=...\"), found "
                    + kind(node) + "; known rules: " + String.join(", ", RULES));
            return false;
        }
        if (node.size() != 1) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            problems.add(at + ": a rule is a mapping with exactly one key, found " + (keys.isEmpty() ? "none"
                    : keys.size() + " (" + String.join(", ", keys) + "); write each as its own item under allOf or anyOf"));
            return false;
        }
        return true;
    }

    /**
     * @param underAnyOf the path of the nearest enclosing anyOf, or null
     * @return the check, or null for entraDevice (asynchronous, run by the caller) and for mistakes
     */
    private CertificateCheck node(String at, JsonNode node, String underAnyOf) {
        if (!isRule(at, node)) {
            return null;
        }
        Map.Entry<String, JsonNode> rule = node.fields().next();
        String key = rule.getKey();
        JsonNode value = rule.getValue();
        String path = at + "." + key;
        return switch (key) {
            case "allOf", "anyOf" -> composite(path, key, value, underAnyOf, key);
            case "subject" -> strings(path, value, DistinguishedNameRule::subject);
            case "issuer" -> strings(path, value, DistinguishedNameRule::issuer);
            case "cn" -> strings(path, value, AttributeRule::commonName);
            case "ou" -> strings(path, value, AttributeRule::organizationalUnit);
            case "serial" -> strings(path, value, SerialRule::new);
            case "san" -> strings(path, value, SubjectAltNameRule::new);
            case "thumbprint" -> strings(path, value, ThumbprintRule::new);
            case "spki" -> strings(path, value, SpkiPinRule::new);
            case "extension" -> extensions(path, value);
            case "minRsaBits" -> bound(path, value, 1024, 16384, bits -> new KeyStrengthCheck(key, bits, 0));
            case "minEcBits" -> bound(path, value, 160, 571, bits -> new KeyStrengthCheck(key, 0, bits));
            case "maxChainDepth" -> bound(path, value, 1, 16, depth -> new ChainDepthCheck(key, depth));
            case "entraDevice" -> entraDevice(path, value, underAnyOf);
            default -> {
                problems.add(path + ": unknown rule '" + key + "'; known rules: " + String.join(", ", RULES));
                yield null;
            }
        };
    }

    private CertificateCheck composite(String path, String kind, JsonNode value, String underAnyOf, String name) {
        if (!value.isArray() || value.isEmpty()) {
            problems.add(path + ": " + kind + " takes a non-empty list of rules, found " + kind(value));
            return null;
        }
        String anyOf = kind.equals("anyOf") ? path : underAnyOf;
        List<CertificateCheck> members = new ArrayList<>();
        int before = problems.size();
        for (int i = 0; i < value.size(); i++) {
            CertificateCheck member = node(path + "[" + i + "]", value.get(i), anyOf);
            if (member != null) {
                members.add(member);
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return kind.equals("allOf") ? new AllOf(name, members) : new AnyOf(name, members);
    }

    /** A string or a non-empty list of strings, each checked on its own so a mistake names its index. */
    private CertificateCheck strings(String path, JsonNode value, Function<List<String>, CertificateCheck> rule) {
        List<String> texts = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        if (value.isTextual()) {
            texts.add(value.textValue());
            paths.add(path);
        } else if (value.isArray() && !value.isEmpty()) {
            for (int i = 0; i < value.size(); i++) {
                if (!value.get(i).isTextual()) {
                    problems.add(path + "[" + i + "]: expected a quoted string, found " + kind(value.get(i)));
                    continue;
                }
                texts.add(value.get(i).textValue());
                paths.add(path + "[" + i + "]");
            }
        } else {
            problems.add(path + ": expected a quoted string or a non-empty list of strings, found " + kind(value));
            return null;
        }
        boolean valid = texts.size() == (value.isArray() ? value.size() : 1);
        for (int i = 0; i < texts.size(); i++) {
            try {
                rule.apply(List.of(texts.get(i)));
            } catch (IllegalArgumentException e) {
                problems.add(paths.get(i) + ": " + e.getMessage());
                valid = false;
            }
        }
        return valid ? rule.apply(texts) : null;
    }

    private CertificateCheck extensions(String path, JsonNode value) {
        if (value.isObject()) {
            return extension(path, value);
        }
        if (!value.isArray() || value.isEmpty()) {
            problems.add(path + ": expected {oid: \"1.2.3.4\", value: \"...\"} or a list of them, found " + kind(value));
            return null;
        }
        List<CertificateCheck> alternatives = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            CertificateCheck one = extension(path + "[" + i + "]", value.get(i));
            if (one != null) {
                alternatives.add(one);
            }
        }
        if (alternatives.size() != value.size()) {
            return null;
        }
        return alternatives.size() == 1 ? alternatives.get(0) : new AnyOf(ExtensionRule.NAME, alternatives);
    }

    private CertificateCheck extension(String path, JsonNode value) {
        if (!value.isObject()) {
            problems.add(path + ": expected {oid: \"1.2.3.4\", value: \"...\"}, found " + kind(value));
            return null;
        }
        boolean valid = true;
        for (Iterator<String> keys = value.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!EXTENSION_KEYS.contains(key)) {
                problems.add(path + "." + key + ": unknown setting; an extension rule has oid and, optionally, value");
                valid = false;
            }
        }
        JsonNode oid = value.get("oid");
        JsonNode text = value.get("value");
        if (oid == null || !oid.isTextual()) {
            problems.add(path + ".oid: required, a quoted OID such as \"1.3.6.1.4.1.311.21.7\"");
            valid = false;
        }
        if (text != null && !text.isNull() && !text.isTextual()) {
            problems.add(path + ".value: expected a quoted string (text, or hex:... for the DER value), found " + kind(text));
            valid = false;
        }
        if (!valid) {
            return null;
        }
        try {
            return new ExtensionRule(oid.textValue(), text == null || text.isNull() ? null : text.textValue());
        } catch (IllegalArgumentException e) {
            problems.add(path + ": " + e.getMessage());
            return null;
        }
    }

    private CertificateCheck bound(String path, JsonNode value, int min, int max, Function<Integer, CertificateCheck> rule) {
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min || value.intValue() > max) {
            problems.add(path + ": expected a whole number from " + min + " to " + max + ", found " + kind(value));
            return null;
        }
        return rule.apply(value.intValue());
    }

    private CertificateCheck entraDevice(String path, JsonNode value, String underAnyOf) {
        if (!value.isNull() && !(value.isObject() && value.isEmpty())) {
            problems.add(path + ": takes no settings here (write entraDevice: {}); configure the check under entra");
            return null;
        }
        if (underAnyOf != null) {
            problems.add(path + ": not allowed inside anyOf (" + underAnyOf + "): the Entra device check asks Microsoft "
                    + "Graph after the handshake, so it cannot be an alternative to rules decided during the handshake; "
                    + "put entraDevice under allOf or at the top of the policy");
            return null;
        }
        requiresEntra = true;
        return null;
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isTextual()) {
            return "the string '" + node.textValue() + "'";
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.getNodeType().toString().toLowerCase(Locale.ROOT) + " " + node.asText();
        }
        if (node.isArray()) {
            return node.isEmpty() ? "an empty list" : "a list";
        }
        return node.isEmpty() ? "an empty mapping" : "a mapping";
    }
}
