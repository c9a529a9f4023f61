package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.EcdhGcmMessages.authEnveloped;
import static dev.smimegateway.core.smime.EcdhGcmMessages.ecKeyPair;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.io.File;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.cms.CMSAlgorithm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/**
 * ECDH + AES-GCM decryption on Bouncy Castle 1.70, the version James 3.8 ships: our classes and
 * bcprov/bcpkix/bcutil-jdk15on 1.70 (copied to target/bc170 by core/pom.xml) in a class loader of their own,
 * the way James 3.8 links our bundle against its Bouncy Castle. Messages are made here, on the
 * test's Bouncy Castle, and decrypted there.
 */
class BouncyCastle170Test {
    private static final String VERSION = "1.70";
    private static final byte[] CONTENT = IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII);
    private static final EcdhGcmMessages.Spec OURS = new EcdhGcmMessages.Spec(CMSAlgorithm.ECDH_SHA256KDF, CMSAlgorithm.AES128_WRAP,
        CMSAlgorithm.AES128_GCM, 128, null, null);

    private static URLClassLoader loader;
    private static Method decrypt;

    @TempDir
    Path folder;

    @BeforeAll
    static void loadBouncyCastle170() throws Exception {
        Path jars = Path.of("target", "bc170");
        List<URL> urls = new ArrayList<>();
        urls.add(classesOf(EcdhAuthEnvelopedRecipients.class));
        urls.add(classesOf(Bc170Driver.class));
        for (String artifact : List.of("bcprov", "bcpkix", "bcutil")) {
            Path jar = jars.resolve(artifact + "-jdk15on-" + VERSION + ".jar");
            assertThat(jar).as("copied by core/pom.xml's maven-dependency-plugin before the tests").isRegularFile();
            urls.add(jar.toUri().toURL());
        }
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")).split(File.pathSeparator)) {
            if (!entry.contains("bouncycastle") && !entry.isBlank()) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        decrypt = loader.loadClass(Bc170Driver.class.getName()).getMethod("decrypt", byte[].class, PrivateKey.class);
    }

    @AfterAll
    static void close() throws Exception {
        if (loader != null) {
            loader.close();
        }
    }

    private static URL classesOf(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }

    private static byte[] decryptOn170(byte[] der, PrivateKey key) throws Throwable {
        try {
            return (byte[]) decrypt.invoke(null, der, key);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void theLoaderRunsBouncyCastle170WithoutItsAuthEnvelopedKeyAgreeRecipient() throws Exception {
        Class<?> driver = loader.loadClass(Bc170Driver.class.getName());

        assertThat((String) driver.getMethod("bouncyCastleJar").invoke(null)).endsWith("bcpkix-jdk15on-1.70.jar");
        assertThatThrownBy(() -> loader.loadClass("org.bouncycastle.cms.jcajce.JceKeyAgreeAuthEnvelopedRecipient"))
            .isInstanceOf(ClassNotFoundException.class);
    }

    @ParameterizedTest
    @CsvSource({"aes128-gcm", "aes256-gcm"})
    void readsOurEncryptorsMail(String algorithm) throws Throwable {
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1)
            .encrypt(IncomingFixture.plain("alice@example.com"), List.of(IncomingFixture.BOB_EC.certificate()), Optional.empty());
        byte[] der = Limits.readAtMost(encrypted, IncomingFixture.MAX_BYTES);

        assertThat(new String(decryptOn170(der, IncomingFixture.BOB_EC.privateKey()), StandardCharsets.US_ASCII)).contains("Pay 100 EUR");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "aes128-cbc, rsa-pkcs1", "aes256-cbc, rsa-pkcs1", "aes128-gcm, rsa-pkcs1", "aes256-gcm, rsa-pkcs1",
        "aes128-cbc, rsa-oaep", "aes256-cbc, rsa-oaep", "aes128-gcm, rsa-oaep", "aes256-gcm, rsa-oaep",
        "aes128-cbc, ec", "aes256-cbc, ec", "aes128-gcm, ec", "aes256-gcm, ec"})
    void theDecryptorReadsEveryAlgorithmOurEncryptorSends(String algorithm, String keyTransport) throws Throwable {
        TestPki.Issued recipient = keyTransport.equals("ec") ? IncomingFixture.BOB_EC : IncomingFixture.BOB;
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse(algorithm),
            KeyTransport.parse(keyTransport.equals("ec") ? "rsa-pkcs1" : keyTransport))
            .encrypt(IncomingFixture.plain("alice@example.com"), List.of(recipient.certificate()), Optional.empty());

        String decrypted = decryptMessageOn170(MimeEntities.write(encrypted), recipient);

        assertThat(decrypted).startsWith(algorithm + " " + algorithm.endsWith("gcm")).contains("Pay 100 EUR");
    }

    @ParameterizedTest
    @CsvSource({"rsa-pkcs1", "rsa-oaep", "ec"})
    void theDecryptorRefusesATamperedGcmMessage(String keyTransport) throws Throwable {
        TestPki.Issued recipient = keyTransport.equals("ec") ? IncomingFixture.BOB_EC : IncomingFixture.BOB;
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.AES256_GCM,
            KeyTransport.parse(keyTransport.equals("ec") ? "rsa-pkcs1" : keyTransport))
            .encrypt(IncomingFixture.plain("alice@example.com"), List.of(recipient.certificate()), Optional.empty());
        byte[] tampered = EcdhGcmMessages.flipCiphertextBit(Limits.readAtMost(encrypted, IncomingFixture.MAX_BYTES), 20);
        String mime = "From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: payment\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(tampered) + "\r\n";

        assertThatThrownBy(() -> decryptMessageOn170(mime.getBytes(StandardCharsets.US_ASCII), recipient))
            .satisfies(e -> assertThat(e.getClass().getName()).isEqualTo(SmimeException.class.getName()))
            .hasMessageContaining("authenticated decryption failed");
    }

    /** Jakarta Mail finds its implementation through the context class loader: that of Bouncy Castle 1.70 here. */
    private static String decryptMessageOn170(byte[] mime, TestPki.Issued recipient) throws Throwable {
        return (String) on170("decryptMessage", mime, recipient.privateKey(), recipient.certificate());
    }

    private static Object on170(String method, Object... arguments) throws Throwable {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Method driverMethod = java.util.Arrays.stream(loader.loadClass(Bc170Driver.class.getName()).getMethods())
                .filter(candidate -> candidate.getName().equals(method)).findFirst().orElseThrow();
            return driverMethod.invoke(null, arguments);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** James 3.8 runs our outgoing mailets on its Bouncy Castle 1.70 too: what they send there, OpenSSL reads. */
    @ParameterizedTest
    @CsvSource({"detached", "opaque"})
    void openSslVerifiesWhatWeSignOn170(String mode) throws Throwable {
        byte[] signed = (byte[]) on170("sign", SmimeInteropTest.MESSAGE.getBytes(StandardCharsets.ISO_8859_1),
            IncomingFixture.ALICE.privateKey(), IncomingFixture.ALICE.chain(), mode);
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("ca.pem", IncomingFixture.PKI.caCertificate());
        openssl.write("signed.eml", signed);

        OpenSsl.Result result = openssl.run("cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem", "-purpose", "smimesign",
            "-out", "content.eml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(new String(openssl.read("content.eml"), StandardCharsets.ISO_8859_1)).contains("Content-Transfer-Encoding: quoted-printable");
    }

    @ParameterizedTest
    @CsvSource({"aes256-cbc", "aes128-gcm"})
    void openSslDecryptsWhatWeEncryptOn170(String algorithm) throws Throwable {
        byte[] encrypted = (byte[]) on170("encrypt", SmimeInteropTest.MESSAGE.getBytes(StandardCharsets.ISO_8859_1),
            IncomingFixture.BOB.certificate(), algorithm);
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("bob.pem", IncomingFixture.BOB.certificate());
        openssl.writeKey("bob.key", IncomingFixture.BOB.privateKey());
        openssl.write("encrypted.eml", encrypted);

        OpenSsl.Result result = openssl.run("cms", "-decrypt", "-in", "encrypted.eml", "-recip", "bob.pem", "-inkey", "bob.key",
            "-out", "decrypted.eml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(new String(openssl.read("decrypted.eml"), StandardCharsets.ISO_8859_1)).contains("Content-Type: multipart/mixed");
    }

    @Test
    void readsALargeMessage() throws Throwable {
        KeyPair recipient = ecKeyPair("secp384r1");
        byte[] large = new byte[300_000];
        EcdhGcmMessages.RANDOM.nextBytes(large);

        assertThat(decryptOn170(authEnveloped(large, recipient, new EcdhGcmMessages.Spec(CMSAlgorithm.ECDH_SHA384KDF,
            CMSAlgorithm.AES256_WRAP, CMSAlgorithm.AES256_GCM, 256, null, null)), recipient.getPrivate())).isEqualTo(large);
    }

    @Test
    void readsWhatOpenSslEncrypts() throws Throwable {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("bob.pem", IncomingFixture.BOB_EC.certificate());
        openssl.write("content.txt", CONTENT);
        OpenSsl.Result result = openssl.run("cms", "-encrypt", "-binary", "-outform", "DER", "-in", "content.txt", "-out", "enc.der",
            "-aes-256-gcm", "-recip", "bob.pem");
        assertThat(result.exitCode()).as(result.output()).isZero();

        assertThat(decryptOn170(openssl.read("enc.der"), IncomingFixture.BOB_EC.privateKey())).isEqualTo(CONTENT);
    }

    @Test
    void readsAuthenticatedAttributesAndRefusesThemAltered() throws Throwable {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] der = authEnveloped(CONTENT, recipient, new EcdhGcmMessages.Spec(CMSAlgorithm.ECDH_SHA256KDF, CMSAlgorithm.AES128_WRAP,
            CMSAlgorithm.AES128_GCM, 128, null, "sent by alice"));

        assertThat(decryptOn170(der, recipient.getPrivate())).isEqualTo(CONTENT);
        assertThatThrownBy(() -> decryptOn170(EcdhGcmMessages.replaceAuthenticatedNote(der, "sent by mallory"), recipient.getPrivate()))
            .hasMessageContaining("tag does not match");
    }

    @Test
    void aFlippedCiphertextBitReleasesNothing() throws Throwable {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] tampered = EcdhGcmMessages.flipCiphertextBit(authEnveloped(CONTENT, recipient, OURS), 10);

        assertThatThrownBy(() -> decryptOn170(tampered, recipient.getPrivate()))
            .satisfies(e -> assertThat(e.getClass().getName()).isEqualTo("org.bouncycastle.cms.CMSException"))
            .hasMessageContaining("tag does not match");
    }

    @Test
    void aFlippedTagBitReleasesNothing() throws Throwable {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] tampered = EcdhGcmMessages.flipTagBit(authEnveloped(CONTENT, recipient, OURS));

        assertThatThrownBy(() -> decryptOn170(tampered, recipient.getPrivate()))
            .satisfies(e -> assertThat(e.getClass().getName()).isEqualTo("org.bouncycastle.cms.CMSException"))
            .hasMessageContaining("tag does not match");
    }
}
