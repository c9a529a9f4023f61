package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.IncomingFixture.ALICE;
import static dev.smimegateway.core.smime.IncomingFixture.PKI;
import static dev.smimegateway.core.smime.IncomingFixture.parse;
import static dev.smimegateway.core.smime.IncomingFixture.signedBy;
import static dev.smimegateway.core.smime.IncomingFixture.text;
import static dev.smimegateway.core.smime.IncomingFixture.verifier;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;

import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/**
 * Which refusals still had a good signature, and what its signed attributes say: what harvesting a
 * partner's certificate relies on, without verifying a second time.
 */
class SignatureValidityTest {
    @Test
    void aVerifiedSignatureIsValidAndTellsWhenItWasMade() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        VerificationResult result = verifier().verify(signedBy(ALICE, SignMode.DETACHED));

        assertThat(result.verified()).isTrue();
        assertThat(result.signatureValid()).isTrue();
        assertThat(result.signingTime().orElseThrow()).isBetween(before, Instant.now());
    }

    @Test
    void aTamperedBodyIsNotAValidSignatureAndNothingItSaysIsBelieved() throws Exception {
        MimeMessage tampered = parse(text(signedBy(ALICE, SignMode.DETACHED)).replace("100 EUR", "900 EUR"));

        VerificationResult result = verifier().verify(tampered);

        assertThat(result.failure()).contains(VerificationFailure.BAD_SIGNATURE);
        assertThat(result.signatureValid()).isFalse();
        assertThat(result.signer()).contains(ALICE.certificate());
        assertThat(result.signingTime()).isEmpty();
        assertThat(result.capabilities()).isEmpty();
    }

    @Test
    void anUntrustedSignerWithAGoodSignatureHasAValidSignature() throws Exception {
        TestPki.Issued outsider = TestPki.create("Partner Root").leaf("Alice").email("alice@example.com").issue();

        VerificationResult result = verifier().verify(signedBy(outsider, SignMode.DETACHED));

        assertThat(result.failure()).contains(VerificationFailure.UNTRUSTED);
        assertThat(result.signatureValid()).isTrue();
        assertThat(result.signer()).contains(outsider.certificate());
        assertThat(result.signingTime()).isPresent();
        assertThat(result.capabilities()).isPresent();
    }

    @Test
    void aSignerExpiredNowWithAGoodSignatureHasAValidSignature() throws Exception {
        SmimeVerifier later = new SmimeVerifier(List.of(PKI.caCertificate()), Clock.fixed(Instant.now().plus(Duration.ofDays(400)),
            ZoneOffset.UTC), IncomingFixture.MAX_BYTES);

        VerificationResult result = later.verify(signedBy(ALICE, SignMode.DETACHED));

        assertThat(result.failure()).contains(VerificationFailure.EXPIRED);
        assertThat(result.signatureValid()).isTrue();
        assertThat(result.signer()).contains(ALICE.certificate());
    }

    @Test
    void aFromThatIsNotTheSignersWithAGoodSignatureHasAValidSignature() throws Exception {
        MimeMessage fromMallory = parse(text(signedBy(ALICE, SignMode.DETACHED)).replace("From: alice@example.com", "From: mallory@evil.example"));

        VerificationResult result = verifier().verify(fromMallory);

        assertThat(result.failure()).contains(VerificationFailure.FROM_MISMATCH);
        assertThat(result.signatureValid()).isTrue();
    }

    @Test
    void aWeakKeyIsRefusedBeforeItsSignatureIsChecked() throws Exception {
        TestPki.Issued small = PKI.leaf("Alice small").email("alice@example.com").rsa(1024).issue();

        VerificationResult result = verifier().verify(signedBy(small, SignMode.DETACHED));

        assertThat(result.failure()).contains(VerificationFailure.WEAK_ALGORITHM);
        assertThat(result.signatureValid()).isFalse();
        assertThat(result.signer()).contains(small.certificate());
    }

    /** The certificate's validity begins a day ago; the signature claims to be ten days old. */
    @Test
    void aSignatureMadeBeforeTheCertificateWasValidIsExpiredWithItsSignatureChecked() throws Exception {
        Instant tenDaysAgo = Instant.now().minus(Duration.ofDays(10)).truncatedTo(ChronoUnit.SECONDS);

        VerificationResult result = verifier().verify(opaque(signedAt(tenDaysAgo)));

        assertThat(result.failure()).contains(VerificationFailure.EXPIRED);
        assertThat(result.signatureValid()).isTrue();
        assertThat(result.signingTime()).contains(tenDaysAgo);
    }

    @Test
    void aTamperedSignatureMadeBeforeTheCertificateWasValidIsABadSignatureNotAnExpiredOne() throws Exception {
        byte[] signature = signedAt(Instant.now().minus(Duration.ofDays(10)));
        byte[] tampered = new String(signature, StandardCharsets.ISO_8859_1).replace("100 EUR", "900 EUR").getBytes(StandardCharsets.ISO_8859_1);

        VerificationResult result = verifier().verify(opaque(tampered));

        assertThat(result.failure()).contains(VerificationFailure.BAD_SIGNATURE);
        assertThat(result.signatureValid()).isFalse();
    }

    /** An opaque SignedData by Alice over the fixture's content, whose signingTime is the given one. */
    private static byte[] signedAt(Instant signingTime) throws Exception {
        AttributeTable attributes = new AttributeTable(new Attribute(CMSAttributes.signingTime, new DERSet(new Time(Date.from(signingTime)))));
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .setSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(attributes))
            .build(new JcaContentSignerBuilder("SHA256withRSA").build(ALICE.privateKey()), ALICE.certificate()));
        generator.addCertificates(new JcaCertStore(ALICE.chain()));
        byte[] content = IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII);
        return generator.generate(new CMSProcessableByteArray(content), true).getEncoded();
    }

    private static MimeMessage opaque(byte[] signedData) throws Exception {
        return parse("From: alice@example.com\r\nTo: bob@partner.example\r\nMIME-Version: 1.0\r\n"
            + new String(IncomingFixture.pkcs7MimeEntity("signed-data", signedData), StandardCharsets.US_ASCII));
    }
}
