package dev.smimegateway.core.smime;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.KeyAgreeRecipientInformation;
import org.bouncycastle.cms.RecipientInformation;

/**
 * Runs inside {@link BouncyCastle170Test}'s class loader, where Bouncy Castle is 1.70 (as in James
 * 3.8): decrypts AuthEnvelopedData for its key-agreement RecipientInfo the way SmimeDecryptor does.
 * {@link #decrypt} uses only our recipient and Bouncy Castle; {@link #decryptMessage} the whole
 * {@link SmimeDecryptor}.
 */
public final class Bc170Driver {
    private Bc170Driver() {
    }

    public static byte[] decrypt(byte[] der, PrivateKey key) throws Exception {
        CMSAuthEnvelopedData enveloped = new CMSAuthEnvelopedData(der);
        for (RecipientInformation information : enveloped.getRecipientInfos().getRecipients()) {
            if (information instanceof KeyAgreeRecipientInformation) {
                return information.getContent(EcdhAuthEnvelopedRecipients.create(key, null));
            }
        }
        throw new IllegalArgumentException("no key-agreement RecipientInfo");
    }

    /**
     * Decrypts a whole S/MIME message with {@link SmimeDecryptor} and the one key given, whatever the
     * RecipientInfo names; answers "algorithm authenticated content".
     */
    public static String decryptMessage(byte[] mime, PrivateKey key, X509Certificate certificate) throws Exception {
        SmimeDecryptor.KeyAndCertificate only = new SmimeDecryptor.KeyAndCertificate("bob", key, certificate);
        SmimeDecryptor decryptor = new SmimeDecryptor(new SmimeDecryptor.KeyLookup() {
            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> byIssuerAndSerial(X500Principal issuer, BigInteger serial) {
                return Optional.of(only);
            }

            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> bySubjectKeyIdentifier(byte[] subjectKeyIdentifier) {
                return Optional.of(only);
            }
        }, IncomingFixture.MAX_BYTES, java.util.Set.of("bob"));
        // "bob" is an escrow identity here: the driver tests algorithms, not recipient binding.
        SmimeDecryptor.Decrypted decrypted = decryptor.decrypt(MimeEntities.parse(mime), java.util.List.of());
        return decrypted.algorithm() + " " + decrypted.authenticated() + " " + decrypted.message().getContent();
    }

    /** Signs a whole message with {@link SmimeSigner}, {@code mode} detached or opaque; answers the message as written. */
    public static byte[] sign(byte[] mime, PrivateKey key, java.util.List<X509Certificate> chain, String mode) throws Exception {
        return MimeEntities.write(new SmimeSigner(key, chain, DigestAlgorithm.SHA256, false).sign(MimeEntities.parse(mime), SignMode.parse(mode)));
    }

    /** Encrypts a whole message with {@link SmimeEncryptor} to one RSA certificate; answers the message as written. */
    public static byte[] encrypt(byte[] mime, X509Certificate recipient, String algorithm) throws Exception {
        return MimeEntities.write(new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1)
            .encrypt(MimeEntities.parse(mime), java.util.List.of(recipient), Optional.empty()));
    }

    /** Where the loaded Bouncy Castle comes from, to prove which version ran. */
    public static String bouncyCastleJar() {
        return CMSAuthEnvelopedData.class.getProtectionDomain().getCodeSource().getLocation().toString();
    }
}
