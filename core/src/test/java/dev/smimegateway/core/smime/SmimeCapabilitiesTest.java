package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.IncomingFixture.ALICE;
import static dev.smimegateway.core.smime.IncomingFixture.parse;
import static dev.smimegateway.core.smime.IncomingFixture.signedBy;
import static dev.smimegateway.core.smime.IncomingFixture.verifier;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.OpenSsl;

/** What a signer announces it can decrypt, as read from signatures that verified, and its text form for the key store. */
class SmimeCapabilitiesTest {
    @TempDir
    Path folder;

    @Test
    void ourOwnSignaturesAnnounceGcmFirstAndOaep() throws Exception {
        VerificationResult result = verifier().verify(signedBy(ALICE, SignMode.DETACHED));

        assertThat(result.capabilities().orElseThrow().text()).isEqualTo("aes256-gcm,aes128-gcm,aes256-cbc,aes128-cbc,rsa-oaep");
    }

    /** OpenSSL 3 announces aes256-cbc, aes192-cbc, aes128-cbc, des-ede3-cbc, three RC2 and des-cbc: we know two of them. */
    @Test
    void openSslAnnouncesCbcOnlyAndWhatWeDoNotKnowIsLeftOut() throws Exception {
        VerificationResult result = verifier().verify(signedByOpenSsl());

        assertThat(result.verified()).as(result.toString()).isTrue();
        assertThat(result.capabilities()).contains(new SmimeCapabilities(
            List.of(ContentEncryption.AES256_CBC, ContentEncryption.AES128_CBC), false));
    }

    @Test
    void aSignatureWithoutTheAttributeAnnouncesNothing() throws Exception {
        VerificationResult result = verifier().verify(signedByOpenSsl("-nosmimecap"));

        assertThat(result.verified()).as(result.toString()).isTrue();
        assertThat(result.capabilities()).isEmpty();
    }

    @Test
    void rsaOaepCountsOnlyWithTheSha256ParametersWeSend() {
        org.bouncycastle.asn1.smime.SMIMECapabilityVector withoutParameters = new org.bouncycastle.asn1.smime.SMIMECapabilityVector();
        withoutParameters.addCapability(org.bouncycastle.asn1.nist.NISTObjectIdentifiers.id_aes256_CBC);
        withoutParameters.addCapability(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_RSAES_OAEP);
        org.bouncycastle.asn1.smime.SMIMECapabilityVector sha1 = new org.bouncycastle.asn1.smime.SMIMECapabilityVector();
        sha1.addCapability(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_RSAES_OAEP, new org.bouncycastle.asn1.pkcs.RSAESOAEPparams());
        org.bouncycastle.asn1.smime.SMIMECapabilityVector sha256 = new org.bouncycastle.asn1.smime.SMIMECapabilityVector();
        sha256.addCapability(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_RSAES_OAEP, SmimeCapabilities.OAEP_SHA256);

        assertThat(SmimeCapabilities.read(encoded(withoutParameters)).text()).isEqualTo("aes256-cbc");
        assertThat(SmimeCapabilities.read(encoded(sha1)).rsaOaep()).isFalse();
        assertThat(SmimeCapabilities.read(encoded(sha256)).rsaOaep()).isTrue();
    }

    /** As it travels: DER, read back. */
    private static org.bouncycastle.asn1.ASN1Primitive encoded(org.bouncycastle.asn1.smime.SMIMECapabilityVector vector) {
        try {
            return org.bouncycastle.asn1.ASN1Primitive.fromByteArray(new org.bouncycastle.asn1.DERSequence(vector.toASN1EncodableVector()).getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theTextFormReadsBack() {
        SmimeCapabilities announced = new SmimeCapabilities(List.of(ContentEncryption.AES128_GCM, ContentEncryption.AES256_CBC), true);

        assertThat(announced.text()).isEqualTo("aes128-gcm,aes256-cbc,rsa-oaep");
        assertThat(SmimeCapabilities.parse(announced.text())).isEqualTo(announced);
    }

    @Test
    void anAnnouncementOfNothingWeKnowIsTheEmptyText() {
        SmimeCapabilities nothing = new SmimeCapabilities(List.of(), false);

        assertThat(nothing.text()).isEmpty();
        assertThat(SmimeCapabilities.parse("")).isEqualTo(nothing);
    }

    @Test
    void parsingIgnoresCaseSpacesAndRepeats() {
        assertThat(SmimeCapabilities.parse(" AES256-GCM, rsa-oaep ,aes256-gcm,aes128-cbc")).isEqualTo(
            new SmimeCapabilities(List.of(ContentEncryption.AES256_GCM, ContentEncryption.AES128_CBC), true));
    }

    @Test
    void anUnknownNameIsRefused() {
        assertThatThrownBy(() -> SmimeCapabilities.parse("aes256-gcm,des-ede3-cbc"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("des-ede3-cbc");
    }

    private jakarta.mail.internet.MimeMessage signedByOpenSsl(String... options) throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("signer.pem", ALICE.certificate());
        openssl.writeKey("signer.key", ALICE.privateKey());
        openssl.write("content.eml", IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII));
        List<String> command = new ArrayList<>(List.of("cms", "-sign", "-in", "content.eml", "-signer", "signer.pem",
            "-inkey", "signer.key", "-out", "signed.eml"));
        command.addAll(List.of(options));
        OpenSsl.Result sign = openssl.run(command.toArray(String[]::new));
        assertThat(sign.exitCode()).as(sign.output()).isZero();
        return parse("From: alice@example.com\r\nTo: bob@partner.example\r\n"
            + new String(openssl.read("signed.eml"), StandardCharsets.ISO_8859_1));
    }
}
