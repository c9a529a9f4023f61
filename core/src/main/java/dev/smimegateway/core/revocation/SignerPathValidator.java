package dev.smimegateway.core.revocation;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.smimegateway.core.crypto.LruMaps;
import dev.smimegateway.core.smime.VerificationFailure;

/**
 * Decides whether a signer's certificate is trusted and not revoked, by the book (RFC 5280): first a
 * certification path from the signer to one of the administrator's trust anchors, built and
 * validated by the JDK's PKIX implementation at the clock's instant; then revocation of every
 * certificate on that path except the anchor itself, the signer's and each intermediate CA's.
 *
 * <p>Certificates and CRLs carried in a message are the sender's, which is to say possibly an
 * attacker's. A carried certificate can only serve as a link the path builder checks by signature.
 * A CRL, whoever supplied it, counts only when it names the certificate's issuer and its signature
 * verifies with the public key of that issuer as the validated path has it; a certificate is never
 * used as a CRL issuer because it was carried or bears the right name, and a CRL that fails to
 * verify is skipped without hiding the others.
 *
 * <p>For each certificate on the path: revoked if any counting CRL (stored, carried or fetched from
 * its CRL distribution points) or a valid OCSP answer says so; otherwise good when a current CRL
 * covers it or OCSP says good; otherwise, when only out-of-date CRLs were found, or when it names a
 * CRL distribution point or OCSP responder that could not be consulted, unknown (REVOKED_UNKNOWN)
 * unless {@link Settings} accepts that; a certificate about which no revocation information exists
 * anywhere is good ("revocation where known").
 *
 * <p>Construct one per version of the store's anchors, intermediates and CRLs (they are fixed for the
 * instance's life), and share it between messages and threads; the {@link RevocationSources}, with its
 * cache, outlives it.
 *
 * <p><b>Built paths are kept.</b> Building a path (parsing, name matching, one signature check per
 * link) costs more than checking the mail's own signature, and a sender's mail comes with the same
 * certificates each time. So each instance keeps the last {@value #KEPT_PATHS} paths it built
 * successfully, each under the SHA-256 of the exact DER of the signer's certificate and of every
 * certificate the message offered as a candidate (the anchors, intermediates and settings are the
 * instance's own and never change). A kept path is used again only while it is younger than
 * {@link #PATH_KEPT_AT_MOST} (one hour, no longer than the revocation cache keeps an OCSP answer) and
 * only when every certificate on it is valid at the new message's instant; otherwise the path is
 * built again. What may be stale: for up to an hour, the choice among several valid paths (a newly
 * valid certificate that the builder would now prefer is not looked for) and the JDK's
 * {@code jdk.certpath.disabledAlgorithms} constraints that depend on the date. Failures are never kept,
 * and revocation is never kept here: it is decided for every message over the path, with the CRLs and
 * the {@link RevocationSources} cache as they are at that moment.
 */
public final class SignerPathValidator {
    static final int KEPT_PATHS = 1024;
    static final Duration PATH_KEPT_AT_MOST = Duration.ofHours(1);

    /**
     * How revocation is checked; each is a mailet parameter.
     *
     * @param fetchRevocation  fetch CRL distribution points and ask OCSP responders (http only) that certificates name
     * @param fetchTimeout     how long one source may take to accept the connection, and then to answer
     * @param staleCrlFails    when the only CRLs found are past their nextUpdate: true, revocation is unknown
     *                         (REVOKED_UNKNOWN); false, they are taken as good
     * @param unavailableFails when a certificate names revocation sources and none could be consulted (fetching is off,
     *                         unreachable, not http, no valid answer) and nothing else current is known: true, revocation
     *                         is unknown (REVOKED_UNKNOWN); false, the certificate passes
     */
    public record Settings(boolean fetchRevocation, Duration fetchTimeout, boolean staleCrlFails, boolean unavailableFails) {
        public Settings {
            Objects.requireNonNull(fetchTimeout, "fetchTimeout");
            if (fetchTimeout.isNegative() || fetchTimeout.isZero()) {
                throw new IllegalArgumentException("the revocation fetch timeout must be positive, not " + fetchTimeout);
            }
        }

        /** Fetching on, five seconds, stale CRLs and unreachable sources fail. */
        public static Settings defaults() {
            return new Settings(true, Duration.ofSeconds(5), true, true);
        }

        public Settings withFetchRevocation(boolean fetch) {
            return new Settings(fetch, fetchTimeout, staleCrlFails, unavailableFails);
        }

        public Settings withFetchTimeout(Duration timeout) {
            return new Settings(fetchRevocation, timeout, staleCrlFails, unavailableFails);
        }

        public Settings withStaleCrlFails(boolean fails) {
            return new Settings(fetchRevocation, fetchTimeout, fails, unavailableFails);
        }

        public Settings withUnavailableFails(boolean fails) {
            return new Settings(fetchRevocation, fetchTimeout, staleCrlFails, fails);
        }
    }

    /**
     * Why the signer's certificate is not accepted.
     *
     * @param failure UNTRUSTED, REVOKED or REVOKED_UNKNOWN
     * @param detail  a sentence for the mail administrator naming the certificate concerned
     */
    public record PathProblem(VerificationFailure failure, String detail) {
        public PathProblem {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(detail, "detail");
        }
    }

    private final Set<TrustAnchor> anchors;
    private final Set<X509Certificate> anchorCertificates;
    private final List<X509Certificate> intermediates;
    private final List<X509CRL> administratorCrls;
    private final Settings settings;
    private final RevocationSources sources;
    private final Clock clock;
    private final Map<ByteBuffer, KeptPath> keptPaths = LruMaps.bounded(KEPT_PATHS);

    /** A path built at {@code builtAt}. */
    private record KeptPath(PKIXCertPathBuilderResult path, Instant builtAt) {
    }

    /**
     * @param trustAnchors      the administrator's trust anchors
     * @param intermediates     the administrator's intermediate CA certificates: candidates for path building, never anchors
     * @param administratorCrls CRLs the administrator imported
     */
    public SignerPathValidator(Collection<X509Certificate> trustAnchors, Collection<X509Certificate> intermediates,
                               Collection<X509CRL> administratorCrls, Settings settings, RevocationSources sources, Clock clock) {
        this.anchors = trustAnchors.stream().map(certificate -> new TrustAnchor(certificate, null)).collect(Collectors.toSet());
        this.anchorCertificates = Set.copyOf(trustAnchors);
        this.intermediates = List.copyOf(intermediates);
        this.administratorCrls = List.copyOf(administratorCrls);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.sources = Objects.requireNonNull(sources, "sources");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Empty when the signer's certificate chains to a trust anchor and nothing on the path is
     * revoked or of unknown status (as the settings define it).
     *
     * @param carriedCertificates the certificates the message carries: path-building candidates only
     * @param carriedCrls         the CRLs the message carries: they count only when they verify against the path
     */
    public Optional<PathProblem> check(X509Certificate signer, Collection<X509Certificate> carriedCertificates,
                                       Collection<X509CRL> carriedCrls) {
        Instant now = clock.instant();
        if (anchorCertificates.contains(signer)) {
            return Optional.empty();
        }
        List<X509Certificate> offered = carriedCertificates.stream()
            .filter(certificate -> !certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())).toList();
        ByteBuffer key = pathKey(signer, offered);
        PKIXCertPathBuilderResult path = keptPath(key, now);
        if (path == null) {
            try {
                path = buildPath(signer, offered, now);
            } catch (UntrustedException e) {
                return Optional.of(new PathProblem(VerificationFailure.UNTRUSTED, e.getMessage()));
            }
            if (key != null) {
                keptPaths.put(key, new KeptPath(path, now));
            }
        }
        return revocationProblem(path, candidateCrls(carriedCrls), now);
    }

    /** The SHA-256 of the signer's and the offered certificates' DER, each with its length; null when one cannot be encoded. */
    private static ByteBuffer pathKey(X509Certificate signer, List<X509Certificate> offered) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            addTo(digest, signer.getEncoded());
            for (X509Certificate certificate : offered) {
                addTo(digest, certificate.getEncoded());
            }
            return ByteBuffer.wrap(digest.digest());
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private static void addTo(MessageDigest digest, byte[] der) {
        digest.update(ByteBuffer.allocate(4).putInt(der.length).array());
        digest.update(der);
    }

    /** The path kept under the key, when it is young enough and every certificate on it is valid now; else null. */
    private PKIXCertPathBuilderResult keptPath(ByteBuffer key, Instant now) {
        KeptPath kept = key == null ? null : keptPaths.get(key);
        if (kept == null || now.isBefore(kept.builtAt()) || now.isAfter(kept.builtAt().plus(PATH_KEPT_AT_MOST))) {
            return null;
        }
        Date date = Date.from(now);
        for (java.security.cert.Certificate certificate : kept.path().getCertPath().getCertificates()) {
            try {
                ((X509Certificate) certificate).checkValidity(date);
            } catch (GeneralSecurityException e) {
                return null;
            }
        }
        return kept.path();
    }

    private PKIXCertPathBuilderResult buildPath(X509Certificate signer, List<X509Certificate> offered, Instant now)
        throws UntrustedException {
        if (anchors.isEmpty()) {
            throw new UntrustedException("no trust anchor is configured");
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(signer);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
            Set<X509Certificate> candidates = new LinkedHashSet<>(intermediates);
            candidates.addAll(offered);
            candidates.add(signer);
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(candidates)));
            // Revocation is checked below, over the path this builds, under our own rules.
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            return (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(parameters);
        } catch (CertPathBuilderException e) {
            throw new UntrustedException("the signer's certificate does not chain to a trust anchor: " + e.getMessage());
        } catch (InvalidAlgorithmParameterException e) {
            throw new UntrustedException("the certification path cannot be built: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new UntrustedException("the certification path cannot be checked: " + e.getMessage());
        }
    }

    private List<CandidateCrl> candidateCrls(Collection<X509CRL> carriedCrls) {
        List<CandidateCrl> candidates = new ArrayList<>();
        administratorCrls.forEach(crl -> candidates.add(new CandidateCrl(crl, "stored")));
        carriedCrls.forEach(crl -> candidates.add(new CandidateCrl(crl, "carried in the message")));
        return candidates;
    }

    /** The first revoked certificate on the path; failing that, the first of unknown status. */
    private Optional<PathProblem> revocationProblem(PKIXCertPathBuilderResult path, List<CandidateCrl> crls, Instant now) {
        @SuppressWarnings("unchecked")
        List<X509Certificate> certificates = (List<X509Certificate>) path.getCertPath().getCertificates();
        X509Certificate anchor = path.getTrustAnchor().getTrustedCert();
        Optional<PathProblem> unknown = Optional.empty();
        for (int position = 0; position < certificates.size(); position++) {
            X509Certificate certificate = certificates.get(position);
            X509Certificate issuer = position + 1 < certificates.size() ? certificates.get(position + 1) : anchor;
            String role = position == 0 ? "the signer's certificate" : "intermediate CA " + certificate.getSubjectX500Principal().getName();
            Optional<PathProblem> problem = new CertificateRevocation(certificate, issuer, role, crls, settings, sources, now).problem();
            if (problem.isPresent() && problem.get().failure() == VerificationFailure.REVOKED) {
                return problem;
            }
            if (unknown.isEmpty()) {
                unknown = problem;
            }
        }
        return unknown;
    }

    private static final class UntrustedException extends Exception {
        private static final long serialVersionUID = 1L;

        UntrustedException(String message) {
            super(message, null, false, false);
        }
    }
}
