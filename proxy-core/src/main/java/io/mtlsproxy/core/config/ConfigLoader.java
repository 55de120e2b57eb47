package io.mtlsproxy.core.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Loads the configuration: the YAML file (or, without one, the origin's environment settings),
 * then {@code ${VAR}} references, then {@code MTLSPROXY_SECTION__KEY} environment overrides,
 * then validation. Every error names the setting.
 *
 * <p>Overrides use the App Service convention: {@code MTLSPROXY_} then the path with {@code __}
 * between levels, keys matched case-insensitively, list items by index
 * ({@code MTLSPROXY_TLS__TRUSTANCHORS__0=/etc/ca.pem}).
 */
public final class ConfigLoader {
    public static final String OVERRIDE_PREFIX = "MTLSPROXY_";
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    /** Settings that hold file paths; relative ones are read relative to the config file. */
    private static final List<String> PATH_SETTINGS = List.of(
            "tls.certificate", "tls.privateKey", "tls.keystore", "tls.trustAnchors[]", "tls.intermediates[]",
            "secrets.backends[].directory", "revocation.crlFiles[]", "revocation.denyList.file", "entra.issuerCaBundle",
            "entra.credential.certificate", "admin.tls.certificate", "admin.tls.privateKey", "admin.tls.trustAnchors[]",
            "audit.file", "proxy.routes[].upstream.tls.trustedCa", "proxy.routes[].upstream.tls.certificate",
            "proxy.routes[].upstream.tls.privateKey", "proxy.routes[].identityHeaders.signing.keyFile");

    /** A key written twice in one mapping is an error, not "the last one wins". */
    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper BINDER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .addModule(new SimpleModule()
                    .addDeserializer(Duration.class, new DurationText.Deserializer())
                    .addDeserializer(Secret.class, new SecretDeserializer()))
            .build();

    private final Map<String, String> environment;

    public ConfigLoader(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** From a YAML file, with environment references and overrides. */
    public GatewayConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
        JsonNode tree = readYaml(text, file.toString());
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = JsonNodeFactory.instance.objectNode();
        }
        if (!tree.isObject()) {
            throw new ConfigException(file + ": the top level must be a mapping of sections (listener, tls, ...)");
        }
        Path base = file.toAbsolutePath().getParent();
        return finish((ObjectNode) tree, base, file.toString());
    }

    /** Without a YAML file: the origin's settings (AUTH_METHODS, VAR_*, ...) plus overrides. */
    public GatewayConfig loadFromEnvironment() throws ConfigException {
        ObjectNode tree = new OriginSettings(environment).toTree();
        return finish(tree, Path.of("").toAbsolutePath(), "environment");
    }

    /** One YAML document; syntax errors keep SnakeYAML's line and column but not the offending line's text. */
    private static JsonNode readYaml(String text, String source) throws ConfigException {
        try (JsonParser parser = YAML.createParser(text)) {
            JsonNode tree = YAML.readTree(parser);
            if (parser.nextToken() != null) {
                throw new ConfigException(source + ": holds more than one YAML document ('---'); "
                        + "the configuration must be one document");
            }
            return tree;
        } catch (JacksonException e) {
            throw new ConfigException(source + ": not valid YAML: " + yamlProblem(e), e);
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot be read as YAML (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static String yamlProblem(JacksonException e) {
        List<String> parts = new ArrayList<>();
        String original = e.getOriginalMessage() == null ? "invalid" : e.getOriginalMessage();
        for (String line : original.split("\n")) {
            // SnakeYAML quotes the offending line (4-space indent) and a caret under it: drop both,
            // the line may hold a password
            if (!line.isBlank() && !line.startsWith("    ")) {
                String part = line.trim().replace("in 'reader', ", "at ");
                parts.add(part.endsWith(":") ? part.substring(0, part.length() - 1) : part);
            }
        }
        String problem = String.join("; ", parts);
        JsonLocation location = e.getLocation();
        if (!problem.contains("line ") && location != null && location.getLineNr() > 0) {
            problem = "line " + location.getLineNr() + ": " + problem;
        }
        return problem;
    }

    private GatewayConfig finish(ObjectNode tree, Path base, String source) throws ConfigException {
        List<String> problems = new ArrayList<>();
        interpolate(tree, "", problems);
        applyOverrides(tree, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        for (String setting : PATH_SETTINGS) {
            resolvePaths(tree, setting.split("\\."), 0, base);
        }
        GatewayConfig config = bind(tree, source);
        List<String> invalid = ConfigValidator.validate(config);
        if (!invalid.isEmpty()) {
            throw new ConfigException(invalid);
        }
        return config;
    }

    static GatewayConfig bind(JsonNode tree, String source) throws ConfigException {
        try {
            return BINDER.treeToValue(tree, GatewayConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            throw new ConfigException(path(e) + ": unknown setting" + (known.isEmpty() ? "" : " (known here: " + known + ")"), e);
        } catch (JsonMappingException e) {
            if (rootCause(e) instanceof NullPointerException) {
                // a record's List.copyOf / Map.copyOf met an empty list item or map value
                throw new ConfigException(path(e) + ": holds an empty (null) list item or value; remove it or give it a value", e);
            }
            throw new ConfigException(path(e) + ": " + firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new ConfigException(source + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "(top level)" : path.toString();
    }

    private void interpolate(JsonNode node, String path, List<String> problems) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                if (field.getValue().isTextual()) {
                    field.setValue(new TextNode(substitute(field.getValue().asText(), childPath, problems)));
                } else {
                    interpolate(field.getValue(), childPath, problems);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                String childPath = path + "[" + i + "]";
                if (array.get(i).isTextual()) {
                    array.set(i, new TextNode(substitute(array.get(i).asText(), childPath, problems)));
                } else {
                    interpolate(array.get(i), childPath, problems);
                }
            }
        }
    }

    private String substitute(String text, String path, List<String> problems) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = environment.get(m.group(1));
            if (m.group(2) != null && (value == null || value.isEmpty())) {
                value = m.group(2); // ${VAR:-default}: as in the shell, unset or empty takes the default
            }
            if (value == null) {
                problems.add(path + ": refers to environment variable " + m.group(1) + ", which is not set");
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private void applyOverrides(ObjectNode root, List<String> problems) {
        environment.entrySet().stream()
                .filter(e -> e.getKey().startsWith(OVERRIDE_PREFIX) && e.getKey().length() > OVERRIDE_PREFIX.length())
                .sorted(Map.Entry.comparingByKey(OVERRIDE_ORDER))
                .forEach(e -> {
                    String[] segments = e.getKey().substring(OVERRIDE_PREFIX.length()).split("__");
                    if (!set(root, segments, e.getValue())) {
                        problems.add(e.getKey() + ": cannot apply this override (a list item index or a path through a value)");
                    }
                });
    }

    /** Segment by segment, list indexes numerically, so __2 is applied before __10. */
    private static final Comparator<String> OVERRIDE_ORDER = (left, right) -> {
        String[] a = left.split("__");
        String[] b = right.split("__");
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            int order = isIndex(a[i]) && isIndex(b[i])
                    ? Integer.compare(Integer.parseInt(a[i]), Integer.parseInt(b[i]))
                    : a[i].compareTo(b[i]);
            if (order != 0) {
                return order;
            }
        }
        return Integer.compare(a.length, b.length);
    };

    private static boolean set(ObjectNode root, String[] segments, String value) {
        JsonNode node = root;
        for (int i = 0; i < segments.length; i++) {
            boolean last = i == segments.length - 1;
            String segment = segments[i];
            if (node instanceof ObjectNode object) {
                String key = existingKey(object, segment);
                if (last) {
                    object.put(key, value);
                    return true;
                }
                JsonNode child = object.get(key);
                if (child == null || child.isNull()) {
                    child = isIndex(segments[i + 1]) ? object.putArray(key) : object.putObject(key);
                }
                node = child;
            } else if (node instanceof ArrayNode array && isIndex(segment)) {
                int index = Integer.parseInt(segment);
                if (index > array.size()) {
                    return false;
                }
                if (last) {
                    if (index == array.size()) {
                        array.add(value);
                    } else {
                        array.set(index, new TextNode(value));
                    }
                    return true;
                }
                JsonNode child = index < array.size() ? array.get(index) : null;
                if (child == null || child.isNull()) {
                    child = isIndex(segments[i + 1]) ? JsonNodeFactory.instance.arrayNode() : JsonNodeFactory.instance.objectNode();
                    if (index == array.size()) {
                        array.add(child);
                    } else {
                        array.set(index, child);
                    }
                }
                node = child;
            } else {
                return false;
            }
        }
        return false;
    }

    /** The key as the YAML spells it, so MTLSPROXY_TLS__PRIVATEKEY overrides tls.privateKey. */
    private static String existingKey(ObjectNode object, String segment) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (key.equalsIgnoreCase(segment)) {
                return key;
            }
        }
        return KnownSettings.spelling(segment);
    }

    /** A list index: 1 to 9 ASCII digits (so parsing it cannot overflow). */
    private static boolean isIndex(String segment) {
        return !segment.isEmpty() && segment.length() <= 9 && segment.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static void resolvePaths(JsonNode node, String[] segments, int depth, Path base) {
        if (node == null || depth >= segments.length) {
            return;
        }
        String segment = segments[depth];
        boolean eachItem = segment.endsWith("[]");
        String key = eachItem ? segment.substring(0, segment.length() - 2) : segment;
        if (!(node instanceof ObjectNode object) || !object.has(key)) {
            return;
        }
        JsonNode child = object.get(key);
        boolean last = depth == segments.length - 1;
        if (eachItem && child instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (last) {
                    if (array.get(i).isTextual()) {
                        array.set(i, new TextNode(resolve(base, array.get(i).asText())));
                    }
                } else {
                    resolvePaths(array.get(i), segments, depth + 1, base);
                }
            }
        } else if (last && child.isTextual()) {
            object.put(key, resolve(base, child.asText()));
        } else if (!last) {
            resolvePaths(child, segments, depth + 1, base);
        }
    }

    private static String resolve(Path base, String path) {
        return path.isBlank() ? path : base.resolve(path).normalize().toString();
    }

    /**
     * Secrets bind from strings only, and their errors never repeat the value: YAML reads an
     * unquoted {@code 0123} as 83 and {@code no} as false, so such a password must be quoted.
     */
    static final class SecretDeserializer extends JsonDeserializer<Secret> {
        @Override
        public Secret deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            if (parser.currentToken() == JsonToken.VALUE_STRING) {
                return new Secret(parser.getText());
            }
            return (Secret) context.reportInputMismatch(Secret.class,
                    "a password or secret value must be a quoted string (YAML changes unquoted values such as "
                            + "0123, no or 1e3); the value is not repeated here");
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
