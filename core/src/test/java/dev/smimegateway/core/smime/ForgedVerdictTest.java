package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.IncomingFixture.ALICE;
import static dev.smimegateway.core.smime.IncomingFixture.CONTENT;
import static dev.smimegateway.core.smime.IncomingFixture.PKI;
import static dev.smimegateway.core.smime.IncomingFixture.parse;
import static dev.smimegateway.core.smime.IncomingFixture.signedBy;
import static dev.smimegateway.core.smime.IncomingFixture.text;
import static dev.smimegateway.core.smime.IncomingFixture.verifier;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.BERSequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.cms.SignerInfo;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.crypto.Providers;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/**
 * The ways an outside attack run got forged mail verified (2026-12-02), each written from its
 * description as it would arrive, and what the verifier must say instead.
 */
class ForgedVerdictTest {
    private static final String HEADERS = "From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: payment\r\nMIME-Version: 1.0\r\n";
    private static final String ATTACKER_PART = "Content-Type: text/plain; charset=us-ascii\r\n\r\nPay 9000 EUR to account 6666.\r\n";

    /** Finding 1: a preamble line {@code --boundaryX} made a prefix search take Alice's bytes while readers show the attacker's part. */
    @Test
    void detachedSignatureWrappingIsMalformed() throws Exception {
        String signed = text(signedBy(ALICE, SignMode.DETACHED));
        String boundary = new jakarta.mail.internet.ContentType(parse(signed).getContentType()).getParameter("boundary");
        String delimiter = "--" + boundary;
        int first = signed.indexOf(delimiter + "\r\n");
        int second = signed.indexOf(delimiter + "\r\n", first + 1);
        String alicePart = signed.substring(first + delimiter.length() + 2, second - 2);
        String signaturePartAndClose = signed.substring(second);
        String wrapped = signed.substring(0, first)
            + delimiter + "X\r\n" + alicePart + "\r\n" + delimiter + "Y\r\n"
            + delimiter + "\r\n" + ATTACKER_PART + "\r\n"
            + signaturePartAndClose;
        MimeMessage message = parse(wrapped);
        assertThat(((jakarta.mail.internet.MimeMultipart) message.getContent()).getBodyPart(0).getContent().toString())
            .as("what a reader is shown").contains("9000 EUR");

        VerificationResult result = verifier().verify(message);

        assertThat(result.verified()).as(result.toString()).isFalse();
        assertThat(result.failure()).contains(VerificationFailure.MALFORMED);
        assertThat(result.detail().orElseThrow()).contains("looks like a delimiter");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a third part | --B\\r\\nContent-Type: text/plain\\r\\n\\r\\nextra\\r\\n--B--\\r\\n",
        "no close delimiter | ''",
        "a MIME part in the epilogue | --B--\\r\\n\\r\\nContent-Type: text/html\\r\\n\\r\\n<b>pay</b>\\r\\n"})
    void ambiguousMultipartSignedIsMalformed(String name, String tail) throws Exception {
        String signed = text(signedBy(ALICE, SignMode.DETACHED));
        String boundary = new jakarta.mail.internet.ContentType(parse(signed).getContentType()).getParameter("boundary");
        String close = "--" + boundary + "--";
        String body = signed.substring(0, signed.lastIndexOf(close)) + tail.replace("\\r\\n", "\r\n").replace("--B", "--" + boundary);

        VerificationResult result = verifier().verify(parse(body));

        assertThat(result.verified()).as(result.toString()).isFalse();
        assertThat(result.failure()).contains(VerificationFailure.MALFORMED);
    }

    @Test
    void aRepeatedBoundaryParameterIsMalformed() throws Exception {
        String signed = text(signedBy(ALICE, SignMode.DETACHED));
        String twice = signed.replaceFirst("boundary=", "boundary=\"other\"; boundary=");

        VerificationResult result = verifier().verify(parse(twice));

        assertThat(result.failure()).contains(VerificationFailure.MALFORMED);
        assertThat(result.detail().orElseThrow()).contains("more than once");
    }

    @Test
    void aCommentInTheContentTypeIsMalformed() throws Exception {
        String signed = text(signedBy(ALICE, SignMode.DETACHED));
        String commented = signed.replaceFirst("boundary=", "(boundary=\"other\") boundary=");

        VerificationResult result = verifier().verify(parse(commented));

        assertThat(result.failure()).as(result.toString()).contains(VerificationFailure.MALFORMED);
        assertThat(result.detail().orElseThrow()).contains("comments");
    }

    @Test
    void theVerifiedBytesAreThoseOfTheSignedPart() throws Exception {
        MimeMessage message = signedBy(ALICE, SignMode.DETACHED);

        VerificationResult result = verifier().verify(message);

        assertThat(result.verified()).isTrue();
        assertThat(new String(result.signedContent().orElseThrow(), StandardCharsets.ISO_8859_1)).isEqualTo(CONTENT);
    }

    /**
     * Finding 4, "Johnny, You Are Fired" C1b: an opaque signature's signed attributes removed and its
     * eContent replaced by their DER still verifies cryptographically; it is not mail.
     */
    @Test
    void eContentRefinementIsMalformed() throws Exception {
        MimeMessage refined = refinedOpaque(signedBy(ALICE, SignMode.OPAQUE));

        VerificationResult strict = verifier().verify(refined);
        VerificationResult lenient = SmimeVerifier.builder(List.of(PKI.caCertificate()))
            .policy(new SmimeVerifier.Policy(false, false)).build().verify(refined);

        assertThat(strict.failure()).as(strict.toString()).contains(VerificationFailure.MALFORMED);
        assertThat(lenient.failure()).as(lenient.toString()).contains(VerificationFailure.MALFORMED);
        assertThat(lenient.detail().orElseThrow()).contains("not a MIME entity");
    }

    @Test
    void signaturesWithoutSignedAttributesAreAcceptedOnlyWhenAllowed() throws Exception {
        byte[] content = CONTENT.getBytes(StandardCharsets.US_ASCII);
        MimeMessage message = detached(content, cms(content, "SHA256withRSA", ALICE, false));

        VerificationResult strict = verifier().verify(message);
        VerificationResult lenient = SmimeVerifier.builder(List.of(PKI.caCertificate()))
            .policy(new SmimeVerifier.Policy(false, false)).build().verify(message);

        assertThat(strict.failure()).contains(VerificationFailure.MALFORMED);
        assertThat(lenient.verified()).as(lenient.toString()).isTrue();
    }

    /** Finding 5: SHA-1 and MD5 signatures were delivered verified. */
    @ParameterizedTest
    @CsvSource({"MD5withRSA, MD5", "SHA1withRSA, SHA-1"})
    void weakDigestsAreRefused(String algorithm, String named) throws Exception {
        byte[] content = CONTENT.getBytes(StandardCharsets.US_ASCII);

        VerificationResult result = verifier().verify(detached(content, cms(content, algorithm, ALICE, true)));

        assertThat(result.failure()).as(result.toString()).contains(VerificationFailure.WEAK_ALGORITHM);
        assertThat(result.detail().orElseThrow()).contains(named);
    }

    @Test
    void sha1IsAcceptedWhenAllowedButMd5Never() throws Exception {
        byte[] content = CONTENT.getBytes(StandardCharsets.US_ASCII);
        SmimeVerifier allowingSha1 = SmimeVerifier.builder(List.of(PKI.caCertificate())).policy(new SmimeVerifier.Policy(true, true)).build();

        assertThat(allowingSha1.verify(detached(content, cms(content, "SHA1withRSA", ALICE, true))).verified()).isTrue();
        assertThat(allowingSha1.verify(detached(content, cms(content, "MD5withRSA", ALICE, true))).failure())
            .contains(VerificationFailure.WEAK_ALGORITHM);
    }

    @Test
    void rsaKeysUnder2048BitsAreRefused() throws Exception {
        TestPki.Issued small = PKI.leaf("Alice small").email("alice@example.com").rsa(1024).issue();

        VerificationResult result = verifier().verify(signedBy(small, SignMode.DETACHED));

        assertThat(result.failure()).as(result.toString()).contains(VerificationFailure.WEAK_ALGORITHM);
        assertThat(result.detail().orElseThrow()).contains("1024 bits");
    }

    /** Finding 6's engine half: a certificate the JDK cannot parse is a verdict, never an exception. */
    @Test
    void anUnparseableCarriedCertificateIsMalformedNotAnException() throws Exception {
        byte[] content = CONTENT.trim().getBytes(StandardCharsets.US_ASCII);
        org.bouncycastle.cert.X509CertificateHolder broken = certificateWithBrokenKeyUsage();
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> new JcaX509CertificateConverter().getCertificate(broken),
            "the JDK must refuse the certificate for this test to mean anything");
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .build(new JcaContentSignerBuilder("SHA256withRSA").build(ALICE.privateKey()), ALICE.certificate()));
        generator.addCertificate(broken);
        byte[] signature = generator.generate(new CMSProcessableByteArray(content), false).getEncoded();

        VerificationResult result = verifier().verify(detached(content, signature));

        assertThat(result.verified()).isFalse();
        assertThat(result.failure()).contains(VerificationFailure.MALFORMED);
    }

    @Test
    void aSignatureWithoutCertificatesIsCheckedWithTheStoredPartnerCertificate() throws Exception {
        byte[] content = CONTENT.trim().getBytes(StandardCharsets.US_ASCII);
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .build(new JcaContentSignerBuilder("SHA256withRSA").build(ALICE.privateKey()), ALICE.certificate()));
        MimeMessage message = detached(content, generator.generate(new CMSProcessableByteArray(content), false).getEncoded());

        VerificationResult unknown = verifier().verify(message);
        VerificationResult stored = SmimeVerifier.builder(List.of(PKI.caCertificate()))
            .partnerCertificates(address -> address.equals("alice@example.com") ? List.of(ALICE.certificate()) : List.of())
            .build().verify(message);

        assertThat(unknown.failure()).contains(VerificationFailure.UNTRUSTED);
        assertThat(stored.verified()).as(stored.toString()).isTrue();
    }

    @Test
    void aStoredPartnerCertificateStillNeedsATrustAnchor() throws Exception {
        TestPki.Issued selfSigned = PKI.leaf("Alice self").email("alice@example.com").selfSigned().issue();
        byte[] content = CONTENT.trim().getBytes(StandardCharsets.US_ASCII);
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .build(new JcaContentSignerBuilder("SHA256withRSA").build(selfSigned.privateKey()), selfSigned.certificate()));
        MimeMessage message = detached(content, generator.generate(new CMSProcessableByteArray(content), false).getEncoded());

        VerificationResult result = SmimeVerifier.builder(List.of(PKI.caCertificate()))
            .partnerCertificates(address -> List.of(selfSigned.certificate())).build().verify(message);

        assertThat(result.failure()).contains(VerificationFailure.UNTRUSTED);
    }

    @Test
    void aDetachedSignatureEmbeddingTheSameContentIsAccepted() throws Exception {
        byte[] content = CONTENT.trim().getBytes(StandardCharsets.US_ASCII);
        byte[] pycaStyle = cms(content, "SHA256withRSA", ALICE, true, true);

        VerificationResult result = verifier().verify(detached(content, pycaStyle));

        assertThat(result.verified()).as(result.toString()).isTrue();
    }

    /** RFC 9788: a protected From inside the signature is what the reader sees, so it is the one checked. */
    @Test
    void theProtectedFromOfTheSignedContentIsTheOneChecked() throws Exception {
        String entity = "Content-Type: text/plain; charset=us-ascii; hp=\"clear\"\r\nFrom: alice@example.com\r\n"
            + "Subject: payment\r\n\r\nPay 100 EUR.\r\n";
        byte[] content = entity.getBytes(StandardCharsets.US_ASCII);
        MimeMessage outerEve = detached(content, cms(content, "SHA256withRSA", ALICE, true), "eve@example.net");
        String aliceOuterMalloryInner = entity.replace("From: alice@example.com", "From: mallory@example.net");
        byte[] malloryContent = aliceOuterMalloryInner.getBytes(StandardCharsets.US_ASCII);
        MimeMessage innerMallory = detached(malloryContent, cms(malloryContent, "SHA256withRSA", ALICE, true), "alice@example.com");

        VerificationResult shownAlice = verifier().verify(outerEve);
        VerificationResult shownMallory = verifier().verify(innerMallory);

        assertThat(shownAlice.verified()).as(shownAlice.toString()).isTrue();
        assertThat(shownAlice.signerAddress()).contains("alice@example.com");
        assertThat(ProtectedHeaders.carriedBy(shownAlice.signedContent().orElseThrow())).containsExactly(
            "From: alice@example.com\r\n", "Subject: payment\r\n");
        assertThat(shownMallory.failure()).contains(VerificationFailure.FROM_MISMATCH);
    }

    private static MimeMessage detached(byte[] content, byte[] signature) throws Exception {
        return detached(content, signature, "alice@example.com");
    }

    private static MimeMessage detached(byte[] content, byte[] signature, String from) throws Exception {
        String boundary = "----=_signed_" + System.nanoTime();
        String message = HEADERS.replace("alice@example.com", from)
            + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"" + boundary + "\"\r\n\r\n"
            + "--" + boundary + "\r\n" + new String(MimeEntities.toCrlf(content), StandardCharsets.ISO_8859_1).replaceAll("\r\n$", "") + "\r\n"
            + "--" + boundary + "\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(signature) + "\r\n--" + boundary + "--\r\n";
        return parse(message);
    }

    private static byte[] cms(byte[] content, String algorithm, TestPki.Issued signer, boolean signedAttributes) throws Exception {
        return cms(content, algorithm, signer, signedAttributes, false);
    }

    private static byte[] cms(byte[] content, String algorithm, TestPki.Issued signer, boolean signedAttributes, boolean embed) throws Exception {
        byte[] canonical = MimeEntities.toCrlf(content);
        if (new String(canonical, StandardCharsets.ISO_8859_1).endsWith("\r\n")) {
            canonical = java.util.Arrays.copyOf(canonical, canonical.length - 2);
        }
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        JcaSignerInfoGeneratorBuilder builder = new JcaSignerInfoGeneratorBuilder(
            new JcaDigestCalculatorProviderBuilder().setProvider(Providers.BOUNCY_CASTLE).build());
        builder.setDirectSignature(!signedAttributes);
        generator.addSignerInfoGenerator(builder.build(new JcaContentSignerBuilder(algorithm).setProvider(Providers.BOUNCY_CASTLE)
            .build(signer.privateKey()), signer.certificate()));
        generator.addCertificates(new JcaCertStore(signer.chain()));
        return generator.generate(new CMSProcessableByteArray(canonical), embed).getEncoded();
    }

    /** The C1b transformation: signed attributes dropped, their DER made the eContent, the signature kept. */
    private static MimeMessage refinedOpaque(MimeMessage opaque) throws Exception {
        byte[] der = Base64.getMimeDecoder().decode(text(opaque).substring(text(opaque).indexOf("\r\n\r\n",
            text(opaque).indexOf("smime-type=signed-data")) + 4).trim());
        SignedData signedData = SignedData.getInstance(ContentInfo.getInstance(der).getContent());
        SignerInfo original = SignerInfo.getInstance(signedData.getSignerInfos().getObjectAt(0));
        byte[] attributesDer = original.getAuthenticatedAttributes().getEncoded("DER");
        SignerInfo bare = new SignerInfo(original.getSID(), original.getDigestAlgorithm(), (ASN1Set) null,
            original.getDigestEncryptionAlgorithm(), original.getEncryptedDigest(), null);
        SignedData refined = new SignedData(signedData.getDigestAlgorithms(),
            new ContentInfo(CMSObjectIdentifiers.data, new DEROctetString(attributesDer)),
            signedData.getCertificates(), signedData.getCRLs(), new DERSet(bare));
        byte[] refinedDer = new ContentInfo(CMSObjectIdentifiers.signedData, refined).getEncoded("DER");
        return parse(HEADERS + "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(refinedDer) + "\r\n");
    }

    /** A certificate whose keyUsage extension holds an INTEGER instead of a BIT STRING: Bouncy Castle carries it, the JDK refuses it. */
    private static org.bouncycastle.cert.X509CertificateHolder certificateWithBrokenKeyUsage() throws Exception {
        X509Certificate base = ALICE.certificate();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(base.getIssuerX500Principal(), base.getSerialNumber().add(
            java.math.BigInteger.ONE), base.getNotBefore(), base.getNotAfter(), base.getSubjectX500Principal(), base.getPublicKey());
        builder.addExtension(Extension.keyUsage, true, new ASN1Integer(5));
        PrivateKey key = ALICE.privateKey();
        return builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(key));
    }
}
