package io.mtlsproxy.backends.table;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands tests one Azurite per test JVM, started on first use and stopped (process tree and all)
 * when JUnit closes the root store at the end of the run. Tests that stop an emulator start their own.
 */
final class AzuriteExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Azurite.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // the store closes AutoCloseable values when the root context ends
        return context.getRoot().getStore(ExtensionContext.Namespace.create(AzuriteExtension.class))
                .computeIfAbsent("azurite", key -> Azurite.start(), Azurite.class);
    }
}
