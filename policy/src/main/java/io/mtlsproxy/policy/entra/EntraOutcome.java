package io.mtlsproxy.policy.entra;

import io.mtlsproxy.policy.CheckResult;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of {@link EntraDeviceCheck#verify}: the check's verdict and, when the device was
 * verified against Graph, the device (for the origin's {@code EntraDeviceId} / {@code EntraDeviceName}).
 *
 * @param result the verdict, as {@link EntraDeviceCheck#check} returns it
 * @param device the verified device; null unless the result passed after a Graph answer (a
 *     {@code FAIL_OPEN} pass during an outage has none)
 */
public record EntraOutcome(CheckResult result, EntraDevice device) {
    public EntraOutcome {
        Objects.requireNonNull(result, "result");
        if (device != null && !result.passed()) {
            throw new IllegalArgumentException("only a passed check names a verified device");
        }
    }

    static EntraOutcome of(CheckResult result) {
        return new EntraOutcome(result, null);
    }

    public Optional<EntraDevice> verifiedDevice() {
        return Optional.ofNullable(device);
    }

    /** True for a {@code whenUnavailable: FAIL_OPEN} pass: admitted while Graph could not be asked. */
    public boolean admittedWithoutGraph() {
        return result.passed() && device == null;
    }
}
