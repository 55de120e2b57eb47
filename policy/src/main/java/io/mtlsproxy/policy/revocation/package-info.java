/**
 * Revocation of client certificates: a local deny list, CRLs (files, URLs, distribution points) and
 * OCSP, behind the {@link io.mtlsproxy.policy.revocation.Revocation} facade.
 *
 * <p>Threading: lookups ({@link io.mtlsproxy.policy.revocation.RevocationCheck},
 * {@link io.mtlsproxy.policy.revocation.Revocation#isRevoked}) are lock-free reads of immutable
 * snapshots and run on event loops; loading, verifying and indexing CRLs and reading the deny-list
 * file run on the injected scheduler; OCSP exchanges run on the HTTP executor. Nothing here ever
 * blocks a caller on the network.
 */
package io.mtlsproxy.policy.revocation;
