package dev.smimegateway.core.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.junit.jupiter.api.Test;

import dev.smimegateway.core.revocation.SignerPathValidator.PathProblem;
import dev.smimegateway.core.revocation.SignerPathValidator.Settings;
import dev.smimegateway.core.smime.VerificationFailure;
import dev.smimegateway.core.testing.RevocationPki.Authority;
import dev.smimegateway.core.testing.RevocationPki.Issued;

/**
 * One validator checks many messages and keeps the paths it built: whatever it keeps must never
 * change a verdict. Each test checks a message, then a later one for which a kept path, used
 * carelessly, would give the first verdict again.
 */
class SignerPathValidatorKeptPathsTest {
    private static final Authority ROOT = Authority.root("Kept Paths Root");
    private static final Authority PARTNER = ROOT.subordinate("Kept Paths Partner CA").issueAuthority();
    private static final Issued ALICE = PARTNER.leaf("alice").issue();

    /** A distribution point whose CRL the test replaces, as a revocation cache hands out a newer CRL once the old one expired. */
    private static final class ReplaceableCrl implements RevocationSources {
        private X509CRL crl;

        ReplaceableCrl(X509CRL crl) {
            this.crl = crl;
        }

        @Override
        public Answer<X509CRL> crl(URI location, Duration timeout) {
            return Answer.of(crl);
        }

        @Override
        public Answer<BasicOCSPResp> ocsp(URI responder, CertificateID certificate, Duration timeout) {
            return Answer.unavailable("no OCSP here");
        }
    }

    private final MovableClock clock = new MovableClock(Instant.now());

    private SignerPathValidator validator(List<X509Certificate> intermediates, RevocationSources sources) {
        return new SignerPathValidator(List.of(ROOT.certificate()), intermediates, List.of(), Settings.defaults(), sources, clock);
    }

    @Test
    void anIntermediateThatExpiresAfterAPathWasKeptUntrustsTheNextMessage() {
        Authority shortLived = ROOT.subordinate("Short-lived CA").notAfter(clock.instant().plus(Duration.ofMinutes(10))).issueAuthority();

        assertTrustedThenUntrustedTwentyMinutesLater(shortLived.leaf("bob").issue(), shortLived.certificate());
    }

    @Test
    void aSignerThatExpiresAfterItsPathWasKeptIsUntrustedInTheNextMessage() {
        Issued bob = PARTNER.leaf("bob").notAfter(clock.instant().plus(Duration.ofMinutes(10))).issue();

        assertTrustedThenUntrustedTwentyMinutesLater(bob, PARTNER.certificate());
    }

    private void assertTrustedThenUntrustedTwentyMinutesLater(Issued signer, X509Certificate intermediate) {
        SignerPathValidator validator = validator(List.of(intermediate), new HttpRevocationSources());

        Optional<PathProblem> before = validator.check(signer.certificate(), List.of(), List.of());
        clock.advance(Duration.ofMinutes(20));
        Optional<PathProblem> after = validator.check(signer.certificate(), List.of(), List.of());

        assertThat(before).isEmpty();
        assertThat(after).map(PathProblem::failure).contains(VerificationFailure.UNTRUSTED);
    }

    @Test
    void aPathBuiltWithACarriedIntermediateIsNotUsedForAMessageThatDoesNotCarryIt() {
        SignerPathValidator validator = validator(List.of(), new HttpRevocationSources());

        Optional<PathProblem> carried = validator.check(ALICE.certificate(), List.of(PARTNER.certificate()), List.of());
        Optional<PathProblem> notCarried = validator.check(ALICE.certificate(), List.of(), List.of());

        assertThat(carried).isEmpty();
        assertThat(notCarried).map(PathProblem::failure).contains(VerificationFailure.UNTRUSTED);
    }

    @Test
    void aCrlCarriedInALaterMessageRevokesASignerWhosePathWasKept() {
        SignerPathValidator validator = validator(List.of(PARTNER.certificate()), new HttpRevocationSources());
        X509CRL revoking = PARTNER.crl().revoking(ALICE.certificate()).build();

        Optional<PathProblem> before = validator.check(ALICE.certificate(), List.of(), List.of());
        Optional<PathProblem> after = validator.check(ALICE.certificate(), List.of(), List.of(revoking));

        assertThat(before).isEmpty();
        assertThat(after).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
    }

    @Test
    void aNewerFetchedCrlRevokesASignerWhosePathWasKept() {
        Issued bob = PARTNER.leaf("bob").crlDistributionPoint("http://crl.example/partner.crl").issue();
        ReplaceableCrl sources = new ReplaceableCrl(PARTNER.crl().build());
        SignerPathValidator validator = validator(List.of(PARTNER.certificate()), sources);

        Optional<PathProblem> before = validator.check(bob.certificate(), List.of(), List.of());
        sources.crl = PARTNER.crl().revoking(bob.certificate()).build();
        Optional<PathProblem> after = validator.check(bob.certificate(), List.of(), List.of());

        assertThat(before).isEmpty();
        assertThat(after).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
    }

    @Test
    void aKeptPathGivesTheSameVerdictAsBuildingItAgain() {
        SignerPathValidator validator = validator(List.of(PARTNER.certificate()), new HttpRevocationSources());

        for (int message = 0; message < 5; message++) {
            assertThat(validator.check(ALICE.certificate(), List.of(PARTNER.certificate()), List.of())).isEmpty();
            clock.advance(Duration.ofMinutes(30));
        }
    }
}
