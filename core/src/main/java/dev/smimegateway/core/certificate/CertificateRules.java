package dev.smimegateway.core.certificate;

import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.List;

/**
 * The certificate requirements of RFC 8550 / RFC 5750 and the CA/Browser Forum S/MIME Baseline
 * Requirements that the gateway enforces before it stores a certificate. Each check throws a
 * {@link CertificateRejectedException} whose message names the certificate and the problem.
 *
 * <p>Certificates that are not yet valid are accepted (a CA may issue one a few minutes ahead of
 * the gateway's clock); lookups skip them until they become valid. Expired certificates are refused.
 */
public final class CertificateRules {
    private CertificateRules() {
    }

    /**
     * A certificate whose private key the gateway holds: it must be able to sign mail, or to receive
     * encrypted mail, or both, and it must name at least one address or domain to bind mail to.
     */
    public static void checkIdentityCertificate(CertificateFacts facts, Instant now) {
        checkCommon(facts, now);
        checkBindsMail(facts);
        if (!facts.keyUsagePermitsSigning() && !facts.keyUsagePermitsEncryption()) {
            throw rejected(facts, "has a keyUsage that allows neither signing (digitalSignature, nonRepudiation) nor "
                + facts.encryptionKeyUsageName());
        }
    }

    /** A partner's certificate that mail will be encrypted to. */
    public static void checkEncryptionCertificate(CertificateFacts facts, Instant now) {
        checkCommon(facts, now);
        checkBindsMail(facts);
        KeyKind kind = facts.keyKind().orElseThrow();
        if (!kind.canReceiveKeys()) {
            throw rejected(facts, "has an " + kind.displayName() + " key, which can sign but cannot receive encrypted mail");
        }
        if (!facts.keyUsagePermitsEncryption()) {
            throw rejected(facts, "lacks " + facts.encryptionKeyUsageName());
        }
    }

    /** A CA certificate the administrator trusts to issue S/MIME certificates. */
    public static void checkTrustAnchor(CertificateFacts facts, Instant now) {
        checkKey(facts);
        if (facts.isExpiredAt(now)) {
            throw rejected(facts, "expired on " + facts.notAfter());
        }
        if (!facts.isCertificateAuthority() && !facts.isSelfIssued()) {
            throw rejected(facts, "is neither a CA certificate (basicConstraints cA) nor self-signed, so it cannot anchor a chain");
        }
    }

    /** The private key and the certificate belong together. */
    public static void checkKeyMatches(CertificateFacts facts, PublicKey keyOfPrivateKey) {
        if (!java.util.Arrays.equals(facts.certificate().getPublicKey().getEncoded(), keyOfPrivateKey.getEncoded())) {
            throw rejected(facts, "does not belong to this identity's private key");
        }
    }

    /** Every certificate in a chain meets the key rules; the leaf is checked separately. */
    public static void checkChainKeys(List<CertificateFacts> chain) {
        chain.forEach(CertificateRules::checkKey);
    }

    private static void checkCommon(CertificateFacts facts, Instant now) {
        checkKey(facts);
        if (facts.isExpiredAt(now)) {
            throw rejected(facts, "expired on " + facts.notAfter());
        }
        if (!facts.extendedKeyUsageAllowsEmail()) {
            throw rejected(facts, "has an extendedKeyUsage without emailProtection");
        }
    }

    private static void checkBindsMail(CertificateFacts facts) {
        if (facts.emailAddresses().isEmpty() && facts.domains().isEmpty()) {
            throw rejected(facts, "names no email address or domain (subjectAltName), so no mail can be matched to it");
        }
    }

    private static void checkKey(CertificateFacts facts) {
        PublicKey key = facts.certificate().getPublicKey();
        KeyKind kind = facts.keyKind().orElseThrow(() -> rejected(facts,
            "has an unsupported key (" + key.getAlgorithm() + "); use RSA of at least 2048 bits, EC P-256/P-384/P-521, Ed25519 or Ed448"));
        if (kind.isRsa() && key instanceof RSAPublicKey
            && ((RSAPublicKey) key).getModulus().bitLength() < KeyKind.MINIMUM_RSA_BITS) {
            throw rejected(facts, "has an RSA key of " + ((RSAPublicKey) key).getModulus().bitLength()
                + " bits; at least " + KeyKind.MINIMUM_RSA_BITS + " are required");
        }
    }

    private static CertificateRejectedException rejected(CertificateFacts facts, String problem) {
        return new CertificateRejectedException("certificate for " + facts.displayName() + " " + problem);
    }
}
