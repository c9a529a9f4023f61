package dev.smimegateway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.generators.KDF2BytesGenerator;
import org.bouncycastle.crypto.params.KDFParameters;
import org.bouncycastle.crypto.util.DigestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The X9.63 KDF against Bouncy Castle's lightweight KDF2 (the same construction), and what the key agreement refuses. */
class CmsEcdhKeyAgreementTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AlgorithmIdentifier ECDH_SHA256_AES128_WRAP = new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.3.132.1.11.1"),
        new AlgorithmIdentifier(new ASN1ObjectIdentifier("2.16.840.1.101.3.4.1.5")));

    @ParameterizedTest
    @CsvSource({"SHA-1, 16", "SHA-1, 32", "SHA-224, 24", "SHA-256, 16", "SHA-256, 32", "SHA-256, 100", "SHA-384, 32", "SHA-512, 32",
        "SHA-512, 130"})
    void theKdfIsAnsiX963(String digestName, int length) throws Exception {
        for (int round = 0; round < 20; round++) {
            byte[] secret = new byte[1 + RANDOM.nextInt(66)];
            byte[] sharedInfo = new byte[RANDOM.nextInt(80)];
            RANDOM.nextBytes(secret);
            RANDOM.nextBytes(sharedInfo);

            assertThat(CmsEcdhKeyAgreement.x963Kdf(digestName, secret, sharedInfo, length))
                .isEqualTo(bouncyCastleKdf2(digestName, secret, sharedInfo, length));
        }
    }

    @Test
    void aSenderKeyOnAnotherCurveIsRefused() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        SubjectPublicKeyInfo otherCurve = SubjectPublicKeyInfo.getInstance(ecKeyPair("secp384r1").getPublic().getEncoded());

        assertThatThrownBy(() -> CmsEcdhKeyAgreement.unwrapContentKey(recipient.getPrivate(), otherCurve, ECDH_SHA256_AES128_WRAP, null,
            new byte[24])).isInstanceOf(GeneralSecurityException.class).hasMessageContaining("not on the curve");
    }

    @Test
    void aSchemeOtherThanEcdhWithX963KdfIsRefused() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        AlgorithmIdentifier mqv = new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.3.133.16.840.63.0.16"),
            ECDH_SHA256_AES128_WRAP.getParameters());

        assertThatThrownBy(() -> CmsEcdhKeyAgreement.unwrapContentKey(recipient.getPrivate(),
            SubjectPublicKeyInfo.getInstance(recipient.getPublic().getEncoded()), mqv, null, new byte[24]))
            .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("is not ECDH with an X9.63 KDF");
    }

    @Test
    void aKeyWrapOtherThanAesIsRefused() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        AlgorithmIdentifier tripleDesWrap = new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.3.132.1.11.1"),
            new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.2.840.113549.1.9.16.3.6")));

        assertThatThrownBy(() -> CmsEcdhKeyAgreement.unwrapContentKey(recipient.getPrivate(),
            SubjectPublicKeyInfo.getInstance(recipient.getPublic().getEncoded()), tripleDesWrap, null, new byte[24]))
            .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("only AES key wrap");
    }

    private static byte[] bouncyCastleKdf2(String digestName, byte[] secret, byte[] sharedInfo, int length) {
        Digest digest = switch (digestName) {
            case "SHA-1" -> DigestFactory.createSHA1();
            case "SHA-224" -> DigestFactory.createSHA224();
            case "SHA-256" -> DigestFactory.createSHA256();
            case "SHA-384" -> DigestFactory.createSHA384();
            default -> DigestFactory.createSHA512();
        };
        KDF2BytesGenerator kdf = new KDF2BytesGenerator(digest);
        kdf.init(new KDFParameters(secret, sharedInfo));
        byte[] out = new byte[length];
        kdf.generateBytes(out, 0, length);
        return out;
    }

    private static KeyPair ecKeyPair(String curve) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve), RANDOM);
        return generator.generateKeyPair();
    }
}
