package dev.smimegateway.keystore;

import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.List;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.certificate.CertificateRules;

/** What an intermediate CA certificate must be to be stored ({@link CaCertificateTable#intermediates}). */
final class IntermediateRules {
    private static final int KEY_CERT_SIGN = 5;

    private IntermediateRules() {
    }

    /**
     * An intermediate must be able to issue certificates, and must not be a root: a self-signed
     * certificate stored here would look like an anchor to anyone who later merges the collections.
     */
    static void check(CertificateFacts facts, Instant now) {
        CertificateRules.checkChainKeys(List.of(facts));
        if (facts.isExpiredAt(now)) {
            throw rejected(facts, "expired on " + facts.notAfter());
        }
        if (isSelfSigned(facts)) {
            throw rejected(facts, "is self-signed, so it is a root, not an intermediate: import it as a trust anchor "
                + "(POST /smime/trust-anchors?action=import) if you trust it");
        }
        if (!facts.isCertificateAuthority()) {
            throw rejected(facts, "is not a CA certificate (basicConstraints cA is not set), so it cannot issue certificates");
        }
        boolean[] keyUsage = facts.certificate().getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= KEY_CERT_SIGN || !keyUsage[KEY_CERT_SIGN])) {
            throw rejected(facts, "has a keyUsage without keyCertSign, so it cannot issue certificates");
        }
    }

    /** Issued by itself and signed with its own key; a self-issued certificate of a key rollover is not. */
    private static boolean isSelfSigned(CertificateFacts facts) {
        if (!facts.isSelfIssued()) {
            return false;
        }
        try {
            facts.certificate().verify(facts.certificate().getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static CertificateRejectedException rejected(CertificateFacts facts, String problem) {
        return new CertificateRejectedException("certificate " + facts.subject() + " " + problem);
    }
}
