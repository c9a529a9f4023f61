package dev.smimegateway.core.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.revocation.SignerPathValidator.PathProblem;
import dev.smimegateway.core.revocation.SignerPathValidator.Settings;
import dev.smimegateway.core.smime.VerificationFailure;
import dev.smimegateway.core.testing.LocalHttpServer;
import dev.smimegateway.core.testing.OpenSslOcspResponder;
import dev.smimegateway.core.testing.OpenSslOcspResponder.Entry;
import dev.smimegateway.core.testing.RevocationPki.Authority;
import dev.smimegateway.core.testing.RevocationPki.Issued;
import dev.smimegateway.core.testing.RevocationPki;

/** Revocation from OCSP, against a real responder: {@code openssl ocsp} on a local port. */
class SignerPathValidatorOcspTest {
    private static final Authority ROOT = Authority.root("OCSP Test Root");
    private static final Authority PARTNER = ROOT.subordinate("OCSP Partner CA").issueAuthority();
    private static final Instant NOT_AFTER = Instant.now().plus(Duration.ofDays(300)).truncatedTo(ChronoUnit.SECONDS);

    @TempDir
    Path folder;

    private final List<AutoCloseable> running = new ArrayList<>();
    private final RecordingSources sources = new RecordingSources(new HttpRevocationSources());

    @AfterEach
    void stopResponders() throws Exception {
        for (AutoCloseable responder : running) {
            responder.close();
        }
    }

    private OpenSslOcspResponder responder(Authority ca, X509Certificate signer, PrivateKey signerKey, Entry... entries) throws Exception {
        OpenSslOcspResponder responder = OpenSslOcspResponder.start(folder, ca.certificate(), signer, signerKey, List.of(entries), 10);
        running.add(responder);
        return responder;
    }

    private OpenSslOcspResponder responderOf(Authority ca, Entry... entries) throws Exception {
        return responder(ca, ca.certificate(), ca.privateKey(), entries);
    }

    private Issued aliceAnsweredBy(OpenSslOcspResponder responder, BigInteger serial) {
        return PARTNER.leaf("alice").serial(serial).notAfter(NOT_AFTER).ocspResponder(responder.url()).issue();
    }

    private Optional<PathProblem> check(X509Certificate signer, Settings settings) {
        return new SignerPathValidator(List.of(ROOT.certificate()), List.of(PARTNER.certificate()), List.of(), settings, sources,
            Clock.systemUTC()).check(signer, List.of(), List.of());
    }

    private Optional<PathProblem> check(X509Certificate signer) {
        return check(signer, Settings.defaults());
    }

    @Test
    void aGoodAnswerFromTheIssuersResponderPasses() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        OpenSslOcspResponder responder = responderOf(PARTNER, Entry.valid(serial, NOT_AFTER));

        assertThat(check(aliceAnsweredBy(responder, serial).certificate())).isEmpty();
    }

    @Test
    void aRevokedAnswerRevokesTheSigner() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        Instant revokedAt = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
        OpenSslOcspResponder responder = responderOf(PARTNER, Entry.revoked(serial, NOT_AFTER, revokedAt));

        Optional<PathProblem> problem = check(aliceAnsweredBy(responder, serial).certificate());

        assertThat(problem).contains(new PathProblem(VerificationFailure.REVOKED, "the OCSP responder " + responder.url()
            + " reports the signer's certificate (serial " + serial.toString(16) + ") revoked as of " + revokedAt + ", reason keyCompromise"));
    }

    @Test
    void anAnswerOfUnknownLeavesRevocationUnknown() throws Exception {
        OpenSslOcspResponder responder = responderOf(PARTNER, Entry.valid(RevocationPki.newSerial(), NOT_AFTER));

        Optional<PathProblem> problem = check(aliceAnsweredBy(responder, RevocationPki.newSerial()).certificate());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).contains("does not know the signer's certificate");
    }

    @Test
    void anUnreachableResponderLeavesRevocationUnknown() throws Exception {
        String url = closedPortUrl();
        Issued alice = PARTNER.leaf("alice").ocspResponder(url).issue();

        assertThat(check(alice.certificate())).contains(new PathProblem(VerificationFailure.REVOKED_UNKNOWN,
            "the OCSP responder " + url + " refused the connection; revocation of the signer's certificate is unknown"));
    }

    @Test
    void anUnreachableResponderIsAcceptedWhenUnavailabilityIsAccepted() throws Exception {
        Issued alice = PARTNER.leaf("alice").ocspResponder(closedPortUrl()).issue();

        assertThat(check(alice.certificate(), Settings.defaults().withUnavailableFails(false))).isEmpty();
    }

    @Test
    void aResponderThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String url = "http://127.0.0.1:" + silent.getLocalPort() + "/";
            Issued alice = PARTNER.leaf("alice").ocspResponder(url).issue();
            long started = System.nanoTime();

            Optional<PathProblem> problem = check(alice.certificate(), Settings.defaults().withFetchTimeout(Duration.ofMillis(400)));

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(problem).contains(new PathProblem(VerificationFailure.REVOKED_UNKNOWN,
                "the OCSP responder " + url + " did not answer within 400 ms; revocation of the signer's certificate is unknown"));
        }
    }

    @Test
    void aDelegatedResponderOfTheIssuerIsBelieved() throws Exception {
        BigInteger good = RevocationPki.newSerial();
        BigInteger revoked = RevocationPki.newSerial();
        Issued delegate = PARTNER.ocspResponder("OCSP Partner Responder");
        OpenSslOcspResponder responder = responder(PARTNER, delegate.certificate(), delegate.privateKey(), Entry.valid(good, NOT_AFTER),
            Entry.revoked(revoked, NOT_AFTER, Instant.now().minus(Duration.ofHours(3))));

        assertThat(check(aliceAnsweredBy(responder, good).certificate())).isEmpty();
        assertThat(check(aliceAnsweredBy(responder, revoked).certificate())).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
    }

    @Test
    void aResponderCertificateWithoutOcspSigningIsNotBelieved() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        Issued notAResponder = PARTNER.leaf("mail signer").keyUsage(KeyUsage.digitalSignature)
            .extendedKeyUsage(KeyPurposeId.id_kp_emailProtection).issue();
        OpenSslOcspResponder responder = responder(PARTNER, notAResponder.certificate(), notAResponder.privateKey(),
            Entry.valid(serial, NOT_AFTER));

        Optional<PathProblem> problem = check(aliceAnsweredBy(responder, serial).certificate());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).contains("signed neither by CN=OCSP Partner CA,O=Revocation Test PKI nor by an OCSP responder");
    }

    @Test
    void aResponderCertifiedByAnotherCaIsNotBelieved() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        Issued othersResponder = ROOT.ocspResponder("Root's responder");
        OpenSslOcspResponder responder = responder(PARTNER, othersResponder.certificate(), othersResponder.privateKey(),
            Entry.valid(serial, NOT_AFTER));

        assertThat(check(aliceAnsweredBy(responder, serial).certificate())).map(PathProblem::failure)
            .contains(VerificationFailure.REVOKED_UNKNOWN);
    }

    @Test
    void aGoodAnswerSignedByAnImpostorOfTheIssuerIsNotBelieved() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        Authority impostor = PARTNER.impostor();
        X509Certificate alice = servedAnswer("/forged", serial, RevocationPki.ocspResponse(PARTNER.certificate(), serial,
            CertificateStatus.GOOD, Instant.now(), Optional.empty(), impostor.privateKey(), impostor.certificate()));

        Optional<PathProblem> problem = check(alice);

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).contains("signed neither by CN=OCSP Partner CA");
    }

    @Test
    void aGoodAnswerPastItsNextUpdateIsNotBelieved() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        X509Certificate alice = servedAnswer("/old", serial, RevocationPki.ocspResponse(PARTNER.certificate(), serial,
            CertificateStatus.GOOD, Instant.now().minus(Duration.ofDays(2)), Optional.of(Instant.now().minus(Duration.ofDays(1))),
            PARTNER.privateKey()));

        Optional<PathProblem> problem = check(alice);

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).contains("answered with an out-of-date response");
    }

    @Test
    void aGoodAnswerDatedInTheFutureIsNotBelieved() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        X509Certificate alice = servedAnswer("/future", serial, RevocationPki.ocspResponse(PARTNER.certificate(), serial,
            CertificateStatus.GOOD, Instant.now().plus(Duration.ofHours(1)), Optional.empty(), PARTNER.privateKey()));

        assertThat(check(alice)).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
    }

    @Test
    void aGoodAnswerAboutAnotherCertificateIsNotBelieved() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        X509Certificate alice = servedAnswer("/other", serial, RevocationPki.ocspResponse(PARTNER.certificate(), RevocationPki.newSerial(),
            CertificateStatus.GOOD, Instant.now(), Optional.empty(), PARTNER.privateKey()));

        Optional<PathProblem> problem = check(alice);

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
        assertThat(problem.orElseThrow().detail()).contains("answered about another certificate than the signer's certificate");
    }

    /** Alice's certificate naming a local http "responder" that serves a fixed, hand-made answer. */
    private X509Certificate servedAnswer(String path, BigInteger serial, byte[] answer) throws Exception {
        LocalHttpServer server = LocalHttpServer.start();
        running.add(server);
        server.serve(path, new LocalHttpServer.Answer(200, Map.of("Content-Type", "application/ocsp-response"), answer));
        return PARTNER.leaf("alice").serial(serial).ocspResponder(server.url(path)).issue().certificate();
    }

    @Test
    void anIntermediateRevokedByItsIssuersResponderIsRevoked() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        OpenSslOcspResponder responder = responderOf(ROOT, Entry.revoked(serial, NOT_AFTER, Instant.now().minus(Duration.ofDays(1))));
        Authority partner = ROOT.subordinate("OCSP Partner CA 2").serial(serial).notAfter(NOT_AFTER).ocspResponder(responder.url())
            .issueAuthority();
        Issued alice = partner.leaf("alice").issue();

        Optional<PathProblem> problem = new SignerPathValidator(List.of(ROOT.certificate()), List.of(), List.of(), Settings.defaults(), sources,
            Clock.systemUTC()).check(alice.certificate(), List.of(partner.certificate()), List.of());

        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED);
        assertThat(problem.orElseThrow().detail()).contains("reports intermediate CA CN=OCSP Partner CA 2,O=Revocation Test PKI");
    }

    @Test
    void answersAreCachedAcrossMessages() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        OpenSslOcspResponder responder = responderOf(PARTNER, Entry.valid(serial, NOT_AFTER));
        X509Certificate alice = aliceAnsweredBy(responder, serial).certificate();
        HttpRevocationSources shared = new HttpRevocationSources();

        for (int message = 0; message < 3; message++) {
            assertThat(new SignerPathValidator(List.of(ROOT.certificate()), List.of(PARTNER.certificate()), List.of(), Settings.defaults(),
                shared, Clock.systemUTC()).check(alice, List.of(), List.of())).isEmpty();
        }
        assertThat(shared.cachedAnswers()).isEqualTo(1);
    }

    @Test
    void withFetchingOffTheResponderIsNotAsked() throws Exception {
        BigInteger serial = RevocationPki.newSerial();
        OpenSslOcspResponder responder = responderOf(PARTNER, Entry.valid(serial, NOT_AFTER));

        Optional<PathProblem> problem = check(aliceAnsweredBy(responder, serial).certificate(), Settings.defaults().withFetchRevocation(false));

        assertThat(sources.asked()).isEmpty();
        assertThat(problem).map(PathProblem::failure).contains(VerificationFailure.REVOKED_UNKNOWN);
    }

    private static String closedPortUrl() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/";
        }
    }
}
