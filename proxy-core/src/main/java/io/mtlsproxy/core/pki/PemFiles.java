package io.mtlsproxy.core.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes certificates and keys: PEM (certificates; PKCS#8, PKCS#1 RSA or SEC1 EC keys,
 * optionally encrypted) and PKCS#12. Errors name the file, never the key's contents.
 */
public final class PemFiles {
    /**
     * Decrypts encrypted keys: the JDK's providers lack what OpenSSL uses (AES/CBC/PKCS7Padding,
     * OpenSSL's PBKDF, PBKDF2 over raw bytes, scrypt). Used directly, never registered, so the
     * rest of the process keeps the JDK's providers; decrypted keys are converted by the JDK.
     */
    private static final Provider DECRYPTION = new BouncyCastleProvider();

    private PemFiles() {}

    /** Every certificate in a PEM bundle, in file order. At least one, or an error. */
    public static List<X509Certificate> readCertificates(Path file) throws PkiException {
        byte[] bytes = read(file);
        List<X509Certificate> certs = parseCertificates(bytes, file.toString());
        if (certs.isEmpty()) {
            throw new PkiException(file + ": no certificate found (expected PEM 'BEGIN CERTIFICATE' blocks)");
        }
        return certs;
    }

    /** Certificates from PEM text or DER bytes; the source names them in errors. */
    public static List<X509Certificate> parseCertificates(byte[] pemOrDer, String source) throws PkiException {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certs = new ArrayList<>();
            for (Certificate cert : factory.generateCertificates(new ByteArrayInputStream(pemOrDer))) {
                certs.add((X509Certificate) cert);
            }
            return certs;
        } catch (CertificateException e) {
            throw new PkiException(source + ": not a readable certificate (" + e.getMessage() + ")", e);
        }
    }

    /** The one private key in a PEM file. */
    public static PrivateKey readPrivateKey(Path file, char[] password) throws PkiException {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    // the private key alone: SEC1 keys may omit their (optional) public key
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                    requirePassword(file, password);
                    InputDecryptorProvider decryptor =
                            new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(DECRYPTION).build(password);
                    return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(decryptor));
                }
                if (object instanceof PEMEncryptedKeyPair encrypted) {
                    requirePassword(file, password);
                    PEMKeyPair pair = encrypted.decryptKeyPair(
                            new JcePEMDecryptorProviderBuilder().setProvider(DECRYPTION).build(password));
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
            }
        } catch (PkiException e) {
            throw e;
        } catch (Exception e) {
            // the message of a decryption or parse error never contains key bytes, but keep it generic
            throw new PkiException(file + ": private key cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
        throw new PkiException(file + ": no private key found (expected PKCS#8, PKCS#1 RSA or SEC1 EC PEM)");
    }

    /** Key and chain from a PKCS#12 file: the first key entry, or the entry named by alias. */
    public static KeyMaterial readPkcs12(Path file, char[] password, String alias) throws PkiException {
        byte[] bytes = read(file);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), password);
            for (String name : Collections.list(store.aliases())) {
                if ((alias == null || alias.equals(name)) && store.isKeyEntry(name)) {
                    Key key = store.getKey(name, password);
                    if (!(key instanceof PrivateKey) || store.getCertificateChain(name) == null) {
                        continue; // a secret-key entry, not a key with its certificate
                    }
                    List<X509Certificate> chain = new ArrayList<>();
                    for (Certificate cert : store.getCertificateChain(name)) {
                        chain.add((X509Certificate) cert);
                    }
                    return new KeyMaterial((PrivateKey) key, chain);
                }
            }
            throw new PkiException(file + ": no private key entry" + (alias == null ? "" : " named '" + alias + "'"));
        } catch (IOException | GeneralSecurityException e) {
            throw new PkiException(file + ": PKCS#12 cannot be read (wrong password or damaged file: "
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Key and chain from a PEM chain file and a PEM key file; the key must match the leaf. */
    public static KeyMaterial readKeyMaterial(Path chainFile, Path keyFile, char[] password) throws PkiException {
        List<X509Certificate> chain = readCertificates(chainFile);
        PrivateKey key = readPrivateKey(keyFile, password);
        if (!KeyPairs.matches(key, chain.get(0).getPublicKey())) {
            throw new PkiException(keyFile + ": private key does not belong to the first certificate of " + chainFile);
        }
        return new KeyMaterial(key, chain);
    }

    public static String toPem(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    public static String toPem(List<X509Certificate> certificates) {
        return toPem(certificates.toArray());
    }

    private static void requirePassword(Path file, char[] password) throws PkiException {
        if (password == null || password.length == 0) {
            throw new PkiException(file + ": private key is encrypted and no password is configured");
        }
    }

    private static byte[] read(Path file) throws PkiException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new PkiException(file + ": cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    static Reader reader(String text) {
        return new StringReader(text);
    }
}
