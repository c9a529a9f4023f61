package dev.smimegateway.core.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.smimegateway.core.revocation.SignerPathValidator.PathProblem;
import dev.smimegateway.core.revocation.SignerPathValidator.Settings;
import dev.smimegateway.core.smime.VerificationFailure;
import dev.smimegateway.core.testing.LocalHttpServer;
import dev.smimegateway.core.testing.RevocationPki.Authority;
import dev.smimegateway.core.testing.RevocationPki.Issued;

/**
 * The certification path of a signer, and revocation of every certificate on it from CRLs: stored by
 * the administrator, carried in the message (the attacker's), or fetched from distribution points.
 */
class SignerPathValidatorTest {
    private static final Authority ROOT = Authority.root("Test Root");
    private static final Authority PARTNER = ROOT.subordinate("Partner CA").issueAuthority();
    private static final Issued ALICE = PARTNER.leaf("alice").issue();
    private static final Authority ATTACKER_ROOT = Authority.root("Test Root");

    private final LocalHttpServer server = LocalHttpServer.startUnchecked();
    private final RecordingSources sources = new RecordingSources(new HttpRevocationSources());

    @AfterEach
    void stopServer() {
        server.close();
    }

    private SignerPathValidator validator(Collection<X509CRL> storedCrls, Settings settings) {
        return new SignerPathValidator(List.of(ROOT.certificate()), List.of(PARTNER.certificate()), storedCrls, settings, sources,
            Clock.systemUTC());
    }

    private Optional<PathProblem> check(Collection<X509CRL> storedCrls, X509Certificate signer) {
        return validator(storedCrls, Settings.defaults()).check(signer, List.of(), List.of());
    }

    private static String closedPortUrl(String path) throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "http://127.0.0.1:" + socket.getLocalPort() + path;
        }
    }

    @Test
    void aSignerChainingThroughAStoredIntermediateToAnAnchorPasses() {
        assertThat(check(List.of(), ALICE.certificate())).isEmpty();
    }

    @Test
    void anIntermediateCarriedInTheMessageLinksTheSignerToTheAnchor() {
        SignerPathValidator validator = new SignerPathValidator(List.of(ROOT.certificate()), List.of(), List.of(), Settings.defaults(),
            sources, Clock.systemUTC());

        assertThat(validator.check(ALICE.certificate(), List.of(PARTNER.certificate()), List.of())).isEmpty();
    }

    @Test
    void aSignerThatIsItselfATrustAnchorPasses() {
        SignerPathValidator validator = new SignerPathValidator(List.of(ALICE.certificate()), List.of(), List.of(), Settings.defaults(),
            sources, Clock.systemUTC());

        assertThat(validator.check(ALICE.certificate(), List.of(), List.of())).isEmpty();
    }

    @Test
    void aSignerOutsideTheTrustAnchorsIsUntrusted() {
        Issued mallory = ATTACKER_ROOT.leaf("mallory").issue();

        Optional<PathProblem> problem = validator(List.of(), Settings.defaults()).check(mallory.certificate(),
            List.of(ATTACKER_ROOT.certificate()), List.of());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.UNTRUSTED);
        assertThat(problem.orElseThrow().detail()).contains("does not chain to a trust anchor");
    }

    @Test
    void withoutTrustAnchorsEverySignerIsUntrusted() {
        SignerPathValidator validator = new SignerPathValidator(List.of(), List.of(PARTNER.certificate()), List.of(), Settings.defaults(),
            sources, Clock.systemUTC());

        assertThat(validator.check(ALICE.certificate(), List.of(), List.of()))
            .contains(new PathProblem(VerificationFailure.UNTRUSTED, "no trust anchor is configured"));
    }

    @Test
    void aStoredCrlOfTheIssuerRevokesTheSigner() {
        X509CRL crl = PARTNER.crl().revoking(ALICE.certificate()).build();

        Optional<PathProblem> problem = check(List.of(crl), ALICE.certificate());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
        assertThat(problem.orElseThrow().detail()).startsWith("a CRL of CN=Partner CA,O=Revocation Test PKI (stored), dated ")
            .contains("revokes the signer's certificate (serial " + ALICE.certificate().getSerialNumber().toString(16) + ") as of ")
            .endsWith(", reason keyCompromise");
    }

    @Test
    void aCrlOfTheRootRevokesTheIntermediateCa() {
        X509CRL crl = ROOT.crl().revoking(PARTNER.certificate()).build();

        Optional<PathProblem> problem = check(List.of(crl), ALICE.certificate());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
        assertThat(problem.orElseThrow().detail()).contains("revokes intermediate CA CN=Partner CA,O=Revocation Test PKI");
    }

    @Test
    void aCrlCarriedInTheMessageAndSignedByTheIssuerRevokesTheSigner() {
        X509CRL crl = PARTNER.crl().revoking(ALICE.certificate()).build();

        Optional<PathProblem> problem = validator(List.of(), Settings.defaults()).check(ALICE.certificate(), List.of(), List.of(crl));

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
        assertThat(problem.orElseThrow().detail()).contains("(carried in the message)");
    }

    /** Finding 2 of issue 7: a certificate with the CA's name and another key made the stored CRL be ignored. */
    @Test
    void aCarriedImpostorOfTheIssuerDoesNotHideTheStoredCrl() {
        X509CRL stored = PARTNER.crl().revoking(ALICE.certificate()).build();
        Authority impostor = PARTNER.impostor();
        X509CRL impostorsCrl = impostor.crl().build();

        Optional<PathProblem> problem = validator(List.of(stored), Settings.defaults()).check(ALICE.certificate(),
            List.of(impostor.certificate(), PARTNER.certificate()), List.of(impostorsCrl));

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
    }

    @Test
    void aCarriedImpostorOfTheIssuerAloneDoesNotHideTheStoredCrl() {
        X509CRL stored = PARTNER.crl().revoking(ALICE.certificate()).build();
        Authority impostor = PARTNER.impostor();

        Optional<PathProblem> problem = validator(List.of(stored), Settings.defaults()).check(ALICE.certificate(),
            List.of(impostor.certificate()), List.of(impostor.crl().build()));

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
    }

    @Test
    void aCrlSignedByAnAttackersKeyRevokesNothing() {
        X509CRL forged = PARTNER.crl().revoking(ALICE.certificate()).signedWith(PARTNER.impostor().privateKey()).build();

        assertThat(validator(List.of(), Settings.defaults()).check(ALICE.certificate(), List.of(), List.of(forged))).isEmpty();
    }

    @Test
    void aCurrentCrlSignedByAnAttackersKeyDoesNotReplaceAStaleOne() {
        X509CRL stale = PARTNER.crl().thisUpdate(Instant.now().minus(Duration.ofDays(10))).nextUpdate(Instant.now().minus(Duration.ofDays(3)))
            .build();
        Authority impostor = PARTNER.impostor();
        X509CRL forged = impostor.crl().build();

        Optional<PathProblem> problem = validator(List.of(stale), Settings.defaults()).check(ALICE.certificate(),
            List.of(impostor.certificate()), List.of(forged));

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
    }

    @Test
    void aStaleCrlLeavesRevocationUnknown() {
        Instant nextUpdate = Instant.now().minus(Duration.ofDays(3));
        X509CRL stale = PARTNER.crl().thisUpdate(Instant.now().minus(Duration.ofDays(10))).nextUpdate(nextUpdate).build();

        Optional<PathProblem> problem = check(List.of(stale), ALICE.certificate());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).startsWith("the newest CRL of CN=Partner CA,O=Revocation Test PKI (stored), dated ")
            .contains("was due to be replaced by " + RevocationWords.date(nextUpdate))
            .endsWith("; revocation of the signer's certificate is unknown");
    }

    @Test
    void aStaleCrlIsTakenAsGoodWhenStaleCrlsAreAccepted() {
        X509CRL stale = PARTNER.crl().thisUpdate(Instant.now().minus(Duration.ofDays(10))).nextUpdate(Instant.now().minus(Duration.ofDays(3)))
            .build();

        assertThat(validator(List.of(stale), Settings.defaults().withStaleCrlFails(false)).check(ALICE.certificate(), List.of(), List.of()))
            .isEmpty();
    }

    @Test
    void aStaleCrlThatListsTheSignerStillRevokesIt() {
        X509CRL stale = PARTNER.crl().thisUpdate(Instant.now().minus(Duration.ofDays(10))).nextUpdate(Instant.now().minus(Duration.ofDays(3)))
            .revoking(ALICE.certificate()).build();

        assertThat(check(List.of(stale), ALICE.certificate())).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
    }

    @Test
    void aCurrentCrlBesideAStaleOneIsGood() {
        X509CRL stale = PARTNER.crl().thisUpdate(Instant.now().minus(Duration.ofDays(10))).nextUpdate(Instant.now().minus(Duration.ofDays(3)))
            .build();

        assertThat(check(List.of(stale, PARTNER.crl().build()), ALICE.certificate())).isEmpty();
    }

    @Test
    void aCrlScopedToCaCertificatesSaysNothingAboutTheSigner() throws Exception {
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint(closedPortUrl("/partner.crl")).issue();

        assertThat(check(List.of(PARTNER.crl().build()), alice.certificate())).isEmpty();
        assertThat(check(List.of(PARTNER.crl().onlyCaCertificates().build()), alice.certificate())).map(PathProblem::failure)
            .contains(VerificationFailure.REVOKED_UNKNOWN);
    }

    @Test
    void aRevokedSignerIsReportedBeforeAnIntermediateOfUnknownStatus() {
        X509CRL staleRootCrl = ROOT.crl().thisUpdate(Instant.now().minus(Duration.ofDays(10))).nextUpdate(Instant.now().minus(Duration.ofDays(3)))
            .build();
        X509CRL partnerCrl = PARTNER.crl().revoking(ALICE.certificate()).build();

        assertThat(check(List.of(staleRootCrl, partnerCrl), ALICE.certificate())).map(PathProblem::failure)
            .contains(VerificationFailure.REVOKED);
    }

    @Test
    void theCrlDistributionPointIsFetchedOnceForManyMessages() {
        server.serve("/partner.crl", encoded(PARTNER.crl().revoking(ALICE.certificate()).build()));
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint(server.url("/partner.crl")).issue();
        X509CRL revokingTheNewAlice = PARTNER.crl().revoking(alice.certificate()).build();
        server.serve("/partner.crl", encoded(revokingTheNewAlice));

        Optional<PathProblem> first = check(List.of(), alice.certificate());
        Optional<PathProblem> second = check(List.of(), alice.certificate());

        assertThat(first).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
        assertThat(first.orElseThrow().detail()).contains("(fetched from " + server.url("/partner.crl") + ")");
        assertThat(second).isEqualTo(first);
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void aFetchedCurrentCrlThatDoesNotListTheSignerIsGood() {
        server.serve("/partner.crl", encoded(PARTNER.crl().build()));
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint(server.url("/partner.crl")).issue();

        assertThat(check(List.of(), alice.certificate())).isEmpty();
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void aFetchedCrlSignedByAnAttackersKeyIsNoAnswer() {
        server.serve("/partner.crl", encoded(PARTNER.crl().signedWith(PARTNER.impostor().privateKey()).build()));
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint(server.url("/partner.crl")).issue();

        Optional<PathProblem> problem = check(List.of(), alice.certificate());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).contains("is not a CRL of CN=Partner CA,O=Revocation Test PKI signed with its key");
    }

    @Test
    void aCurrentStoredCrlSparesTheFetch() {
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint(server.url("/partner.crl")).issue();

        assertThat(check(List.of(PARTNER.crl().build()), alice.certificate())).isEmpty();
        assertThat(server.requests()).isZero();
    }

    @Test
    void anUnreachableDistributionPointLeavesRevocationUnknown() throws Exception {
        String location = closedPortUrl("/partner.crl");
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint(location).issue();

        Optional<PathProblem> problem = check(List.of(), alice.certificate());

        assertThat(problem).contains(new PathProblem(VerificationFailure.REVOKED_UNKNOWN, "the CRL distribution point " + location
            + " refused the connection; revocation of the signer's certificate is unknown"));
    }

    @Test
    void anUnreachableDistributionPointIsAcceptedWhenUnavailabilityIsAccepted() throws Exception {
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint(closedPortUrl("/partner.crl")).issue();

        assertThat(validator(List.of(), Settings.defaults().withUnavailableFails(false)).check(alice.certificate(), List.of(), List.of()))
            .isEmpty();
    }

    @Test
    void anIntermediateWhoseDistributionPointIsUnreachableIsOfUnknownStatus() throws Exception {
        Authority partner = ROOT.subordinate("Partner CA 2").crlDistributionPoint(closedPortUrl("/root.crl")).issueAuthority();
        Issued alice = partner.leaf("alice").issue();

        Optional<PathProblem> problem = validator(List.of(), Settings.defaults()).check(alice.certificate(), List.of(partner.certificate()),
            List.of());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).endsWith("revocation of intermediate CA CN=Partner CA 2,O=Revocation Test PKI is unknown");
    }

    @Test
    void anLdapDistributionPointIsNotFetchedAndLeavesRevocationUnknown() {
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint("ldap://ldap.partner.example/cn=Partner%20CA?certificateRevocationList")
            .issue();

        Optional<PathProblem> problem = check(List.of(), alice.certificate());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).contains("is not an http address; only http is fetched");
    }

    @Test
    void withFetchingOffNothingIsFetched() {
        server.serve("/partner.crl", encoded(PARTNER.crl().build()));
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint(server.url("/partner.crl")).ocspResponder(server.url("/ocsp")).issue();

        Optional<PathProblem> problem = validator(List.of(), Settings.defaults().withFetchRevocation(false))
            .check(alice.certificate(), List.of(), List.of());

        assertThat(server.requests()).isZero();
        assertThat(sources.asked()).isEmpty();
        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).contains("fetching them is off (fetchRevocation=false)");
    }

    @Test
    void withFetchingOffAndUnavailabilityAcceptedTheStoredCrlsDecide() {
        Issued alice = PARTNER.leaf("alice").crlDistributionPoint(server.url("/partner.crl")).issue();
        SignerPathValidator validator = validator(List.of(), Settings.defaults().withFetchRevocation(false).withUnavailableFails(false));

        assertThat(validator.check(alice.certificate(), List.of(), List.of())).isEmpty();
        assertThat(server.requests()).isZero();
    }

    static byte[] encoded(X509CRL crl) {
        try {
            return crl.getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
