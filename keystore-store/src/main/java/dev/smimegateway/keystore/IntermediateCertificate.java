package dev.smimegateway.keystore;

import java.time.Instant;

import dev.smimegateway.core.certificate.CertificateFacts;

/**
 * An intermediate CA certificate the administrator stored so that signatures from partners who do
 * not send their full chain can still be chained to a trust anchor. It helps build the path; it is
 * never trusted on its own. Identified by its SHA-256 fingerprint.
 */
public record IntermediateCertificate(CertificateFacts certificate, Instant addedAt) {

    public String fingerprint() {
        return certificate.fingerprint();
    }
}
