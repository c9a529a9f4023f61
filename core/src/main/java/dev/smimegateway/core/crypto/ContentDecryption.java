package dev.smimegateway.core.crypto;

import java.io.IOException;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.util.Arrays;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.cms.GCMParameters;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;

/**
 * The cipher that decrypts one message's content (the encryptedContent of EnvelopedData or
 * AuthEnvelopedData), chosen per message: AES-CBC and AES-GCM on a JCA {@link Cipher} from
 * {@link PrivateKeyOperations#contentCipher} (the Amazon Corretto Crypto Provider when it loads, else
 * the JDK's SunJCE), any other algorithm (des-ede3-cbc, RC2, ...) on Bouncy Castle's provider by its
 * OID, as Bouncy Castle's CMS recipients did. Never installed JVM-wide.
 *
 * <p>This class only sets the cipher up. Whoever drives it must hand out no decrypted byte before
 * {@code doFinal} has returned: for AES-GCM that is when the tag has been verified; for CBC, when the
 * padding has been checked.
 */
public final class ContentDecryption {
    private static final Map<String, Integer> AES_CBC_KEY_BYTES = Map.of(
        "2.16.840.1.101.3.4.1.2", 16,
        "2.16.840.1.101.3.4.1.22", 24,
        "2.16.840.1.101.3.4.1.42", 32);
    private static final Map<String, Integer> AES_GCM_KEY_BYTES = Map.of(
        "2.16.840.1.101.3.4.1.6", 16,
        "2.16.840.1.101.3.4.1.26", 24,
        "2.16.840.1.101.3.4.1.46", 32);
    private static final int AES_BLOCK = 16;

    private final Cipher cipher;
    private final int tagBytes;

    private ContentDecryption(Cipher cipher, int tagBytes) {
        this.cipher = cipher;
        this.tagBytes = tagBytes;
    }

    /** Whether the content algorithm is AES-GCM (of any key size). */
    public static boolean isGcm(AlgorithmIdentifier algorithm) {
        return AES_GCM_KEY_BYTES.containsKey(algorithm.getAlgorithm().getId());
    }

    /**
     * @param algorithm  the content-encryption algorithm with its parameters (IV, or GCM nonce and tag length)
     * @param contentKey the unwrapped content-encryption key; for AES its length must match the algorithm,
     *                   so that the algorithm reported is the one that was used
     * @throws GeneralSecurityException naming what is wrong (for AES-GCM the checks of
     *                                  {@link JdkGcmContentDecryptor#checkedParameters} apply)
     */
    public static ContentDecryption create(AlgorithmIdentifier algorithm, Key contentKey) throws GeneralSecurityException {
        String oid = algorithm.getAlgorithm().getId();
        if (AES_GCM_KEY_BYTES.containsKey(oid)) {
            GCMParameters parameters = JdkGcmContentDecryptor.checkedParameters(algorithm);
            Cipher cipher = PrivateKeyOperations.current().contentCipher("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, aesKey(contentKey, AES_GCM_KEY_BYTES.get(oid), oid),
                new GCMParameterSpec(parameters.getIcvLen() * 8, parameters.getNonce()));
            return new ContentDecryption(cipher, parameters.getIcvLen());
        }
        if (AES_CBC_KEY_BYTES.containsKey(oid)) {
            byte[] iv = cbcIv(algorithm.getParameters());
            Cipher cipher = PrivateKeyOperations.current().contentCipher("AES/CBC/PKCS5Padding");
            cipher.init(Cipher.DECRYPT_MODE, aesKey(contentKey, AES_CBC_KEY_BYTES.get(oid), oid), new IvParameterSpec(iv));
            return new ContentDecryption(cipher, 0);
        }
        Cipher cipher = Cipher.getInstance(oid, Providers.BOUNCY_CASTLE);
        ASN1Encodable encodedParameters = algorithm.getParameters();
        if (encodedParameters == null) {
            cipher.init(Cipher.DECRYPT_MODE, contentKey);
        } else {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance(oid, Providers.BOUNCY_CASTLE);
            try {
                parameters.init(encodedParameters.toASN1Primitive().getEncoded());
            } catch (IOException e) {
                throw new GeneralSecurityException("malformed parameters of content encryption " + oid + ": " + e.getMessage(), e);
            }
            cipher.init(Cipher.DECRYPT_MODE, contentKey, parameters);
        }
        return new ContentDecryption(cipher, 0);
    }

    private static byte[] cbcIv(ASN1Encodable parameters) throws GeneralSecurityException {
        byte[] iv;
        try {
            iv = ASN1OctetString.getInstance(parameters).getOctets();
        } catch (RuntimeException e) {
            throw new GeneralSecurityException("malformed AES-CBC parameters: " + e.getMessage(), e);
        }
        if (iv.length != AES_BLOCK) {
            throw new GeneralSecurityException("an AES-CBC IV of " + iv.length + " octets; AES needs " + AES_BLOCK);
        }
        return iv;
    }

    private static SecretKeySpec aesKey(Key contentKey, int keyBytes, String oid) throws GeneralSecurityException {
        byte[] key = contentKey.getEncoded();
        if (key == null || key.length != keyBytes) {
            throw new GeneralSecurityException("the content key has " + (key == null ? "no" : key.length * 8 + "-bit")
                + " encoding but the message declares " + keyBytes * 8 + "-bit AES (" + oid + ")");
        }
        try {
            return new SecretKeySpec(key, "AES");
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** The cipher, initialised to decrypt. */
    public Cipher cipher() {
        return cipher;
    }

    /**
     * The length of the AES-GCM tag declared in the parameters, 0 for other algorithms. AuthEnvelopedData
     * carries the tag apart from the ciphertext (its mac field): it goes to the cipher after the ciphertext.
     */
    public int tagBytes() {
        return tagBytes;
    }

    /** AES-GCM: nothing may be decrypted before the whole ciphertext and the tag are in. */
    public boolean authenticated() {
        return tagBytes > 0;
    }
}
