package io.mtlsproxy.policy.revocation;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/** The HTTP(S) URLs a certificate names for its revocation data (CRL distribution points, AIA OCSP). */
final class CertificateUrls {
    private CertificateUrls() {}

    /** HTTP(S) URLs of the certificate's CRL distribution points, in order; LDAP and others are skipped. */
    static List<URI> crlDistributionPoints(X509Certificate cert) {
        byte[] value = cert.getExtensionValue(Extension.cRLDistributionPoints.getId());
        if (value == null) {
            return List.of();
        }
        List<URI> uris = new ArrayList<>(2);
        try {
            CRLDistPoint points = CRLDistPoint.getInstance(parse(value));
            for (DistributionPoint point : points.getDistributionPoints()) {
                DistributionPointName name = point.getDistributionPoint();
                if (name != null && name.getType() == DistributionPointName.FULL_NAME) {
                    addHttp(GeneralNames.getInstance(name.getName()).getNames(), uris);
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of(); // an unreadable extension names no URL; the CRL check then reports "no CRL"
        }
        return uris;
    }

    /** HTTP(S) URLs under the fullName of an issuing distribution point (a partitioned CRL's scope). */
    static List<URI> fullNameUris(DistributionPointName name) {
        List<URI> uris = new ArrayList<>(2);
        if (name != null && name.getType() == DistributionPointName.FULL_NAME) {
            addAny(GeneralNames.getInstance(name.getName()).getNames(), uris);
        }
        return uris;
    }

    /** HTTP(S) URLs of the certificate's AIA OCSP responders. */
    static List<URI> ocspResponders(X509Certificate cert) {
        byte[] value = cert.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (value == null) {
            return List.of();
        }
        List<URI> uris = new ArrayList<>(1);
        try {
            AuthorityInformationAccess access = AuthorityInformationAccess.getInstance(parse(value));
            for (AccessDescription description : access.getAccessDescriptions()) {
                if (AccessDescription.id_ad_ocsp.equals(description.getAccessMethod())) {
                    addHttp(new GeneralName[] {description.getAccessLocation()}, uris);
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return uris;
    }

    static boolean isHttp(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
    }

    private static ASN1Primitive parse(byte[] extensionValue) throws IOException {
        return JcaX509ExtensionUtils.parseExtensionValue(extensionValue);
    }

    private static void addHttp(GeneralName[] names, List<URI> uris) {
        for (URI uri : toUris(names)) {
            if (isHttp(uri)) {
                uris.add(uri);
            }
        }
    }

    private static void addAny(GeneralName[] names, List<URI> uris) {
        uris.addAll(toUris(names));
    }

    private static List<URI> toUris(GeneralName[] names) {
        List<URI> uris = new ArrayList<>(names.length);
        for (GeneralName name : names) {
            if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
                try {
                    uris.add(new URI(ASN1IA5String.getInstance(name.getName()).getString()));
                } catch (URISyntaxException | RuntimeException e) {
                    // not a URI: not a location we can use
                }
            }
        }
        return uris;
    }
}
