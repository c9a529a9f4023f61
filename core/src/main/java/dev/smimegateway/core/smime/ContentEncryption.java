package dev.smimegateway.core.smime;

import java.util.Locale;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.cms.CMSAlgorithm;

/**
 * Content encryption algorithms. CBC travels in EnvelopedData and is what Outlook and older clients
 * read; GCM travels in AuthEnvelopedData (RFC 5083/5084), which detects tampering but which Outlook,
 * gpgsm 2.2 and NSS 3.87 cannot read.
 */
public enum ContentEncryption {
    AES128_CBC("aes128-cbc", CMSAlgorithm.AES128_CBC, CMSAlgorithm.AES128_WRAP, false),
    AES256_CBC("aes256-cbc", CMSAlgorithm.AES256_CBC, CMSAlgorithm.AES256_WRAP, false),
    AES128_GCM("aes128-gcm", CMSAlgorithm.AES128_GCM, CMSAlgorithm.AES128_WRAP, true),
    AES256_GCM("aes256-gcm", CMSAlgorithm.AES256_GCM, CMSAlgorithm.AES256_WRAP, true);

    private static final int AES_BLOCK = 16;

    private final String parameterName;
    private final ASN1ObjectIdentifier oid;
    private final ASN1ObjectIdentifier keyWrap;
    private final boolean authenticated;

    ContentEncryption(String parameterName, ASN1ObjectIdentifier oid, ASN1ObjectIdentifier keyWrap, boolean authenticated) {
        this.parameterName = parameterName;
        this.oid = oid;
        this.keyWrap = keyWrap;
        this.authenticated = authenticated;
    }

    public static ContentEncryption parse(String value) {
        String normalised = value.trim().toLowerCase(Locale.ROOT);
        for (ContentEncryption candidate : values()) {
            if (candidate.parameterName.equals(normalised)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("unknown content encryption '" + value + "'; use aes128-cbc, aes256-cbc, aes128-gcm or aes256-gcm");
    }

    public String parameterName() {
        return parameterName;
    }

    ASN1ObjectIdentifier oid() {
        return oid;
    }

    /** The AES key wrap used with ECDH, of the same strength as the content key. */
    ASN1ObjectIdentifier keyWrap() {
        return keyWrap;
    }

    int keyBits() {
        return parameterName.startsWith("aes128") ? 128 : 256;
    }

    /** How long the encryptedContent of {@code contentLength} bytes is: CBC pads to whole blocks (at least one byte, RFC 5652 section 6.3), GCM carries its tag apart. */
    long encryptedLength(long contentLength) {
        return authenticated ? contentLength : (contentLength / AES_BLOCK + 1) * AES_BLOCK;
    }

    /** AuthEnvelopedData (GCM) rather than EnvelopedData (CBC). */
    public boolean authenticated() {
        return authenticated;
    }
}
