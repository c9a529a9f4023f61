package dev.smimegateway.core.smime;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.Provider;
import java.util.Optional;

import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.KeyAgreeRecipientInformation;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.RecipientOperator;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipient;
import org.bouncycastle.operator.InputDecryptor;

import dev.smimegateway.core.crypto.CmsEcdhKeyAgreement;
import dev.smimegateway.core.crypto.PrivateKeyOperations;
import dev.smimegateway.core.crypto.Providers;

/**
 * The content-encryption key of a message, unwrapped with a stored private key for one of its
 * RecipientInfos. Bouncy Castle's RecipientInformation does what it did before (matching, the key
 * agreement's originator key and RecipientEncryptedKey); the key unwrap runs where it ran before (RSA
 * PKCS#1 v1.5 on ACCP when it loads, RSA-OAEP and CBC key agreement on Bouncy Castle's provider, ECDH
 * for AES-GCM on {@link CmsEcdhKeyAgreement}); only the key comes back. The content is never handed to
 * Bouncy Castle: the caller decrypts it ({@link dev.smimegateway.core.crypto.ContentDecryption}).
 */
final class ContentKeys {
    private static final Provider BOUNCY_CASTLE = Providers.BOUNCY_CASTLE;
    private static final String RSAES_OAEP = "1.2.840.113549.1.1.7";
    private static final String RSAES_PKCS1 = "1.2.840.113549.1.1.1";

    private ContentKeys() {
    }

    /**
     * @param gcm the content is AES-GCM (AuthEnvelopedData): key agreement then runs on the JDK's (or ACCP's) ECDH
     * @throws CMSException when the key cannot be unwrapped (wrong key, corrupt RecipientInfo)
     */
    static Key unwrap(RecipientInformation recipient, PrivateKey key, boolean gcm) throws CMSException {
        Capture capture = new Capture();
        if (recipient instanceof KeyAgreeRecipientInformation) {
            KeyAgreeCapture agreement = new KeyAgreeCapture(key, gcm, capture);
            agreement.setProvider(BOUNCY_CASTLE);
            read(recipient, agreement);
        } else {
            read(recipient, keyTransport(recipient, key, capture));
        }
        if (capture.key == null) {
            throw new CMSException("no content key was unwrapped");
        }
        return capture.key;
    }

    /** Bouncy Castle calls the recipient (which captures the key) when the content stream is asked for; nothing is read. */
    private static void read(RecipientInformation recipient, org.bouncycastle.cms.Recipient capturing) throws CMSException {
        try {
            recipient.getContentStream(capturing).getContentStream().close();
        } catch (IOException e) {
            throw new CMSException("the RecipientInfo cannot be read: " + e.getMessage(), e);
        }
    }

    /** The RSA key transport as it ran before: PKCS#1 v1.5 on ACCP when it is loaded; RSA-OAEP on Bouncy Castle (1.70 lacks OAEP by OID in the JDK). */
    private static JceKeyTransRecipient keyTransport(RecipientInformation recipient, PrivateKey key, Capture capture) {
        Optional<PrivateKeyOperations.ProviderKey> pkcs1 = RSAES_PKCS1.equals(recipient.getKeyEncryptionAlgOID())
            ? PrivateKeyOperations.current().rsaPkcs1Decryption(key) : Optional.empty();
        KeyTransCapture transport = new KeyTransCapture(pkcs1.map(PrivateKeyOperations.ProviderKey::key).orElse(key), capture);
        pkcs1.ifPresent(accp -> transport.setProvider(accp.provider()));
        if (RSAES_OAEP.equals(recipient.getKeyEncryptionAlgOID())) {
            transport.setProvider(BOUNCY_CASTLE);
        }
        return transport;
    }

    private static final class Capture {
        private Key key;

        RecipientOperator operator(AlgorithmIdentifier contentAlgorithm, Key unwrapped) {
            key = unwrapped;
            return new RecipientOperator(new InputDecryptor() {
                @Override
                public AlgorithmIdentifier getAlgorithmIdentifier() {
                    return contentAlgorithm;
                }

                @Override
                public InputStream getInputStream(InputStream encrypted) {
                    return encrypted;
                }
            });
        }
    }

    private static final class KeyTransCapture extends JceKeyTransRecipient {
        private final Capture capture;

        KeyTransCapture(PrivateKey key, Capture capture) {
            super(key);
            this.capture = capture;
        }

        @Override
        public RecipientOperator getRecipientOperator(AlgorithmIdentifier keyEncryptionAlgorithm, AlgorithmIdentifier contentEncryptionAlgorithm,
            byte[] encryptedContentKey) throws CMSException {
            return capture.operator(contentEncryptionAlgorithm, extractSecretKey(keyEncryptionAlgorithm, contentEncryptionAlgorithm, encryptedContentKey));
        }
    }

    private static final class KeyAgreeCapture extends JceKeyAgreeRecipient {
        private final PrivateKey key;
        private final boolean gcm;
        private final Capture capture;

        KeyAgreeCapture(PrivateKey key, boolean gcm, Capture capture) {
            super(key);
            this.key = key;
            this.gcm = gcm;
            this.capture = capture;
        }

        @Override
        public RecipientOperator getRecipientOperator(AlgorithmIdentifier keyEncryptionAlgorithm, AlgorithmIdentifier contentEncryptionAlgorithm,
            SubjectPublicKeyInfo senderPublicKey, ASN1OctetString userKeyingMaterial, byte[] encryptedContentKey) throws CMSException {
            if (!gcm) {
                return capture.operator(contentEncryptionAlgorithm,
                    extractSecretKey(keyEncryptionAlgorithm, contentEncryptionAlgorithm, senderPublicKey, userKeyingMaterial, encryptedContentKey));
            }
            try {
                // as JdkEcdhAuthEnvelopedRecipient: the step Bouncy Castle 1.70 lacks, on JDK primitives
                Key unwrapped = CmsEcdhKeyAgreement.unwrapContentKey(key, senderPublicKey, keyEncryptionAlgorithm,
                    userKeyingMaterial == null ? null : userKeyingMaterial.getOctets(), encryptedContentKey);
                return capture.operator(contentEncryptionAlgorithm, new SecretKeySpec(unwrapped.getEncoded(), "AES"));
            } catch (GeneralSecurityException e) {
                throw new CMSException(e.getMessage(), e);
            }
        }
    }
}
