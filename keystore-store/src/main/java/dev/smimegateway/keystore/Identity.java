package dev.smimegateway.keystore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.smimegateway.core.certificate.CertificateFacts;

/**
 * A signing/decryption identity as the administrator sees it: its name, whether it is the active
 * identity for its addresses, whether it was imported to decrypt only (an expired key kept for
 * archived mail: never active, never signs), its current certificate chain (leaf first) and the
 * certificates its key had before (kept so that mail encrypted to them still decrypts), and when it
 * was archived, if it is: an archived identity neither signs nor decrypts, is never active, and keeps
 * its sealed key until it is restored or destroyed. Holds no private key.
 */
public record Identity(String name, boolean active, boolean decryptOnly, String keyAlgorithm, List<CertificateFacts> chain,
                       List<CertificateFacts> previousCertificates, Instant createdAt, Optional<Instant> archivedAt) {

    public Identity {
        chain = List.copyOf(chain);
        previousCertificates = List.copyOf(previousCertificates);
    }

    /** An identity as created or imported: not archived. */
    public Identity(String name, boolean active, boolean decryptOnly, String keyAlgorithm, List<CertificateFacts> chain,
                    List<CertificateFacts> previousCertificates, Instant createdAt) {
        this(name, active, decryptOnly, keyAlgorithm, chain, previousCertificates, createdAt, Optional.empty());
    }

    public boolean archived() {
        return archivedAt.isPresent();
    }

    public CertificateFacts certificate() {
        return chain.get(0);
    }
}
