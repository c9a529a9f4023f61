package dev.smimegateway.keystore;

import java.time.Instant;

import dev.smimegateway.core.certificate.CertificateFacts;

/** A partner's public certificate, added by an administrator or harvested from signed mail. */
public record StoredCertificate(String name, CertificateFacts certificate, Origin origin, Instant addedAt) {

    public enum Origin {
        ADDED,
        HARVESTED
    }
}
