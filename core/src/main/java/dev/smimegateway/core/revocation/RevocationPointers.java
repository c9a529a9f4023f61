package dev.smimegateway.core.revocation;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * Where a certificate says its revocation status is published: the full names of its CRL
 * distribution points (RFC 5280 §4.2.1.13) and its OCSP responders (authorityInfoAccess id-ad-ocsp,
 * §4.2.2.1). Addresses that are not URIs, or that cannot be read, are kept as text: the certificate
 * named a source all the same.
 */
record RevocationPointers(List<GeneralName> distributionPointNames, List<URI> crlLocations, List<URI> ocspResponders,
                          List<String> unreadable) {
    static RevocationPointers of(X509Certificate certificate) {
        List<GeneralName> names = new ArrayList<>();
        List<URI> crlLocations = new ArrayList<>();
        List<URI> responders = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        try {
            for (GeneralName name : distributionPointNames(certificate)) {
                names.add(name);
                addUri(name, crlLocations, unreadable);
            }
            for (GeneralName name : ocspNames(certificate)) {
                addUri(name, responders, unreadable);
            }
        } catch (IOException | RuntimeException e) {
            unreadable.add("an unreadable CRL distribution point or OCSP extension (" + e.getMessage() + ")");
        }
        return new RevocationPointers(List.copyOf(names), List.copyOf(crlLocations), List.copyOf(responders), List.copyOf(unreadable));
    }

    boolean namesAnySource() {
        return !crlLocations.isEmpty() || !ocspResponders.isEmpty() || !unreadable.isEmpty();
    }

    private static List<GeneralName> distributionPointNames(X509Certificate certificate) throws IOException {
        byte[] extension = certificate.getExtensionValue(Extension.cRLDistributionPoints.getId());
        List<GeneralName> names = new ArrayList<>();
        if (extension == null) {
            return names;
        }
        for (DistributionPoint point : CRLDistPoint.getInstance(JcaX509ExtensionUtils.parseExtensionValue(extension)).getDistributionPoints()) {
            DistributionPointName name = point.getDistributionPoint();
            if (name != null && name.getType() == DistributionPointName.FULL_NAME) {
                names.addAll(List.of(GeneralNames.getInstance(name.getName()).getNames()));
            }
        }
        return names;
    }

    private static List<GeneralName> ocspNames(X509Certificate certificate) throws IOException {
        byte[] extension = certificate.getExtensionValue(Extension.authorityInfoAccess.getId());
        List<GeneralName> names = new ArrayList<>();
        if (extension == null) {
            return names;
        }
        for (AccessDescription description : AuthorityInformationAccess.getInstance(JcaX509ExtensionUtils.parseExtensionValue(extension))
            .getAccessDescriptions()) {
            if (AccessDescription.id_ad_ocsp.equals(description.getAccessMethod())) {
                names.add(description.getAccessLocation());
            }
        }
        return names;
    }

    private static void addUri(GeneralName name, List<URI> uris, List<String> unreadable) {
        if (name.getTagNo() != GeneralName.uniformResourceIdentifier) {
            return;
        }
        if (!(name.getName() instanceof ASN1String)) {
            unreadable.add("an address that is not text");
            return;
        }
        String text = ((ASN1String) name.getName()).getString();
        try {
            uris.add(new URI(text.trim()));
        } catch (URISyntaxException e) {
            unreadable.add("the unreadable address " + text);
        }
    }
}
