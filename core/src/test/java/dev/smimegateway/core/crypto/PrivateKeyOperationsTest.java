package dev.smimegateway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;

import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;

/**
 * The provider choice for private-key operations. The suite runs twice (core/pom.xml): once as
 * configured by default, where the Amazon Corretto Crypto Provider loads on Linux x86-64, and once
 * with {@code smime.gateway.crypto=jdk}; the S/MIME tests that sign and decrypt run in both.
 */
class PrivateKeyOperationsTest {
    private static final String CORRETTO = "AmazonCorrettoCryptoProvider";
    private static final TestPki PKI = TestPki.create("Provider CA");
    private static final TestPki.Issued RSA = PKI.leaf("RSA signer").email("rsa@example.com").issue();
    private static final TestPki.Issued EC = PKI.leaf("EC signer").email("ec@example.com").ec().issue();
    private static final TestPki.Issued ED25519 = PKI.leaf("Ed25519 signer").email("ed@example.com").ed25519().issue();
    private static final byte[] MAIL = "Content-Type: text/plain\r\n\r\nPay 100 EUR to account 1234.\r\n".repeat(100)
        .getBytes(StandardCharsets.US_ASCII);
    /** Both choices, whatever the switch says for this JVM; "auto" loads ACCP as production does. */
    private static final Map<String, PrivateKeyOperations> ROUTES = Map.of(
        "auto", PrivateKeyOperations.choose("auto", PrivateKeyOperations::corretto),
        "jdk", PrivateKeyOperations.choose("jdk", PrivateKeyOperations::corretto));

    @TempDir
    Path folder;

    /** Where ACCP ships; elsewhere the tests of the "auto" choice are skipped, and the JDK ones still run. */
    private static void assumeCorrettoShipsHere(String route) {
        assumeTrue(route.equals("jdk") || System.getProperty("os.name").equals("Linux")
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")), "ACCP ships for Linux x86-64 only");
    }

    private static TestPki.Issued signer(String algorithm) {
        return algorithm.endsWith("ECDSA") ? EC : algorithm.equals("Ed25519") ? ED25519 : RSA;
    }

    @Test
    void theSwitchPropertyDecidesForTheWholeJvm() throws Exception {
        String signedBy = PrivateKeyOperations.current().signer("SHA256withRSA", RSA.privateKey()).getProvider().getName();

        if ("jdk".equals(System.getProperty(PrivateKeyOperations.SWITCH))) {
            assertThat(PrivateKeyOperations.current().description())
                .isEqualTo("RSA/EC private-key operations: JDK (ACCP switched off by smime.gateway.crypto=jdk)");
            assertThat(signedBy).isEqualTo("SunRsaSign");
        } else {
            assumeCorrettoShipsHere("auto");
            assertThat(PrivateKeyOperations.current().description())
                .startsWith("RSA/EC private-key operations (signing, RSA PKCS#1 v1.5 decryption, ECDH): "
                    + "Amazon Corretto Crypto Provider 2.5.0 (native)");
            assertThat(signedBy).isEqualTo(CORRETTO);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "SHA256withRSA, auto, AmazonCorrettoCryptoProvider", "SHA384withRSA, auto, AmazonCorrettoCryptoProvider",
        "SHA512withRSA, auto, AmazonCorrettoCryptoProvider", "SHA256withRSAandMGF1, auto, AmazonCorrettoCryptoProvider",
        "SHA512withRSAandMGF1, auto, AmazonCorrettoCryptoProvider", "SHA256withECDSA, auto, AmazonCorrettoCryptoProvider",
        "SHA384withECDSA, auto, AmazonCorrettoCryptoProvider", "Ed25519, auto, SunEC",
        "SHA256withRSA, jdk, SunRsaSign", "SHA256withRSAandMGF1, jdk, SunRsaSign", "SHA256withECDSA, jdk, SunEC"})
    void signaturesComeFromTheChosenProviderAndVerifyOnTheJdk(String algorithm, String route, String provider) throws Exception {
        assumeCorrettoShipsHere(route);
        TestPki.Issued signer = signer(algorithm);
        Signature signature = ROUTES.get(route).signer(algorithm, signer.privateKey());
        signature.update(MAIL);
        byte[] signed = signature.sign();

        Signature verifier = JdkContentSigner.signatureFor(algorithm);
        verifier.initVerify(signer.certificate().getPublicKey());
        verifier.update(MAIL);
        assertThat(signature.getProvider().getName()).isEqualTo(provider);
        assertThat(verifier.verify(signed)).isTrue();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"SHA256withRSA, auto", "SHA512withRSA, auto", "SHA256withRSAandMGF1, auto", "SHA256withECDSA, auto",
        "SHA256withRSA, jdk", "SHA256withRSAandMGF1, jdk", "SHA256withECDSA, jdk"})
    void openSslVerifiesCmsSignaturesMadeOnEitherProvider(String algorithm, String route) throws Exception {
        assumeCorrettoShipsHere(route);
        TestPki.Issued signer = signer(algorithm);
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .build(JdkContentSigner.create(algorithm, signer.privateKey(), ROUTES.get(route)), signer.certificate()));
        generator.addCertificates(new JcaCertStore(signer.chain()));
        OpenSsl openssl = new OpenSsl(folder);
        openssl.write("mail.eml", MAIL);
        openssl.write("signature.der", generator.generate(new CMSProcessableByteArray(MAIL), false).getEncoded());
        openssl.writePem("ca.pem", PKI.caCertificate());

        OpenSsl.Result result = openssl.run("cms", "-verify", "-binary", "-inform", "DER", "-in", "signature.der", "-content", "mail.eml",
            "-CAfile", "ca.pem", "-purpose", "any", "-out", "/dev/null");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("Verification successful");
    }

    @Test
    void rsaPkcs1DecryptionOnCorrettoReadsWhatTheJdkEncrypted() throws Exception {
        assumeCorrettoShipsHere("auto");
        Cipher encryption = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        encryption.init(Cipher.ENCRYPT_MODE, RSA.certificate().getPublicKey());
        byte[] contentKey = new byte[32];
        Arrays.fill(contentKey, (byte) 7);
        byte[] transported = encryption.doFinal(contentKey);

        PrivateKeyOperations.ProviderKey onCorretto = ROUTES.get("auto").rsaPkcs1Decryption(RSA.privateKey()).orElseThrow();
        Cipher decryption = Cipher.getInstance("RSA/ECB/PKCS1Padding", onCorretto.provider());
        decryption.init(Cipher.DECRYPT_MODE, onCorretto.key());

        assertThat(onCorretto.provider().getName()).isEqualTo(CORRETTO);
        assertThat(decryption.doFinal(transported)).isEqualTo(contentKey);
    }

    @Test
    void rsaDecryptionStaysOnTheJdkWhenSwitchedOffAndForEcKeys() {
        assertThat(ROUTES.get("jdk").rsaPkcs1Decryption(RSA.privateKey())).isEmpty();
        assertThat(ROUTES.get("auto").rsaPkcs1Decryption(EC.privateKey())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"auto, AmazonCorrettoCryptoProvider", "jdk, SunEC"})
    void ecdhAgreesWithTheJdkOnEitherProvider(String route, String provider) throws Exception {
        assumeCorrettoShipsHere(route);
        KeyPair sender = ecKeyPair();
        KeyAgreement ours = ROUTES.get(route).ecdh(EC.privateKey());
        ours.doPhase(sender.getPublic(), true);
        KeyAgreement theirs = KeyAgreement.getInstance("ECDH", "SunEC");
        theirs.init(sender.getPrivate());
        theirs.doPhase(EC.certificate().getPublicKey(), true);

        assertThat(ours.getProvider().getName()).isEqualTo(provider);
        assertThat(ours.generateSecret()).isEqualTo(theirs.generateSecret());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"auto", "jdk"})
    void ecdhRefusesASenderPointOffTheCurve(String route) throws Exception {
        assumeCorrettoShipsHere(route);
        byte[] encoded = ecKeyPair().getPublic().getEncoded();
        encoded[encoded.length - 1] ^= 1;
        // the JDK's key factory decodes the point without checking it (as CmsEcdhKeyAgreement does): the agreement must
        PublicKey offTheCurve = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(encoded));
        KeyAgreement ours = ROUTES.get(route).ecdh(EC.privateKey());

        assertThatThrownBy(() -> ours.doPhase(offTheCurve, true)).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void aKeyDecodedAgainFindsItsConvertedFormAndAtMost64ConvertedKeysAreHeld() throws Exception {
        assumeCorrettoShipsHere("auto");
        PrivateKeyOperations operations = PrivateKeyOperations.choose("auto", PrivateKeyOperations::corretto);
        PrivateKey decodedAgain = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(RSA.privateKey().getEncoded()));

        operations.signer("SHA256withRSA", RSA.privateKey());
        operations.signer("SHA256withRSA", decodedAgain);
        assertThat(operations.convertedKeyCount()).isEqualTo(1);

        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        for (int i = 0; i < 100; i++) {
            assertThat(operations.signer("SHA256withECDSA", generator.generateKeyPair().getPrivate()).getProvider().getName())
                .isEqualTo(CORRETTO);
        }
        assertThat(operations.convertedKeyCount()).isEqualTo(64);
    }

    @Test
    void aFailingLoadFallsBackToTheJdkAndSaysWhy() throws Exception {
        PrivateKeyOperations operations = PrivateKeyOperations.choose("auto", () -> {
            throw new UnsatisfiedLinkError("libamazonCorrettoCryptoProvider.so: wrong ELF class");
        });

        assertThat(operations.description()).isEqualTo("RSA/EC private-key operations: JDK (ACCP not available: "
            + "java.lang.UnsatisfiedLinkError: libamazonCorrettoCryptoProvider.so: wrong ELF class)");
        assertThat(operations.signer("SHA256withRSA", RSA.privateKey()).getProvider().getName()).isEqualTo("SunRsaSign");
        assertThat(operations.ecdh(EC.privateKey()).getProvider().getName()).isEqualTo("SunEC");
        assertThat(operations.rsaPkcs1Decryption(RSA.privateKey())).isEmpty();
    }

    @Test
    void switchedOffItIsNeverLoaded() {
        AtomicBoolean loaded = new AtomicBoolean();
        PrivateKeyOperations operations = PrivateKeyOperations.choose(" JDK ", () -> {
            loaded.set(true);
            throw new AssertionError("loaded");
        });

        assertThat(loaded).isFalse();
        assertThat(operations.description()).isEqualTo("RSA/EC private-key operations: JDK (ACCP switched off by smime.gateway.crypto=jdk)");
    }

    @Test
    void anUnknownSwitchValueKeepsTheJdkAndNamesTheValue() {
        PrivateKeyOperations operations = PrivateKeyOperations.choose("accp", PrivateKeyOperations::corretto);

        assertThat(operations.description()).isEqualTo(
            "RSA/EC private-key operations: JDK (ACCP switched off: smime.gateway.crypto=accp is neither auto nor jdk)");
    }

    @Test
    void correttoIsNeverInstalledJvmWide() throws Exception {
        assumeCorrettoShipsHere("auto");
        ROUTES.get("auto").signer("SHA256withRSA", RSA.privateKey()).sign();
        ROUTES.get("auto").ecdh(EC.privateKey());

        assertThat(Security.getProviders()).extracting(Provider::getName).doesNotContain(CORRETTO);
        assertThat(Signature.getInstance("SHA256withRSA").getProvider().getName()).isNotEqualTo(CORRETTO);
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
