package dev.smimegateway.core.smime;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;

import javax.crypto.SecretKey;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.KeyAgreeRecipient;
import org.bouncycastle.cms.RecipientOperator;

import dev.smimegateway.core.crypto.CmsEcdhKeyAgreement;
import dev.smimegateway.core.crypto.JdkGcmContentDecryptor;

/**
 * An ECDH recipient of AuthEnvelopedData (AES-GCM) built only on interfaces that Bouncy Castle 1.70
 * and 1.8x share ({@link KeyAgreeRecipient}, {@link RecipientOperator} over an
 * {@code InputAEADDecryptor}), with the content decryption done by the JDK and the key agreement where
 * {@link dev.smimegateway.core.crypto.PrivateKeyOperations} runs it (ACCP when it is loaded, else the JDK).
 * {@code CMSAuthEnvelopedData} and {@code RecipientInformation.getContent} drive it unchanged on
 * both lines; a wrong tag fails {@code getContent} with a {@link CMSException} and no plaintext.
 */
final class JdkEcdhAuthEnvelopedRecipient implements KeyAgreeRecipient {
    private final PrivateKey privateKey;

    JdkEcdhAuthEnvelopedRecipient(PrivateKey privateKey) {
        this.privateKey = privateKey;
    }

    @Override
    public RecipientOperator getRecipientOperator(AlgorithmIdentifier keyEncryptionAlgorithm, AlgorithmIdentifier contentEncryptionAlgorithm,
        SubjectPublicKeyInfo originatorKey, ASN1OctetString userKeyingMaterial, byte[] wrappedContentKey) throws CMSException {
        try {
            SecretKey contentKey = CmsEcdhKeyAgreement.unwrapContentKey(privateKey, originatorKey, keyEncryptionAlgorithm,
                userKeyingMaterial == null ? null : userKeyingMaterial.getOctets(), wrappedContentKey);
            return new RecipientOperator(JdkGcmContentDecryptor.create(contentEncryptionAlgorithm, contentKey));
        } catch (GeneralSecurityException e) {
            throw new CMSException(e.getMessage(), e);
        }
    }

    /** Bouncy Castle pairs the sender's ephemeral point with this identifier (the recipient key's curve). */
    @Override
    public AlgorithmIdentifier getPrivateKeyAlgorithmIdentifier() {
        return PrivateKeyInfo.getInstance(privateKey.getEncoded()).getPrivateKeyAlgorithm();
    }
}
