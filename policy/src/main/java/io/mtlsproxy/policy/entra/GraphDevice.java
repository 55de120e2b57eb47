package io.mtlsproxy.policy.entra;

import java.util.List;

/**
 * One Microsoft Graph {@code device} as selected by the check: only the properties it reads.
 * Absent properties are null (Graph omits what it does not know).
 */
record GraphDevice(
        String objectId,
        String deviceId,
        String displayName,
        Boolean accountEnabled,
        List<AlternativeSecurityId> alternativeSecurityIds,
        String trustType,
        Boolean isCompliant,
        Boolean isManaged) {

    GraphDevice {
        alternativeSecurityIds = alternativeSecurityIds == null ? List.of() : List.copyOf(alternativeSecurityIds);
    }

    boolean enabled() {
        return Boolean.TRUE.equals(accountEnabled);
    }

    EntraDevice summary() {
        return new EntraDevice(objectId, deviceId, displayName, trustType, isCompliant, isManaged);
    }

    /** An {@code alternativeSecurityId}: type 2 is the device certificate's key. */
    record AlternativeSecurityId(Integer type, String identityProvider, String key) {}
}
