package dev.smimegateway.core.crypto;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.ecc.ECCCMSSharedInfo;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The recipient's half of ephemeral-static ECDH in CMS (RFC 5753 section 3.1, KeyAgreeRecipientInfo
 * with an originator public key), on JCA primitives only: ECDH where {@link PrivateKeyOperations}
 * runs it (the Amazon Corretto Crypto Provider or the JDK's EC provider), the ANSI
 * X9.63 key derivation over the DER of ECC-CMS-SharedInfo with the hash named by the key-agreement
 * algorithm, and the JDK's AES key unwrap (RFC 3394). Bouncy Castle serves only as the ASN.1
 * library, which is the same in Bouncy Castle 1.70 (James 3.8) and 1.8x (James 3.9).
 *
 * <p>Read: dhSinglePass-stdDH-sha1kdf (OpenSSL's default), -sha224kdf, -sha256kdf (ours and Bouncy
 * Castle's), -sha384kdf and -sha512kdf, and the cofactorDH variants, which equal standard ECDH on the
 * curves this gateway accepts (P-256, P-384, P-521 have cofactor 1); key wrap id-aes128-wrap,
 * id-aes192-wrap and id-aes256-wrap. Not read: ECMQV, the pre-RFC 5753 shared info, 3DES key wrap,
 * compressed originator points (the JDK decodes uncompressed points only; RFC 5480 makes those the
 * ones every sender must be able to use).
 */
public final class CmsEcdhKeyAgreement {
    private record Scheme(String digest, boolean cofactor) {
    }

    private static final Map<ASN1ObjectIdentifier, Scheme> SCHEMES = Map.of(
        new ASN1ObjectIdentifier("1.3.133.16.840.63.0.2"), new Scheme("SHA-1", false),
        new ASN1ObjectIdentifier("1.3.132.1.11.0"), new Scheme("SHA-224", false),
        new ASN1ObjectIdentifier("1.3.132.1.11.1"), new Scheme("SHA-256", false),
        new ASN1ObjectIdentifier("1.3.132.1.11.2"), new Scheme("SHA-384", false),
        new ASN1ObjectIdentifier("1.3.132.1.11.3"), new Scheme("SHA-512", false),
        new ASN1ObjectIdentifier("1.3.133.16.840.63.0.3"), new Scheme("SHA-1", true),
        new ASN1ObjectIdentifier("1.3.132.1.14.0"), new Scheme("SHA-224", true),
        new ASN1ObjectIdentifier("1.3.132.1.14.1"), new Scheme("SHA-256", true),
        new ASN1ObjectIdentifier("1.3.132.1.14.2"), new Scheme("SHA-384", true),
        new ASN1ObjectIdentifier("1.3.132.1.14.3"), new Scheme("SHA-512", true));

    private static final Map<ASN1ObjectIdentifier, Integer> WRAP_KEY_BITS = Map.of(
        new ASN1ObjectIdentifier("2.16.840.1.101.3.4.1.5"), 128,
        new ASN1ObjectIdentifier("2.16.840.1.101.3.4.1.25"), 192,
        new ASN1ObjectIdentifier("2.16.840.1.101.3.4.1.45"), 256);

    private CmsEcdhKeyAgreement() {
    }

    /**
     * Agrees on the key-encryption key with the sender's ephemeral key and unwraps the content key.
     *
     * @param recipientKey the stored EC private key this RecipientInfo names
     * @param originatorKey the sender's ephemeral public key; its curve must be the recipient key's
     * @param keyEncryptionAlgorithm the key-agreement scheme, whose parameters name the key wrap
     * @param userKeyingMaterial the ukm of the RecipientInfo, or null when absent
     * @param wrappedContentKey the encrypted key of the RecipientEncryptedKey
     * @return the content-encryption key, as an AES key
     * @throws GeneralSecurityException with a reason a mail administrator can act on
     */
    public static SecretKey unwrapContentKey(PrivateKey recipientKey, SubjectPublicKeyInfo originatorKey,
        AlgorithmIdentifier keyEncryptionAlgorithm, byte[] userKeyingMaterial, byte[] wrappedContentKey) throws GeneralSecurityException {
        Scheme scheme = SCHEMES.get(keyEncryptionAlgorithm.getAlgorithm());
        if (scheme == null) {
            throw new GeneralSecurityException("key agreement " + keyEncryptionAlgorithm.getAlgorithm().getId()
                + " is not ECDH with an X9.63 KDF (RFC 5753)");
        }
        AlgorithmIdentifier keyWrap = keyWrapOf(keyEncryptionAlgorithm);
        int keyWrapBits = WRAP_KEY_BITS.get(keyWrap.getAlgorithm());
        if (!(recipientKey instanceof ECPrivateKey)) {
            throw new GeneralSecurityException("ECDH needs an EC private key, not " + recipientKey.getAlgorithm());
        }
        if (scheme.cofactor() && ((ECPrivateKey) recipientKey).getParams().getCofactor() != 1) {
            throw new GeneralSecurityException("cofactor ECDH is read only on curves of cofactor 1");
        }
        byte[] sharedSecret = agree((ECPrivateKey) recipientKey, originatorPublicKey(recipientKey, originatorKey));
        byte[] keyEncryptionKey;
        try {
            keyEncryptionKey = x963Kdf(scheme.digest(), sharedSecret, sharedInfo(keyWrap, userKeyingMaterial, keyWrapBits),
                keyWrapBits / 8);
        } finally {
            Arrays.fill(sharedSecret, (byte) 0);
        }
        try {
            return unwrap(keyEncryptionKey, wrappedContentKey);
        } finally {
            Arrays.fill(keyEncryptionKey, (byte) 0);
        }
    }

    private static AlgorithmIdentifier keyWrapOf(AlgorithmIdentifier keyEncryptionAlgorithm) throws GeneralSecurityException {
        AlgorithmIdentifier keyWrap;
        try {
            keyWrap = AlgorithmIdentifier.getInstance(keyEncryptionAlgorithm.getParameters());
        } catch (RuntimeException e) {
            throw new GeneralSecurityException("the ECDH key-agreement parameters are not a key-wrap algorithm: " + e.getMessage(), e);
        }
        if (keyWrap == null || !WRAP_KEY_BITS.containsKey(keyWrap.getAlgorithm())) {
            throw new GeneralSecurityException("ECDH key wrap " + (keyWrap == null ? "missing" : keyWrap.getAlgorithm().getId())
                + "; only AES key wrap (RFC 3394) is read");
        }
        return keyWrap;
    }

    /** The sender's point on the recipient key's curve; the key agreement checks that it lies on that curve. */
    private static PublicKey originatorPublicKey(PrivateKey recipientKey, SubjectPublicKeyInfo originatorKey) throws GeneralSecurityException {
        byte[] recipientEncoding = recipientKey.getEncoded();
        if (recipientEncoding != null
            && !PrivateKeyInfo.getInstance(recipientEncoding).getPrivateKeyAlgorithm().equals(originatorKey.getAlgorithm())) {
            throw new GeneralSecurityException("the sender's ephemeral key is not on the curve of the recipient's key");
        }
        try {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(originatorKey.getEncoded(ASN1Encoding.DER)));
        } catch (InvalidKeySpecException | IOException e) {
            throw new GeneralSecurityException("the sender's ephemeral ECDH key is not a valid uncompressed point: " + e.getMessage(), e);
        }
    }

    private static byte[] agree(ECPrivateKey recipientKey, PublicKey originatorKey) throws GeneralSecurityException {
        KeyAgreement agreement = PrivateKeyOperations.current().ecdh(recipientKey);
        try {
            agreement.doPhase(originatorKey, true);
        } catch (InvalidKeyException e) {
            throw new GeneralSecurityException("the sender's ephemeral ECDH key is unusable: " + e.getMessage(), e);
        }
        return agreement.generateSecret();
    }

    /** ECC-CMS-SharedInfo (RFC 5753 section 7.2): the key wrap as the message names it, the ukm, and the KEK length in bits. */
    private static byte[] sharedInfo(AlgorithmIdentifier keyWrap, byte[] userKeyingMaterial, int keyWrapBits) throws GeneralSecurityException {
        byte[] suppPubInfo = {(byte) (keyWrapBits >>> 24), (byte) (keyWrapBits >>> 16), (byte) (keyWrapBits >>> 8), (byte) keyWrapBits};
        try {
            return new ECCCMSSharedInfo(keyWrap, userKeyingMaterial, suppPubInfo).getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot encode the ECDH shared info: " + e.getMessage(), e);
        }
    }

    /**
     * ANSI X9.63 key derivation (SEC 1 section 3.6.1): the hash of the shared secret, a 32-bit
     * big-endian counter from 1, and the shared info, repeated until enough octets are produced.
     */
    static byte[] x963Kdf(String digestName, byte[] sharedSecret, byte[] sharedInfo, int length) throws GeneralSecurityException {
        MessageDigest digest = MessageDigest.getInstance(digestName);
        ByteArrayOutputStream derived = new ByteArrayOutputStream(length + digest.getDigestLength());
        for (int counter = 1; derived.size() < length; counter++) {
            digest.update(sharedSecret);
            digest.update(new byte[] {(byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter});
            digest.update(sharedInfo);
            derived.writeBytes(digest.digest());
        }
        byte[] all = derived.toByteArray();
        byte[] key = Arrays.copyOf(all, length);
        Arrays.fill(all, (byte) 0);
        return key;
    }

    private static SecretKey unwrap(byte[] keyEncryptionKey, byte[] wrappedContentKey) throws GeneralSecurityException {
        Cipher keyWrap = Cipher.getInstance("AESWrap");
        keyWrap.init(Cipher.UNWRAP_MODE, new SecretKeySpec(keyEncryptionKey, "AES"));
        Key contentKey;
        try {
            contentKey = keyWrap.unwrap(wrappedContentKey, "AES", Cipher.SECRET_KEY);
        } catch (InvalidKeyException e) {
            throw new GeneralSecurityException("the content key does not unwrap (RFC 3394 integrity check failed): the message was altered, "
                + "or was encrypted to another key with the same identifier", e);
        }
        return (SecretKey) contentKey;
    }
}
