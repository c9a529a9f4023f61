package dev.smimegateway.keystore;

import java.time.Instant;
import java.util.List;

import dev.smimegateway.core.certificate.CertificateFacts;

/**
 * A signing/decryption identity as the administrator sees it: its name, whether it is the active
 * identity for its addresses, whether it was imported to decrypt only (an expired key kept for
 * archived mail: never active, never signs), its current certificate chain (leaf first) and the
 * certificates its key had before (kept so that mail encrypted to them still decrypts). Holds no
 * private key.
 */
public record Identity(String name, boolean active, boolean decryptOnly, String keyAlgorithm, List<CertificateFacts> chain,
                       List<CertificateFacts> previousCertificates, Instant createdAt) {

    public Identity {
        chain = List.copyOf(chain);
        previousCertificates = List.copyOf(previousCertificates);
    }

    public CertificateFacts certificate() {
        return chain.get(0);
    }
}
