package dev.smimegateway.keystore;

import java.time.Instant;

import dev.smimegateway.core.certificate.CertificateFacts;

/** A CA certificate the administrator trusts; identified by its SHA-256 fingerprint. */
public record TrustAnchor(CertificateFacts certificate, Instant addedAt) {

    public String fingerprint() {
        return certificate.fingerprint();
    }
}
