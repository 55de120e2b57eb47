package io.mtlsproxy.core.config;

import java.util.List;
import java.util.Objects;

/**
 * One routing rule of {@code secrets.routes}: which backend serves some secret names. A rule
 * names its secrets either explicitly ({@code names}) or by a {@code prefix}, never both.
 *
 * <p>Matching: an explicit name wins over every prefix; among prefixes the longest matching one
 * wins, so the order of rules does not matter. A name no rule matches goes to
 * {@code secrets.defaultBackend}.
 *
 * @param names secret names served by {@code backend}, exactly as clients ask for them
 * @param prefix secret names starting with this are served by {@code backend}
 * @param backend the name of a configured backend
 * @param stripPrefix ask the backend for the name without the prefix ({@code kv-wifi} becomes
 *     {@code wifi}); only with {@code prefix}
 */
public record RouteConfig(List<String> names, String prefix, String backend, Boolean stripPrefix) {
    public RouteConfig {
        names = names == null ? List.of() : List.copyOf(names);
        stripPrefix = Objects.requireNonNullElse(stripPrefix, false);
    }

    public static RouteConfig forNames(String backend, String... names) {
        return new RouteConfig(List.of(names), null, backend, false);
    }

    public static RouteConfig forPrefix(String prefix, String backend, boolean stripPrefix) {
        return new RouteConfig(List.of(), prefix, backend, stripPrefix);
    }
}
