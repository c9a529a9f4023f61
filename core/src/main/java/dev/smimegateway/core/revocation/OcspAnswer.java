package dev.smimegateway.core.revocation;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

import dev.smimegateway.core.crypto.Providers;

/**
 * What one OCSP response says about one certificate, once checked (RFC 6960 §3.2): signed by the
 * certificate's issuer, or by a responder certificate that the issuer signed for id-kp-OCSPSigning
 * and that is valid now; about this certificate (the CertID names its issuer and serial); and, for
 * a "good", current: thisUpdate not in the future beyond clock skew, nextUpdate not passed, and,
 * when there is no nextUpdate, thisUpdate at most an hour old. A signed "revoked" is believed
 * whatever its dates: revocation does not expire.
 */
final class OcspAnswer {
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    static final Duration MAX_AGE_WITHOUT_NEXT_UPDATE = Duration.ofHours(1);
    private static final String OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";

    enum Status { GOOD, REVOKED, NO_ANSWER }

    /** {@code detail}: for REVOKED, when and why; for NO_ANSWER, why the response was not taken. */
    record Verdict(Status status, String detail) {
    }

    private OcspAnswer() {
    }

    static Verdict judge(BasicOCSPResp response, String responderName, X509Certificate certificate, X509Certificate issuer,
                         String role, Instant now) {
        if (!signedForIssuer(response, issuer, now)) {
            return new Verdict(Status.NO_ANSWER, responderName + " answered with a response signed neither by "
                + issuer.getSubjectX500Principal().getName() + " nor by an OCSP responder certificate it issued");
        }
        List<SingleResp> about;
        try {
            about = answersAbout(response, certificate, issuer);
        } catch (OCSPException | OperatorCreationException | GeneralSecurityException e) {
            return new Verdict(Status.NO_ANSWER, responderName + " answered with an unreadable CertID (" + e.getMessage() + ")");
        }
        if (about.isEmpty()) {
            return new Verdict(Status.NO_ANSWER, responderName + " answered about another certificate than " + role);
        }
        for (SingleResp single : about) {
            if (single.getCertStatus() instanceof RevokedStatus) {
                return new Verdict(Status.REVOKED, revokedDetail((RevokedStatus) single.getCertStatus()));
            }
        }
        Verdict verdict = new Verdict(Status.NO_ANSWER, responderName + " gave no answer about " + role);
        for (SingleResp single : about) {
            verdict = judgeGood(single, responderName, role, now);
            if (verdict.status() == Status.GOOD) {
                return verdict;
            }
        }
        return verdict;
    }

    private static Verdict judgeGood(SingleResp single, String responderName, String role, Instant now) {
        if (single.getCertStatus() != CertificateStatus.GOOD) {
            return new Verdict(Status.NO_ANSWER, responderName + " does not know " + role + " (status unknown)");
        }
        Instant thisUpdate = single.getThisUpdate().toInstant();
        if (thisUpdate.isAfter(now.plus(CLOCK_SKEW))) {
            return new Verdict(Status.NO_ANSWER, responderName + " answered with a response dated in the future ("
                + RevocationWords.date(thisUpdate) + ")");
        }
        Date nextUpdate = single.getNextUpdate();
        if (nextUpdate != null && now.isAfter(nextUpdate.toInstant())) {
            return new Verdict(Status.NO_ANSWER, responderName + " answered with an out-of-date response (next update was due "
                + RevocationWords.date(nextUpdate.toInstant()) + ")");
        }
        if (nextUpdate == null && thisUpdate.isBefore(now.minus(MAX_AGE_WITHOUT_NEXT_UPDATE))) {
            return new Verdict(Status.NO_ANSWER, responderName + " answered with a response of " + RevocationWords.date(thisUpdate)
                + " that names no next update and is more than an hour old");
        }
        return new Verdict(Status.GOOD, "");
    }

    private static String revokedDetail(RevokedStatus revoked) {
        String reason = revoked.hasRevocationReason() ? ", reason " + RevocationWords.reason(revoked.getRevocationReason()) : "";
        return "revoked as of " + RevocationWords.date(revoked.getRevocationTime().toInstant()) + reason;
    }

    private static List<SingleResp> answersAbout(BasicOCSPResp response, X509Certificate certificate, X509Certificate issuer)
        throws OCSPException, OperatorCreationException, GeneralSecurityException {
        DigestCalculatorProvider digests = new JcaDigestCalculatorProviderBuilder().setProvider(Providers.BOUNCY_CASTLE).build();
        X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer);
        List<SingleResp> about = new ArrayList<>();
        for (SingleResp single : response.getResponses()) {
            if (single.getCertID().getSerialNumber().equals(certificate.getSerialNumber())
                && single.getCertID().matchesIssuer(issuerHolder, digests)) {
                about.add(single);
            }
        }
        return about;
    }

    private static boolean signedForIssuer(BasicOCSPResp response, X509Certificate issuer, Instant now) {
        if (signedBy(response, issuer.getPublicKey())) {
            return true;
        }
        for (X509CertificateHolder holder : response.getCerts()) {
            Optional<X509Certificate> responder = delegatedResponder(holder, issuer, now);
            if (responder.isPresent() && signedBy(response, responder.get().getPublicKey())) {
                return true;
            }
        }
        return false;
    }

    /**
     * A certificate the response carries that the issuer signed for OCSP signing and that is valid
     * now. Its own revocation is not checked (RFC 6960 §4.2.2.2.1 leaves that to the CA, most of
     * which mark such certificates id-pkix-ocsp-nocheck).
     */
    private static Optional<X509Certificate> delegatedResponder(X509CertificateHolder holder, X509Certificate issuer, Instant now) {
        try {
            X509Certificate candidate = new JcaX509CertificateConverter().getCertificate(holder);
            if (!candidate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                return Optional.empty();
            }
            candidate.verify(issuer.getPublicKey());
            candidate.checkValidity(Date.from(now));
            List<String> purposes = candidate.getExtendedKeyUsage();
            return purposes != null && purposes.contains(OCSP_SIGNING) ? Optional.of(candidate) : Optional.empty();
        } catch (GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean signedBy(BasicOCSPResp response, PublicKey key) {
        try {
            return response.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(Providers.BOUNCY_CASTLE).build(key));
        } catch (OCSPException | OperatorCreationException | RuntimeException e) {
            return false;
        }
    }
}
