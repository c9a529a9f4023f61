package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.cms.SignerInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;

/**
 * The six ways a wrong "verified" got through (issue 7), each rebuilt from its description with our
 * own keys and sent through a real James 3.8.1 running the b2b-gateway policy: every one must land in
 * the quarantine with its reason, and no mail may be lost (each send waits until the mail is in the
 * mailbox, the quarantine or the error repository, exactly once). Also the policy's line between
 * authenticated and unauthenticated encrypted-only mail, and the administrator's release.
 *
 * <p>Alice (alice@example.com) is the partner whose CA is our trust anchor; Bob (bob@example.com) is
 * the local mailbox, with the gateway identity that decrypts his mail; Eve has no certificate at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IncomingAttackTest {
    private static final TestPki PARTNER_CA = TestPki.create("Partner CA");
    private static final TestPki OUR_CA = TestPki.create("Example CA");
    private static final TestPki.Issued ALICE = PARTNER_CA.leaf("Alice").email("alice@example.com").issue();
    /** A second certificate of Alice's, the one the administrator's CRL revokes. */
    private static final TestPki.Issued ALICE_REVOKED = PARTNER_CA.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued BOB = OUR_CA.leaf("Bob").email("bob@example.com").issue();
    private static final String BOB_ADDRESS = "bob@example.com";
    private static final Duration WITHIN = Duration.ofSeconds(90);

    private OpenSsl openssl;
    private RealJamesServer james;
    private MailOutcomes outcomes;

    @BeforeAll
    void startTheGateway(@TempDir Path folder) throws Exception {
        openssl = new OpenSsl(folder);
        openssl.writePem("alice.pem", ALICE.certificate());
        openssl.writeKey("alice.key", ALICE.privateKey());
        openssl.writePem("alice-revoked.pem", ALICE_REVOKED.certificate());
        openssl.writeKey("alice-revoked.key", ALICE_REVOKED.privateKey());
        openssl.writePem("bob.pem", BOB.certificate());
        james = RealJamesServer.withPolicy("b2b-gateway").start();
        assertThat(james.putJson("/smime/identities/bob", "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(BOB.pkcs12("pw"))
            + "\",\"password\":\"pw\"}").statusCode()).isEqualTo(201);
        assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
            TestPki.pem(PARTNER_CA.caCertificate()).getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(200);
        assertThat(james.put("/users/" + BOB_ADDRESS, "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode())
            .isEqualTo(204);
        outcomes = new MailOutcomes(james, BOB_ADDRESS, "pw");
    }

    @AfterAll
    void stopTheGateway() {
        if (james != null) {
            james.close();
        }
    }

    // ---- finding 1 ------------------------------------------------------------------------------

    /**
     * A preamble line {@code --bX} that a prefix search takes for a delimiter, Alice's genuinely signed
     * part, {@code --bY}, then the real delimiter and the attacker's part: the verifier checked Alice's
     * bytes while the reader saw the attacker's part.
     */
    @Test
    void detachedSignatureWrappingIsQuarantinedAsMalformed() throws Exception {
        String aliceContent = "Content-Type: text/plain; charset=us-ascii\r\n\r\nPlease pay invoice 17 to Alice's account.\r\n";
        byte[] signature = detachedSignature(aliceContent.getBytes(StandardCharsets.US_ASCII), "alice", "sha256");
        String message = headers("alice@example.com", "Invoice 17")
            + "MIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b\"\r\n\r\n"
            + "--bX\r\n" + aliceContent + "\r\n--bY\r\n"
            + "--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPay invoice 17 to Eve's account instead.\r\n"
            + "--b\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64(signature) + "\r\n--b--\r\n";

        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", message, WITHIN);

        assertQuarantined(outcome, "MALFORMED");
    }

    // ---- finding 2 ------------------------------------------------------------------------------

    /**
     * The administrator's CRL revokes the signer, and the message carries a certificate with the CA's
     * subject name but another key: that certificate must not be able to stand in as the CRL's issuer.
     */
    @Test
    void aRevokedSignerStaysRevokedWhenTheMessageCarriesAFakeIssuer() throws Exception {
        byte[] crl = PARTNER_CA.crlRevoking(ALICE_REVOKED.certificate()).getEncoded();
        assertThat(james.post("/smime/crls?action=import", "application/pkix-crl", crl).statusCode()).isEqualTo(200);
        TestPki fakeCa = TestPki.create("Partner CA");
        assertThat(fakeCa.caCertificate().getSubjectX500Principal()).isEqualTo(PARTNER_CA.caCertificate().getSubjectX500Principal());
        openssl.writePem("fake-ca.pem", fakeCa.caCertificate());
        String signed = opensslSigned("Content-Type: text/plain; charset=us-ascii\r\n\r\nRevoked, and yet.\r\n",
            "-signer", "alice-revoked.pem", "-inkey", "alice-revoked.key", "-certfile", "fake-ca.pem");

        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", headers("alice@example.com", "Revoked") + signed, WITHIN);

        assertQuarantined(outcome, "REVOKED");
    }

    // ---- finding 3 ------------------------------------------------------------------------------

    /**
     * Eve encrypts (AES-CBC, no integrity, no signature of hers) an old message Alice once signed, and
     * declares RFC 9788 protected headers on it ({@code hp="cipher"}) with From Alice. Restoring them
     * from that unauthenticated layer would make the reader see Alice's verified mail from Eve.
     */
    @Test
    void protectedHeadersFromAnUnauthenticatedLayerDoNotMakeEvesMailAlices() throws Exception {
        String old = opensslSigned("Content-Type: text/plain; charset=us-ascii\r\n\r\nThe contract is void.\r\n",
            "-signer", "alice.pem", "-inkey", "alice.key");
        String withProtectedHeaders = ("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Contract\r\n"
            + old.replace("\r\n", "\n").replaceFirst("(?m)^(Content-Type: multipart/signed;[^\n]*)", "$1; hp=\"cipher\""))
            .replace("\r\n", "\n").replace("\n", "\r\n");
        assertThat(withProtectedHeaders).contains("hp=\"cipher\"");
        openssl.write("eve-inner.eml", withProtectedHeaders.getBytes(StandardCharsets.ISO_8859_1));
        run("cms", "-encrypt", "-aes256", "-in", "eve-inner.eml", "-out", "eve.eml", "bob.pem");

        MailOutcomes.Outcome outcome = outcomes.send("eve@example.net",
            headers("eve@example.net", "Contract") + read("eve.eml"), WITHIN);

        assertQuarantined(outcome, "FROM_MISMATCH");
        assertThat(outcome.text()).as("the From the reader sees").containsPattern("(?m)^From: eve@example.net\r?$");
    }

    // ---- finding 4 ------------------------------------------------------------------------------

    /**
     * "Johnny, You Are Fired" C1b: an opaque signature whose signed attributes are removed and whose
     * eContent becomes their DER encoding. The signature still verifies over those bytes, which are no
     * MIME entity at all.
     */
    @Test
    void signedAttributesPassedOffAsContentAreMalformed() throws Exception {
        openssl.write("c4.eml", "Content-Type: text/plain; charset=us-ascii\r\n\r\nOriginal text.\r\n".getBytes(StandardCharsets.US_ASCII));
        run("cms", "-sign", "-nodetach", "-binary", "-outform", "DER", "-in", "c4.eml", "-out", "c4.der",
            "-signer", "alice.pem", "-inkey", "alice.key");
        byte[] refined = attributesAsContent(openssl.read("c4.der"));

        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", headers("alice@example.com", "Refined")
            + pkcs7SignedData(refined), WITHIN);

        assertQuarantined(outcome, "MALFORMED");
    }

    // ---- finding 5 ------------------------------------------------------------------------------

    @Test
    void aSha1SignatureIsAWeakAlgorithm() throws Exception {
        String signed = opensslSigned("Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned with SHA-1.\r\n",
            "-md", "sha1", "-signer", "alice.pem", "-inkey", "alice.key");

        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", headers("alice@example.com", "SHA-1") + signed, WITHIN);

        assertQuarantined(outcome, "WEAK_ALGORITHM");
        assertThat(outcome.attribute("smime.verification.detail").orElse("")).as("the reason names the algorithm")
            .containsPattern("(?i)sha-?1");
    }

    @Test
    void anMd5SignatureIsAWeakAlgorithm() throws Exception {
        byte[] content = "Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned with MD5.\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] signature = bouncyCastleSignature(content, "MD5withRSA", ALICE.privateKey(), new JcaX509CertificateHolder(ALICE.certificate()));

        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", headers("alice@example.com", "MD5")
            + multipartSigned(content, signature, "md5"), WITHIN);

        assertQuarantined(outcome, "WEAK_ALGORITHM");
        assertThat(outcome.attribute("smime.verification.detail").orElse("")).as("the reason names the algorithm")
            .containsPattern("(?i)md5");
    }

    // ---- finding 6 ------------------------------------------------------------------------------

    /**
     * A forged status header next to a signature whose certificate the JDK refuses to parse (a critical
     * subjectAltName with an empty rfc822Name, which Bouncy Castle reads): whatever verification throws,
     * the stored copy must carry the gateway's own verdict only.
     */
    @Test
    void aForgedStatusHeaderIsRemovedEvenWhenVerificationThrows() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        X500Name name = new X500Name("CN=Alice,O=Test Org");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(7),
            Date.from(Instant.now().minus(Duration.ofDays(1))), Date.from(Instant.now().plus(Duration.ofDays(30))), name, keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName(GeneralName.rfc822Name, "")));
        X509CertificateHolder unparsable = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate()));
        byte[] content = "Content-Type: text/plain; charset=us-ascii\r\n\r\nTrust me.\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] signature = bouncyCastleSignature(content, "SHA256withRSA", keys.getPrivate(), unparsable);
        String message = "X-Smime-Gateway-Status: verified; signer=alice@example.com\r\n" + headers("alice@example.com", "Trust me")
            + multipartSigned(content, signature, "sha-256");

        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", message, WITHIN);

        assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.QUARANTINE);
        assertThat(outcome.attribute("smime.verification.failure")).as(outcome.summary()).isPresent();
        assertThat(outcome.statusHeaders()).as("the status of the quarantined copy").hasSize(1);
        assertThat(outcome.statusHeaders().get(0)).startsWith("not-verified; reason=");
        assertThat(outcome.text()).doesNotContain("signer=alice@example.com");
    }

    // ---- the policy's line between authenticated and unauthenticated encrypted-only mail --------

    /**
     * Unsigned AES-CBC is quarantined decrypted (EFAIL: its plaintext is malleable and anybody can
     * write it); the administrator can release it to the mailbox, where it arrives marked not-signed.
     */
    @Test
    void unsignedCbcMailIsQuarantinedAndAnAdministratorCanReleaseIt() throws Exception {
        openssl.write("cbc.eml", "Content-Type: text/plain; charset=us-ascii\r\n\r\nCBC, no signature.\r\n".getBytes(StandardCharsets.US_ASCII));
        run("cms", "-encrypt", "-aes256", "-in", "cbc.eml", "-out", "cbc-encrypted.eml", "bob.pem");

        MailOutcomes.Outcome outcome = outcomes.send("carol@partner.example", headers("carol@partner.example", "CBC only")
            + read("cbc-encrypted.eml"), WITHIN);

        assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.QUARANTINE);
        assertThat(outcome.attribute("smime.decryption.authenticated")).as(outcome.summary()).contains("false");
        assertThat(outcome.attribute("smime.decryption.failure")).isEmpty();
        assertThat(outcome.text()).contains("CBC, no signature.");
        assertThat(outcome.statusHeaders()).containsExactly("not-signed");

        int inbox = outcomes.inboxCount();
        assertThat(outcomes.release(outcome.key(), "local-delivery").statusCode()).isLessThan(300);
        org.awaitility.Awaitility.await().atMost(WITHIN).ignoreExceptions().until(() -> outcomes.inboxCount() == inbox + 1);
        assertThat(outcomes.keys(MailOutcomes.QUARANTINE)).doesNotContain(outcome.key());
        List<byte[]> delivered = MailClient.fetchAll(james.imapPort(), BOB_ADDRESS, "pw");
        assertThat(new String(delivered.get(delivered.size() - 1), StandardCharsets.ISO_8859_1))
            .contains("CBC, no signature.").contains("X-Smime-Gateway-Status: not-signed");
    }

    /** AES-GCM's tag proves the ciphertext was not altered: unsigned GCM mail is delivered, marked not-signed. */
    @Test
    void unsignedGcmMailIsDeliveredDecryptedAndMarkedNotSigned() throws Exception {
        openssl.write("gcm.eml", "Content-Type: text/plain; charset=us-ascii\r\n\r\nGCM, no signature.\r\n".getBytes(StandardCharsets.US_ASCII));
        run("cms", "-encrypt", "-aes-256-gcm", "-in", "gcm.eml", "-out", "gcm-encrypted.eml", "bob.pem");

        MailOutcomes.Outcome outcome = outcomes.send("carol@partner.example", headers("carol@partner.example", "GCM only")
            + read("gcm-encrypted.eml"), WITHIN);

        assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.INBOX);
        assertThat(outcome.text()).contains("GCM, no signature.").doesNotContain("application/pkcs7-mime");
        assertThat(outcome.statusHeaders()).containsExactly("not-signed");
    }

    /**
     * Eve captures Bob's unsigned CBC mail (which she may have altered with EFAIL gadgets) and wraps it in
     * her own AES-GCM layer to Bob: the GCM tag vouches only for Eve's layer, so the CBC plaintext beneath
     * stays unauthenticated and is quarantined.
     */
    @Test
    void aCapturedCbcCiphertextInsideAFreshGcmLayerIsStillQuarantined() throws Exception {
        openssl.write("captured.eml", "Content-Type: text/plain; charset=us-ascii\r\n\r\nCaptured CBC.\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        run("cms", "-encrypt", "-aes256", "-in", "captured.eml", "-out", "captured-cbc.eml", "bob.pem");
        run("cms", "-encrypt", "-aes-256-gcm", "-in", "captured-cbc.eml", "-out", "rewrapped.eml", "bob.pem");

        MailOutcomes.Outcome outcome = outcomes.send("eve@example.net", headers("eve@example.net", "Rewrapped")
            + read("rewrapped.eml"), WITHIN);

        assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.QUARANTINE);
        assertThat(outcome.attribute("smime.decryption.authenticated")).as(outcome.summary()).contains("false");
    }

    /** Encrypt-then-sign by a signer we do not trust: the outer signature is checked when peeled, and its failure quarantines. */
    @Test
    void anUntrustedSignatureOverTheCiphertextIsQuarantined() throws Exception {
        TestPki.Issued mallory = TestPki.create("Mallory CA").leaf("Alice?").email("alice@example.com").issue();
        openssl.writePem("mallory.pem", mallory.certificate());
        openssl.writeKey("mallory.key", mallory.privateKey());
        openssl.write("ets.eml", "Content-Type: text/plain; charset=us-ascii\r\n\r\nEncrypted, then signed.\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        run("cms", "-encrypt", "-aes-256-gcm", "-in", "ets.eml", "-out", "ets-encrypted.eml", "bob.pem");
        run("cms", "-sign", "-in", "ets-encrypted.eml", "-out", "ets-signed.eml", "-signer", "mallory.pem", "-inkey", "mallory.key");

        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", headers("alice@example.com", "Encrypt then sign")
            + read("ets-signed.eml"), WITHIN);

        assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.QUARANTINE);
        assertThat(outcome.attribute("smime.outer.verification.failure")).as(outcome.summary()).contains("UNTRUSTED");
        assertThat(outcome.statusHeaders()).containsExactly("not-verified; reason=UNTRUSTED; layer=outer");
    }

    /** Control: Alice's ordinary signed mail, through the same server, is delivered verified. */
    @Test
    void alicesOrdinarySignedMailIsDeliveredVerified() throws Exception {
        String signed = opensslSigned("Content-Type: text/plain; charset=us-ascii\r\n\r\nAn honest message.\r\n",
            "-signer", "alice.pem", "-inkey", "alice.key");

        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", headers("alice@example.com", "Honest") + signed, WITHIN);

        assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.INBOX);
        assertThat(outcome.statusHeaders()).containsExactly("verified; signer=alice@example.com");
    }

    // ---- helpers --------------------------------------------------------------------------------

    private void assertQuarantined(MailOutcomes.Outcome outcome, String reason) {
        assertThat(outcome.place()).as("where the attack landed: " + outcome.summary()).isEqualTo(MailOutcomes.QUARANTINE);
        assertThat(outcome.attribute("smime.verification.failure")).as(outcome.summary()).contains(reason);
        assertThat(outcome.statusHeaders()).as("the status of the quarantined copy").containsExactly("not-verified; reason=" + reason);
    }

    private static String headers(String from, String subject) {
        return "From: " + from + "\r\nTo: " + BOB_ADDRESS + "\r\nSubject: " + subject + "\r\nMessage-ID: <"
            + subject.replaceAll("[^A-Za-z0-9]", "") + "." + System.nanoTime() + "@attack.test>\r\n";
    }

    private void run(String... arguments) throws Exception {
        OpenSsl.Result result = openssl.run(arguments);
        assertThat(result.exitCode()).as(String.join(" ", arguments) + ": " + result.output()).isZero();
    }

    private String read(String file) throws Exception {
        return new String(openssl.read(file), StandardCharsets.ISO_8859_1);
    }

    /** A complete S/MIME message (MIME-Version, Content-Type, body) from {@code openssl cms -sign}. */
    private String opensslSigned(String content, String... signerOptions) throws Exception {
        openssl.write("in.eml", content.getBytes(StandardCharsets.US_ASCII));
        List<String> command = new java.util.ArrayList<>(List.of("cms", "-sign", "-in", "in.eml", "-out", "signed.eml"));
        command.addAll(List.of(signerOptions));
        run(command.toArray(String[]::new));
        return read("signed.eml");
    }

    /** A detached signature (DER) over exactly these bytes, by openssl. */
    private byte[] detachedSignature(byte[] content, String signer, String digest) throws Exception {
        openssl.write("detached-in.eml", content);
        run("cms", "-sign", "-binary", "-outform", "DER", "-md", digest, "-in", "detached-in.eml", "-out", "detached.der",
            "-signer", signer + ".pem", "-inkey", signer + ".key");
        return openssl.read("detached.der");
    }

    /** A detached signature (DER) made by Bouncy Castle with any signature algorithm, signed attributes included. */
    private static byte[] bouncyCastleSignature(byte[] content, String algorithm, PrivateKey key, X509CertificateHolder certificate)
        throws Exception {
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .build(new JcaContentSignerBuilder(algorithm).build(key), certificate));
        generator.addCertificate(certificate);
        return generator.generate(new CMSProcessableByteArray(content), false).getEncoded();
    }

    /** The C1b refinement: the signer's signed attributes are removed and their DER becomes the eContent. */
    private static byte[] attributesAsContent(byte[] signedDataDer) throws Exception {
        SignedData signedData = SignedData.getInstance(ContentInfo.getInstance(signedDataDer).getContent());
        SignerInfo signer = SignerInfo.getInstance(signedData.getSignerInfos().getObjectAt(0));
        byte[] attributes = signer.getAuthenticatedAttributes().getEncoded(ASN1Encoding.DER);
        SignerInfo withoutAttributes = new SignerInfo(signer.getSID(), signer.getDigestAlgorithm(), (ASN1Set) null,
            signer.getDigestEncryptionAlgorithm(), signer.getEncryptedDigest(), signer.getUnauthenticatedAttributes());
        SignedData refined = new SignedData(signedData.getDigestAlgorithms(),
            new ContentInfo(CMSObjectIdentifiers.data, new DEROctetString(attributes)),
            signedData.getCertificates(), signedData.getCRLs(), new DERSet(withoutAttributes));
        return new ContentInfo(CMSObjectIdentifiers.signedData, refined).getEncoded(ASN1Encoding.DER);
    }

    private static String pkcs7SignedData(byte[] der) {
        return "MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + base64(der) + "\r\n";
    }

    private static String multipartSigned(byte[] content, byte[] signature, String micalg) {
        return "MIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=" + micalg
            + "; boundary=\"s\"\r\n\r\n--s\r\n" + new String(content, StandardCharsets.ISO_8859_1) + "\r\n--s\r\n"
            + "Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64(signature) + "\r\n--s--\r\n";
    }

    private static String base64(byte[] bytes) {
        return Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(bytes);
    }
}
