package dev.smimegateway.keystore;

import java.time.Instant;
import java.util.List;

/**
 * An entry of the key store whose validity ends within the window asked for (or has already ended):
 * what an administrator must renew, replace or delete.
 *
 * @param kind        what the entry is
 * @param name        how webadmin addresses it: the identity's or certificate's name; for trust anchors and
 *                    intermediates (addressed by fingerprint) their subject, for a CRL its issuer
 * @param fingerprint SHA-256 of the certificate (an identity's current certificate) or of the CRL
 * @param subject     the certificate's subject, or the CRL's issuer
 * @param addresses   the mail addresses and domains the certificate is for (a harvested certificate: the
 *                    address it was harvested for); empty for CA certificates and CRLs
 * @param notAfter    the end of the certificate's validity, or the CRL's nextUpdate
 * @param expired     whether {@code notAfter} had passed when the store was asked
 * @param active      an identity that signs mail for its addresses (false for every other kind): when it has
 *                    expired, mail from those addresses goes unsigned or is refused, as the signing mailet is
 *                    configured
 */
public record ExpiringEntry(Kind kind, String name, String fingerprint, String subject, List<String> addresses, Instant notAfter,
                            boolean expired, boolean active) {

    public ExpiringEntry {
        addresses = List.copyOf(addresses);
    }

    /** What the kind's routes take after {@code /smime/<kind>/}: the name, or for CA certificates and CRLs the fingerprint. */
    public String reference() {
        return kind.addressedByFingerprint ? fingerprint : name;
    }

    /** The kinds of entries that expire, in the words (and paths) of the key administration routes. */
    public enum Kind {
        /** A signing/decryption identity's current certificate; decrypt-only identities are never listed. */
        IDENTITY("identity", "identities", false),
        /** A partner certificate an administrator added (or promoted from the harvested ones). */
        CERTIFICATE("certificate", "certificates", false),
        /** A partner certificate learnt from signed mail. */
        HARVESTED("harvested certificate", "harvested", false),
        TRUST_ANCHOR("trust anchor", "trust-anchors", true),
        INTERMEDIATE("intermediate CA certificate", "intermediates", true),
        /** A revocation list whose nextUpdate is near or past: the issuer should have published a newer one. */
        CRL("CRL", "crls", true);

        private final String description;
        private final String path;
        private final boolean addressedByFingerprint;

        Kind(String description, String path, boolean addressedByFingerprint) {
            this.description = description;
            this.path = path;
            this.addressedByFingerprint = addressedByFingerprint;
        }

        /** How a log line or a mail names the kind: "trust anchor". */
        public String description() {
            return description;
        }

        /** The kind's route under {@code /smime}: "trust-anchors". */
        public String path() {
            return path;
        }
    }
}
