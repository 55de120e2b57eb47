package io.mtlsproxy.core.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The spelling of every setting name, so an upper-case override key can create a missing one. */
final class KnownSettings {
    private static final Map<String, String> BY_UPPER_CASE = collect();

    private KnownSettings() {}

    static String spelling(String segment) {
        return BY_UPPER_CASE.getOrDefault(segment.toUpperCase(Locale.ROOT), segment);
    }

    private static Map<String, String> collect() {
        Map<String, String> names = new HashMap<>();
        names.put("TYPE", "type");
        Set<Class<?>> seen = new HashSet<>();
        visit(GatewayConfig.class, names, seen);
        for (Class<?> kind : BackendConfig.class.getPermittedSubclasses()) {
            visit(kind, names, seen);
        }
        return Map.copyOf(names);
    }

    private static void visit(Class<?> type, Map<String, String> names, Set<Class<?>> seen) {
        if (!type.isRecord() || !seen.add(type)) {
            return;
        }
        for (RecordComponent component : type.getRecordComponents()) {
            names.put(component.getName().toUpperCase(Locale.ROOT), component.getName());
            visit(component.getType(), names, seen);
            Type generic = component.getGenericType();
            if (generic instanceof ParameterizedType parameterized) {
                for (Type argument : parameterized.getActualTypeArguments()) {
                    if (argument instanceof Class<?> c) {
                        visit(c, names, seen);
                    }
                }
            }
        }
    }
}
