package dev.smimegateway.keystore;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What signatures are checked against, read from the store in one transaction: the trust anchors,
 * the intermediates that help build paths, and the imported CRLs, with the version they were read
 * at. Every change to any of them moves the version on in the same transaction.
 */
public record TrustMaterial(long version, List<X509Certificate> trustAnchors, List<X509Certificate> intermediates, List<X509CRL> crls) {
    static final String VERSION = "trust.version";

    public TrustMaterial {
        trustAnchors = List.copyOf(trustAnchors);
        intermediates = List.copyOf(intermediates);
        crls = List.copyOf(crls);
    }
}
