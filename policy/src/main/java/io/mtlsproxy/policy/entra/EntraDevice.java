package io.mtlsproxy.policy.entra;

import java.util.Objects;

/**
 * The Entra device a certificate was verified against: what the origin reported as
 * {@code EntraDeviceId} and {@code EntraDeviceName}, plus the properties the policy may use.
 *
 * @param objectId the directory object id (Graph {@code id})
 * @param deviceId the device id: the certificate's CN (Graph {@code deviceId})
 * @param displayName the device name (Graph {@code displayName}); may be null
 * @param trustType AzureAd (joined), ServerAd (hybrid joined) or Workplace (registered); may be null
 * @param compliant Graph {@code isCompliant}; null when Graph does not say
 * @param managed Graph {@code isManaged}; null when Graph does not say
 */
public record EntraDevice(String objectId, String deviceId, String displayName, String trustType, Boolean compliant,
        Boolean managed) {
    public EntraDevice {
        Objects.requireNonNull(deviceId, "deviceId");
    }
}
