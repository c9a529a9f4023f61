package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.IncomingFixture.ALICE;
import static dev.smimegateway.core.smime.IncomingFixture.PKI;
import static dev.smimegateway.core.smime.IncomingFixture.parse;
import static dev.smimegateway.core.smime.IncomingFixture.signedBy;
import static dev.smimegateway.core.smime.IncomingFixture.text;
import static dev.smimegateway.core.smime.IncomingFixture.verifier;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/** Verification, all or nothing, including the attack classes of "Johnny, You Are Fired!" (USENIX Security 2019). */
class SmimeVerifierTest {
    @TempDir
    Path folder;

    private static VerificationFailure failure(MimeMessage message) {
        VerificationResult result = verifier().verify(message);
        assertThat(result.verified()).as("verified").isFalse();
        return result.failure().orElseThrow();
    }

    @ParameterizedTest
    @CsvSource({"detached", "opaque"})
    void verifiesOurOwnSignatures(String mode) throws Exception {
        VerificationResult result = verifier().verify(signedBy(ALICE, SignMode.parse(mode)));

        assertThat(result.verified()).as(result.toString()).isTrue();
        assertThat(result.signerAddress()).contains("alice@example.com");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "detached RSA | -md sha256",
        "opaque RSA | -nodetach",
        "detached RSA-PSS | -keyopt rsa_padding_mode:pss",
        "detached ECDSA | ec",
        "legacy x-pkcs7 | legacy"})
    void verifiesWhatOpenSslSigns(String name, String options) throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        TestPki.Issued signer = options.equals("ec") ? IncomingFixture.ALICE_EC : ALICE;
        openssl.writePem("signer.pem", signer.certificate());
        openssl.writeKey("signer.key", signer.privateKey());
        openssl.write("content.eml", IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII));
        List<String> command = new java.util.ArrayList<>(List.of("cms", "-sign", "-in", "content.eml", "-signer", "signer.pem",
            "-inkey", "signer.key", "-out", "signed.eml"));
        if (options.startsWith("-")) {
            command.addAll(List.of(options.split(" ")));
        }
        OpenSsl.Result sign = openssl.run(command.toArray(String[]::new));
        assertThat(sign.exitCode()).as(sign.output()).isZero();
        String signed = new String(openssl.read("signed.eml"), StandardCharsets.ISO_8859_1);
        if (options.equals("legacy")) {
            signed = signed.replace("application/pkcs7-signature", "application/x-pkcs7-signature").replace(" micalg=\"sha-256\";", " micalg=sha1;");
        }

        VerificationResult result = verifier().verify(parse("From: alice@example.com\r\nTo: bob@partner.example\r\n" + signed));

        assertThat(result.verified()).as(result.toString()).isTrue();
    }

    @Test
    void verifiesEd25519Signatures() throws Exception {
        TestPki.Issued ed = PKI.leaf("Alice Ed").email("alice@example.com").ed25519().issue();

        assertThat(verifier().verify(signedBy(ed, SignMode.DETACHED)).verified()).isTrue();
    }

    @Test
    void aCrlCarriedInTheMessageRevokesTheSigner() throws Exception {
        org.bouncycastle.cms.CMSSignedDataGenerator generator = new org.bouncycastle.cms.CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder()
            .build("SHA256withRSA", ALICE.privateKey(), ALICE.certificate()));
        generator.addCertificates(new org.bouncycastle.cert.jcajce.JcaCertStore(List.of(ALICE.certificate())));
        generator.addCRL(new org.bouncycastle.cert.jcajce.JcaX509CRLHolder(PKI.crlRevoking(ALICE.certificate())));
        byte[] content = IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII);
        byte[] der = generator.generate(new org.bouncycastle.cms.CMSProcessableByteArray(content), true).getEncoded();
        MimeMessage revoked = parse("From: alice@example.com\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/x-pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + java.util.Base64.getMimeEncoder().encodeToString(der) + "\r\n");

        assertThat(failure(revoked)).isEqualTo(VerificationFailure.REVOKED);
    }

    @Test
    void tamperingWithTheSignedPartsHeadersIsABadSignature() throws Exception {
        String signed = text(signedBy(ALICE, SignMode.DETACHED));
        String tampered = signed.replaceFirst("Content-Type: text/plain; charset=us-ascii", "Content-Type: text/html; charset=us-ascii");
        assertThat(tampered).isNotEqualTo(signed);

        assertThat(failure(parse(tampered))).isEqualTo(VerificationFailure.BAD_SIGNATURE);
    }

    @Test
    void bodyTamperingIsABadSignature() throws Exception {
        String tampered = text(signedBy(ALICE, SignMode.DETACHED)).replace("100 EUR", "900 EUR");

        assertThat(failure(parse(tampered))).isEqualTo(VerificationFailure.BAD_SIGNATURE);
    }

    @Test
    void eContentConfusionIsRefused() throws Exception {
        String detached = text(signedBy(ALICE, SignMode.DETACHED));
        String opaque = text(signedBy(ALICE, SignMode.OPAQUE));
        String opaqueSignature = opaque.substring(opaque.indexOf("\r\n\r\n", opaque.indexOf("smime-type=signed-data")) + 4);
        String signatureStart = "Content-Description: S/MIME Cryptographic Signature\r\n\r\n";
        int at = detached.indexOf(signatureStart) + signatureStart.length();
        String confused = detached.substring(0, at) + opaqueSignature.trim() + "\r\n" + detached.substring(detached.lastIndexOf("\r\n--") + 2);
        confused = confused.replace("100 EUR", "900 EUR");

        VerificationResult result = verifier().verify(parse(confused));

        assertThat(result.verified()).isFalse();
        assertThat(result.failure()).contains(VerificationFailure.MALFORMED);
        assertThat(result.detail().orElseThrow()).contains("embeds content");
    }

    @Test
    void signerMustBeTheFromAddress() throws Exception {
        MimeMessage fromMallory = parse(text(signedBy(ALICE, SignMode.DETACHED)).replace("From: alice@example.com", "From: mallory@evil.example"));
        MimeMessage displayNameTrick = parse(text(signedBy(ALICE, SignMode.DETACHED))
            .replace("From: alice@example.com", "From: \"alice@example.com\" <mallory@evil.example>"));
        MimeMessage twoFroms = parse("From: mallory@evil.example\r\n" + text(signedBy(ALICE, SignMode.DETACHED)));
        MimeMessage otherSender = parse("Sender: mallory@evil.example\r\n" + text(signedBy(ALICE, SignMode.DETACHED)));
        MimeMessage twoMailboxes = parse(text(signedBy(ALICE, SignMode.DETACHED))
            .replace("From: alice@example.com", "From: alice@example.com, mallory@evil.example"));

        assertThat(failure(fromMallory)).isEqualTo(VerificationFailure.FROM_MISMATCH);
        assertThat(failure(displayNameTrick)).isEqualTo(VerificationFailure.FROM_MISMATCH);
        assertThat(failure(twoFroms)).isEqualTo(VerificationFailure.FROM_MISMATCH);
        assertThat(failure(otherSender)).isEqualTo(VerificationFailure.FROM_MISMATCH);
        assertThat(failure(twoMailboxes)).isEqualTo(VerificationFailure.FROM_MISMATCH);
    }

    @Test
    void fromIsComparedCaseInsensitively() throws Exception {
        MimeMessage upper = parse(text(signedBy(ALICE, SignMode.DETACHED)).replace("From: alice@example.com", "From: Alice <ALICE@Example.COM>"));

        assertThat(verifier().verify(upper).verified()).isTrue();
    }

    @Test
    void signersOutsideTheTrustAnchorsAreUntrusted() throws Exception {
        TestPki otherRoot = TestPki.create("Attacker Root");
        TestPki.Issued selfSigned = PKI.leaf("Alice self").email("alice@example.com").selfSigned().issue();
        TestPki.Issued fromOtherRoot = otherRoot.leaf("Alice fake").email("alice@example.com").issue();

        assertThat(failure(signedBy(selfSigned, SignMode.DETACHED))).isEqualTo(VerificationFailure.UNTRUSTED);
        assertThat(failure(signedBy(fromOtherRoot, SignMode.DETACHED))).isEqualTo(VerificationFailure.UNTRUSTED);
    }

    @Test
    void aRootCarriedInTheMessageIsNotTrusted() throws Exception {
        TestPki otherRoot = TestPki.create("Carried Root");
        TestPki.Issued fake = otherRoot.leaf("Alice fake").email("alice@example.com").issue();
        MimeMessage signed = new SmimeSigner(fake.privateKey(), List.of(fake.certificate(), otherRoot.caCertificate()),
            DigestAlgorithm.SHA256, false).sign(IncomingFixture.plain("alice@example.com"), SignMode.DETACHED);

        assertThat(failure(signed)).isEqualTo(VerificationFailure.UNTRUSTED);
    }

    @Test
    void aCertificateIssuedByALeafIsUntrusted() throws Exception {
        TestPki.Issued leafAsCa = PKI.leaf("Leaf CA").email("leaf@example.com").issue();
        TestPki subordinate = TestPki.fromIssuer(leafAsCa);
        TestPki.Issued issuedByLeaf = subordinate.leaf("Alice via leaf").email("alice@example.com").issue();
        MimeMessage signed = new SmimeSigner(issuedByLeaf.privateKey(), List.of(issuedByLeaf.certificate(), leafAsCa.certificate()),
            DigestAlgorithm.SHA256, false).sign(IncomingFixture.plain("alice@example.com"), SignMode.DETACHED);

        assertThat(failure(signed)).isEqualTo(VerificationFailure.UNTRUSTED);
    }

    @Test
    void expiredSignerIsRefused() throws Exception {
        MimeMessage signed = signedBy(ALICE, SignMode.DETACHED);
        SmimeVerifier later = new SmimeVerifier(List.of(PKI.caCertificate()), Clock.fixed(Instant.now().plus(Duration.ofDays(400)),
            ZoneOffset.UTC), IncomingFixture.MAX_BYTES);

        assertThat(later.verify(signed).failure()).contains(VerificationFailure.EXPIRED);
    }

    @Test
    void wrongKeyUsageIsRefused() throws Exception {
        TestPki.Issued encipherOnly = PKI.leaf("Alice enc").email("alice@example.com").keyUsage(KeyUsage.keyEncipherment).issue();
        TestPki.Issued tls = PKI.leaf("Alice tls").email("alice@example.com").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issue();

        assertThat(failure(signedBy(encipherOnly, SignMode.DETACHED))).isIn(VerificationFailure.KEY_USAGE, VerificationFailure.BAD_SIGNATURE);
        assertThat(failure(signedBy(tls, SignMode.DETACHED))).isEqualTo(VerificationFailure.KEY_USAGE);
    }

    @Test
    void zeroSignersAndSeveralSignersAreRefused() throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("alice.pem", ALICE.certificate());
        openssl.writeKey("alice.key", ALICE.privateKey());
        openssl.writePem("bob.pem", IncomingFixture.BOB.certificate());
        openssl.writeKey("bob.key", IncomingFixture.BOB.privateKey());
        openssl.write("content.eml", IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII));
        openssl.run("cms", "-sign", "-in", "content.eml", "-signer", "alice.pem", "-inkey", "alice.key", "-signer", "bob.pem",
            "-inkey", "bob.key", "-out", "two.eml");
        String twoSigners = new String(openssl.read("two.eml"), StandardCharsets.ISO_8859_1);
        // certs-only SignedData (openssl crl2pkcs7 -nocrl) has no signer at all
        openssl.run("crl2pkcs7", "-nocrl", "-certfile", "alice.pem", "-out", "none.p7", "-outform", "DER");
        String noSigner = "From: alice@example.com\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + java.util.Base64.getMimeEncoder().encodeToString(openssl.read("none.p7")) + "\r\n";

        assertThat(failure(parse("From: alice@example.com\r\n" + twoSigners))).isEqualTo(VerificationFailure.MULTIPLE_SIGNERS);
        assertThat(failure(parse(noSigner))).isEqualTo(VerificationFailure.MALFORMED);
    }

    @Test
    void garbageAndHugeLengthFieldsAreMalformedNotFatal() throws Exception {
        String garbage = "From: alice@example.com\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\nbm90IGNtcw==\r\n";
        // a SEQUENCE claiming 0x7fffffff bytes (2 GiB) of content
        byte[] huge = {0x30, (byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x06, 0x09};
        String lengthBomb = garbage.replace("bm90IGNtcw==", java.util.Base64.getEncoder().encodeToString(huge));
        String truncated = text(signedBy(ALICE, SignMode.OPAQUE));
        truncated = truncated.substring(0, truncated.length() - 200);

        assertThat(failure(parse(garbage))).isEqualTo(VerificationFailure.MALFORMED);
        assertThat(failure(parse(lengthBomb))).isEqualTo(VerificationFailure.MALFORMED);
        assertThat(failure(parse(truncated))).isEqualTo(VerificationFailure.MALFORMED);
    }
}
