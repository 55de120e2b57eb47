package io.mtlsproxy.core.config;

/**
 * How a listener or route applies its policy.
 *
 * <ul>
 *   <li>{@code ENFORCE} (the default): a device that fails the policy is refused.
 *   <li>{@code AUDIT}: client certificates are requested but optional; every violation is logged
 *       and counted, and the request passes, so operators see who would be refused before they
 *       enforce. Access rules still apply to the identity a device presents.
 * </ul>
 */
public enum PolicyMode { ENFORCE, AUDIT }
