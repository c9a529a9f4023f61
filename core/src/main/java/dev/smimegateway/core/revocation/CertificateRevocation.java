package dev.smimegateway.core.revocation;

import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CRLReason;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

import dev.smimegateway.core.crypto.Providers;
import dev.smimegateway.core.revocation.RevocationSources.Answer;
import dev.smimegateway.core.revocation.SignerPathValidator.PathProblem;
import dev.smimegateway.core.revocation.SignerPathValidator.Settings;
import dev.smimegateway.core.smime.VerificationFailure;

/**
 * The revocation status of one certificate on a validated path, given the certificate that issued
 * it on that path. Consults the stored and carried CRLs first; when they settle nothing, the OCSP
 * responders and then the CRL distribution points the certificate names, stopping at the first
 * definite answer. One instance per certificate and message.
 */
final class CertificateRevocation {
    private static final int CRL_SIGN = 6;
    /** CRL extensions that may be critical and that this class understands (RFC 5280 §5.2). */
    private static final Set<String> UNDERSTOOD_CRITICAL = Set.of(Extension.issuingDistributionPoint.getId(),
        Extension.deltaCRLIndicator.getId());

    private final X509Certificate certificate;
    private final X509Certificate issuer;
    private final String role;
    private final List<CandidateCrl> crls;
    private final Settings settings;
    private final RevocationSources sources;
    private final Instant now;
    private final RevocationPointers pointers;

    private Optional<String> revoked = Optional.empty();
    private boolean good;
    private final List<CandidateCrl> stale = new ArrayList<>();
    private final List<String> unconsulted = new ArrayList<>();

    CertificateRevocation(X509Certificate certificate, X509Certificate issuer, String role, List<CandidateCrl> crls, Settings settings,
                          RevocationSources sources, Instant now) {
        this.certificate = certificate;
        this.issuer = issuer;
        this.role = role;
        this.crls = crls;
        this.settings = settings;
        this.sources = sources;
        this.now = now;
        this.pointers = RevocationPointers.of(certificate);
    }

    Optional<PathProblem> problem() {
        crls.forEach(this::consider);
        if (!decided() && pointers.namesAnySource()) {
            if (settings.fetchRevocation()) {
                consultSources();
            } else {
                unconsulted.add(role + " names revocation sources " + sourceList() + " but fetching them is off (fetchRevocation=false)");
            }
        }
        if (revoked.isPresent()) {
            return Optional.of(new PathProblem(VerificationFailure.REVOKED, revoked.get()));
        }
        if (good) {
            return Optional.empty();
        }
        if (!stale.isEmpty()) {
            return settings.staleCrlFails() ? unknown(staleDetail()) : Optional.empty();
        }
        if (!unconsulted.isEmpty()) {
            return settings.unavailableFails() ? unknown(String.join("; ", unconsulted)) : Optional.empty();
        }
        return Optional.empty();
    }

    private boolean decided() {
        return revoked.isPresent() || good;
    }

    private void consultSources() {
        for (URI responder : pointers.ocspResponders()) {
            askOcsp(responder);
            if (decided()) {
                return;
            }
        }
        for (URI location : pointers.crlLocations()) {
            Answer<X509CRL> answer = sources.crl(location, settings.fetchTimeout());
            if (answer.value().isEmpty()) {
                unconsulted.add(answer.problem());
            } else if (!consider(new CandidateCrl(answer.value().get(), "fetched from " + location))) {
                unconsulted.add(issuerMaySignCrls() ? "the CRL at " + location + " is not a CRL of " + issuerName() + " signed with its key"
                    : issuerName() + " may not sign CRLs (its keyUsage lacks cRLSign), so the CRL at " + location + " does not count");
            }
            if (decided()) {
                return;
            }
        }
        pointers.unreadable().forEach(text -> unconsulted.add(role + " names " + text));
    }

    /**
     * Takes a CRL into account when it counts: issued under the name of the certificate's issuer,
     * signed with the key of the issuer on the path, which may sign CRLs. Returns whether it counted.
     */
    private boolean consider(CandidateCrl candidate) {
        X509CRL crl = candidate.crl();
        if (!crl.getIssuerX500Principal().equals(certificate.getIssuerX500Principal()) || !issuerMaySignCrls() || !signedByIssuer(crl)) {
            return false;
        }
        X509CRLEntry entry = crl.getRevokedCertificate(certificate);
        if (entry != null && entry.getRevocationReason() != CRLReason.REMOVE_FROM_CRL && revoked.isEmpty()) {
            revoked = Optional.of(revokedByCrl(candidate, entry));
        }
        if (covers(crl)) {
            if (isCurrent(crl)) {
                good = true;
            } else {
                stale.add(candidate);
            }
        }
        return true;
    }

    private boolean issuerMaySignCrls() {
        boolean[] usage = issuer.getKeyUsage();
        return usage == null || (usage.length > CRL_SIGN && usage[CRL_SIGN]);
    }

    private boolean signedByIssuer(X509CRL crl) {
        try {
            crl.verify(issuer.getPublicKey());
            return true;
        } catch (NoSuchAlgorithmException e) {
            return signedByIssuerWithBouncyCastle(crl);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private boolean signedByIssuerWithBouncyCastle(X509CRL crl) {
        try {
            crl.verify(issuer.getPublicKey(), Providers.BOUNCY_CASTLE);
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private boolean isCurrent(X509CRL crl) {
        return !crl.getThisUpdate().toInstant().isAfter(now.plus(OcspAnswer.CLOCK_SKEW))
            && (crl.getNextUpdate() == null || !now.isAfter(crl.getNextUpdate().toInstant()));
    }

    /**
     * Whether the CRL is complete for this certificate, so that its silence means "not revoked": not
     * a delta CRL, no critical extension we do not understand, and an issuing distribution point
     * (RFC 5280 §5.2.5), if any, whose scope includes this certificate.
     */
    private boolean covers(X509CRL crl) {
        Set<String> critical = crl.getCriticalExtensionOIDs();
        if (critical != null && !UNDERSTOOD_CRITICAL.containsAll(critical)) {
            return false;
        }
        if (crl.getExtensionValue(Extension.deltaCRLIndicator.getId()) != null) {
            return false;
        }
        byte[] extension = crl.getExtensionValue(Extension.issuingDistributionPoint.getId());
        if (extension == null) {
            return true;
        }
        try {
            return scopeIncludes(IssuingDistributionPoint.getInstance(JcaX509ExtensionUtils.parseExtensionValue(extension)));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private boolean scopeIncludes(IssuingDistributionPoint scope) {
        boolean ca = certificate.getBasicConstraints() >= 0;
        if (scope.onlyContainsAttributeCerts() || scope.getOnlySomeReasons() != null
            || (scope.onlyContainsUserCerts() && ca) || (scope.onlyContainsCACerts() && !ca)) {
            return false;
        }
        DistributionPointName name = scope.getDistributionPoint();
        if (name == null) {
            return true;
        }
        if (name.getType() != DistributionPointName.FULL_NAME) {
            return false;
        }
        for (GeneralName scopeName : GeneralNames.getInstance(name.getName()).getNames()) {
            if (pointers.distributionPointNames().contains(scopeName)) {
                return true;
            }
        }
        return false;
    }

    private void askOcsp(URI responder) {
        CertificateID id;
        try {
            id = new CertificateID(new JcaDigestCalculatorProviderBuilder().setProvider(Providers.BOUNCY_CASTLE).build()
                .get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(issuer), certificate.getSerialNumber());
        } catch (OperatorCreationException | CertificateEncodingException | OCSPException e) {
            unconsulted.add("no OCSP request can be made for " + role + " (" + e.getMessage() + ")");
            return;
        }
        Answer<BasicOCSPResp> answer = sources.ocsp(responder, id, settings.fetchTimeout());
        if (answer.value().isEmpty()) {
            unconsulted.add(answer.problem());
            return;
        }
        String responderName = "the OCSP responder " + responder;
        OcspAnswer.Verdict verdict = OcspAnswer.judge(answer.value().get(), responderName, certificate, issuer, role, now);
        switch (verdict.status()) {
            case REVOKED:
                revoked = Optional.of(responderName + " reports " + role + " (serial " + RevocationWords.serial(certificate.getSerialNumber())
                    + ") " + verdict.detail());
                break;
            case GOOD:
                good = true;
                break;
            default:
                unconsulted.add(verdict.detail());
        }
    }

    private String revokedByCrl(CandidateCrl candidate, X509CRLEntry entry) {
        StringBuilder detail = new StringBuilder("a CRL of ").append(issuerName()).append(" (").append(candidate.origin())
            .append("), dated ").append(RevocationWords.date(candidate.crl().getThisUpdate().toInstant()))
            .append(", revokes ").append(role).append(" (serial ").append(RevocationWords.serial(certificate.getSerialNumber())).append(')');
        if (entry.getRevocationDate() != null) {
            detail.append(" as of ").append(RevocationWords.date(entry.getRevocationDate().toInstant()));
        }
        if (entry.getRevocationReason() != null) {
            detail.append(", reason ").append(RevocationWords.reason(entry.getRevocationReason().ordinal()));
        }
        return detail.toString();
    }

    private String staleDetail() {
        CandidateCrl newest = stale.stream().max(Comparator.comparing(candidate -> candidate.crl().getThisUpdate())).orElseThrow();
        X509CRL crl = newest.crl();
        StringBuilder detail = new StringBuilder("the newest CRL of ").append(issuerName()).append(" (").append(newest.origin())
            .append("), dated ").append(RevocationWords.date(crl.getThisUpdate().toInstant()));
        if (crl.getThisUpdate().toInstant().isAfter(now.plus(OcspAnswer.CLOCK_SKEW))) {
            detail.append(", is dated in the future");
        } else {
            detail.append(", was due to be replaced by ").append(RevocationWords.date(crl.getNextUpdate().toInstant()));
        }
        unconsulted.forEach(problem -> detail.append("; ").append(problem));
        return detail.toString();
    }

    private Optional<PathProblem> unknown(String why) {
        return Optional.of(new PathProblem(VerificationFailure.REVOKED_UNKNOWN, why + "; revocation of " + role + " is unknown"));
    }

    private String issuerName() {
        return issuer.getSubjectX500Principal().getName();
    }

    private String sourceList() {
        List<String> names = new ArrayList<>();
        pointers.ocspResponders().forEach(uri -> names.add(uri.toString()));
        pointers.crlLocations().forEach(uri -> names.add(uri.toString()));
        names.addAll(pointers.unreadable());
        return String.join(", ", names);
    }
}
