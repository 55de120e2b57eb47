package io.mtlsproxy.core.pki;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/** Key generation and the check that a private key belongs to a certificate. */
public final class KeyPairs {
    private KeyPairs() {}

    public static KeyPair ecP256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 unavailable", e);
        }
    }

    public static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA unavailable", e);
        }
    }

    /** True when the private key signs what the public key verifies. */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        String keyType = keyType(publicKey.getAlgorithm());
        String algorithm = switch (keyType) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null || !keyType(key.getAlgorithm()).equals(keyType)) {
            return algorithm == null; // unknown algorithms are left to the TLS stack to refuse
        }
        try {
            byte[] probe = "mtls-proxy key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** BouncyCastle's provider names EC keys "ECDSA" where the JDK says "EC". */
    private static String keyType(String algorithm) {
        return "ECDSA".equals(algorithm) ? "EC" : algorithm;
    }
}
