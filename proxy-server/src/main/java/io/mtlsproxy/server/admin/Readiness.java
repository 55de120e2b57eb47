package io.mtlsproxy.server.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What {@code /readyz} asks: each component says whether it is ready from what it already knows
 * (loaded material, the last call's outcome), so a probe never calls a remote service.
 */
public final class Readiness {
    /**
     * @param name the component, e.g. {@code listener} or {@code backend:files}
     * @param ready whether it can serve
     * @param detail a short description for the operator
     */
    public record Status(String name, boolean ready, String detail) {}

    private final List<Supplier<List<Status>>> components = new ArrayList<>();

    /** Adds a component (or several, e.g. one per backend); probed in the order added. Call before the admin server starts. */
    public Readiness add(Supplier<List<Status>> component) {
        components.add(component);
        return this;
    }

    /** Every component's status now. A component that throws is not ready. */
    public List<Status> probe() {
        List<Status> statuses = new ArrayList<>();
        for (Supplier<List<Status>> component : components) {
            try {
                statuses.addAll(component.get());
            } catch (RuntimeException e) {
                statuses.add(new Status("probe", false, "a readiness probe failed: " + e.getClass().getSimpleName()));
            }
        }
        return statuses;
    }
}
