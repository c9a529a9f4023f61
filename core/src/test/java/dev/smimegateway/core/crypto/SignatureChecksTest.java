package dev.smimegateway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

import javax.crypto.Cipher;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.DigestInfo;
import org.bouncycastle.operator.ContentVerifier;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.junit.jupiter.api.Test;

import dev.smimegateway.core.testing.TestPki;

/**
 * Signature checks that try ACCP first must accept exactly what Bouncy Castle accepts: ACCP's
 * acceptance is a valid signature, and whatever ACCP refuses Bouncy Castle decides.
 */
class SignatureChecksTest {
    private static final TestPki PKI = TestPki.create("Signature Checks CA");
    private static final TestPki.Issued RSA = PKI.leaf("RSA signer").email("rsa@example.com").issue();
    private static final TestPki.Issued EC = PKI.leaf("EC signer").email("ec@example.com").ec().issue();
    private static final PrivateKeyOperations ACCP = PrivateKeyOperations.choose("auto", PrivateKeyOperations::corretto);
    private static final PrivateKeyOperations JDK = PrivateKeyOperations.choose("jdk", PrivateKeyOperations::corretto);
    private static final AlgorithmIdentifier SHA256_WITH_RSA = new AlgorithmIdentifier(
        new ASN1ObjectIdentifier("1.2.840.113549.1.1.11"), DERNull.INSTANCE);
    private static final AlgorithmIdentifier SHA256_WITH_ECDSA = new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.2.840.10045.4.3.2"));
    private static final byte[] SIGNED_ATTRIBUTES = "signed attributes, a few hundred bytes of DER".repeat(8).getBytes(StandardCharsets.US_ASCII);

    private static byte[] sign(String algorithm, PrivateKey key, byte[] data) throws Exception {
        Signature signature = Signature.getInstance(algorithm);
        signature.initSign(key);
        signature.update(data);
        return signature.sign();
    }

    private static boolean check(ContentVerifierProvider provider, AlgorithmIdentifier algorithm, byte[] data, byte[] signature)
        throws Exception {
        ContentVerifier verifier = provider.get(algorithm);
        try (OutputStream out = verifier.getOutputStream()) {
            out.write(data);
        }
        return verifier.verify(signature);
    }

    /** Our verdict with ACCP first, with the JDK switch, and Bouncy Castle's alone: all three must agree. */
    private static boolean[] verdicts(PublicKey key, AlgorithmIdentifier algorithm, byte[] data, byte[] signature) throws Exception {
        return new boolean[] {check(SignatureChecks.forSignedAttributes(key, ACCP), algorithm, data, signature),
            check(SignatureChecks.forSignedAttributes(key, JDK), algorithm, data, signature),
            check(SignatureChecks.bouncyCastle(key), algorithm, data, signature)};
    }

    @Test
    void aGoodRsaSignatureIsAcceptedAndATamperedOneRefusedOnEveryRoute() throws Exception {
        byte[] signature = sign("SHA256withRSA", RSA.privateKey(), SIGNED_ATTRIBUTES);
        byte[] tampered = SIGNED_ATTRIBUTES.clone();
        tampered[3] ^= 1;

        assertThat(verdicts(RSA.certificate().getPublicKey(), SHA256_WITH_RSA, SIGNED_ATTRIBUTES, signature)).containsOnly(true);
        assertThat(verdicts(RSA.certificate().getPublicKey(), SHA256_WITH_RSA, tampered, signature)).containsOnly(false);
    }

    @Test
    void aGoodEcdsaSignatureIsAcceptedAndATamperedOneRefusedOnEveryRoute() throws Exception {
        byte[] signature = sign("SHA256withECDSA", EC.privateKey(), SIGNED_ATTRIBUTES);
        byte[] tampered = SIGNED_ATTRIBUTES.clone();
        tampered[3] ^= 1;

        assertThat(verdicts(EC.certificate().getPublicKey(), SHA256_WITH_ECDSA, SIGNED_ATTRIBUTES, signature)).containsOnly(true);
        assertThat(verdicts(EC.certificate().getPublicKey(), SHA256_WITH_ECDSA, tampered, signature)).containsOnly(false);
    }

    @Test
    void aSignatureThatAccpRefusesIsDecidedByBouncyCastle() throws Exception {
        // A PKCS#1 v1.5 DigestInfo without the NULL parameters: AWS-LC compares the whole encoding and refuses it.
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(SIGNED_ATTRIBUTES);
        byte[] digestInfo = new DigestInfo(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256), digest).getEncoded("DER");
        Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        rsa.init(Cipher.ENCRYPT_MODE, RSA.privateKey());
        byte[] signature = rsa.doFinal(digestInfo);

        boolean[] verdicts = verdicts(RSA.certificate().getPublicKey(), SHA256_WITH_RSA, SIGNED_ATTRIBUTES, signature);

        assertThat(verdicts[0]).isEqualTo(verdicts[2]);
        assertThat(verdicts[1]).isEqualTo(verdicts[2]);
    }

    @Test
    void whenAccpLoadsItChecksFirstAndWithTheJdkSwitchBouncyCastleAlone() throws Exception {
        PublicKey key = RSA.certificate().getPublicKey();

        assertThat(SignatureChecks.forSignedAttributes(key, JDK).get(SHA256_WITH_RSA).getClass().getSimpleName())
            .isNotEqualTo("FirstAccelerated");
        if (ACCP.accelerated().isPresent()) {
            assertThat(SignatureChecks.forSignedAttributes(key, ACCP).get(SHA256_WITH_RSA).getClass().getSimpleName())
                .isEqualTo("FirstAccelerated");
            // SHA-1, RSASSA-PSS and anything else: Bouncy Castle alone
            AlgorithmIdentifier sha1 = new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.2.840.113549.1.1.5"), DERNull.INSTANCE);
            assertThat(SignatureChecks.forSignedAttributes(key, ACCP).get(sha1).getClass().getSimpleName()).isNotEqualTo("FirstAccelerated");
        }
    }
}
