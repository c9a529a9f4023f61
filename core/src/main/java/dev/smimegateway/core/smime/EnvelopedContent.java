package dev.smimegateway.core.smime;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Collection;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EncryptedContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientInformation;

import dev.smimegateway.core.crypto.ContentDecryption;
import dev.smimegateway.core.crypto.JdkGcmContentDecryptor;

/**
 * A CMS ContentInfo holding EnvelopedData (RFC 5652 section 6) or AuthEnvelopedData (RFC 5083), read
 * from a stream in one pass: first everything up to the encrypted content (the RecipientInfos and the
 * content algorithm, so that a key can be chosen and unwrapped), then the content, decrypted into one
 * buffer as it arrives, with room left in front of it for the header section of the decrypted message.
 * DER and BER (definite or indefinite lengths, a constructed encryptedContent in segments) are read.
 *
 * <p>No decrypted byte leaves {@link #decrypt} unless the cipher's {@code doFinal} succeeded: for
 * AES-GCM the tag (the mac field of AuthEnvelopedData, with the authAttrs as additional authenticated
 * data as RFC 5083 says) has been verified over the whole ciphertext; for CBC the padding was right.
 * On any failure the buffer is wiped and dropped. A padding failure and any other failure of the
 * content cipher give the one same message, so that a sender cannot tell them apart.
 */
final class EnvelopedContent {
    private static final int SEQUENCE = 0x30;
    private static final int SET = 0x31;
    private static final int OBJECT_IDENTIFIER = 0x06;
    private static final int INTEGER = 0x02;
    private static final int OCTET_STRING = 0x04;
    private static final int EXPLICIT_0 = 0xA0;
    private static final int IMPLICIT_0_PRIMITIVE = 0x80;
    private static final int CONTEXT_1 = 0xA1;
    private static final int CONTEXT_2 = 0xA2;
    /** The failure of a CBC content decryption, whatever the cause: padding, length or key. */
    static final String CBC_FAILURE = "decryption failed: the content does not decrypt (wrong key, or altered or corrupt data)";

    /** The decrypted content in {@code bytes[start, end)}; {@code bytes[0, start)} is free for the caller. */
    record Plaintext(byte[] bytes, int start, int end) {
    }

    private final DerInput in;
    private final boolean authenticated;
    private final AlgorithmIdentifier algorithm;
    private final Collection<RecipientInformation> recipients;
    private final DerInput.Header contentInfo;
    private final long contentInfoStart;
    private final DerInput.Header explicit;
    private final long explicitStart;
    private final DerInput.Header envelope;
    private final long envelopeStart;
    private final DerInput.Header encryptedContentInfo;
    private final long encryptedContentInfoStart;

    private EnvelopedContent(DerInput in, boolean authenticated, AlgorithmIdentifier algorithm, Collection<RecipientInformation> recipients,
        DerInput.Header[] headers, long[] starts) {
        this.in = in;
        this.authenticated = authenticated;
        this.algorithm = algorithm;
        this.recipients = recipients;
        this.contentInfo = headers[0];
        this.explicit = headers[1];
        this.envelope = headers[2];
        this.encryptedContentInfo = headers[3];
        this.contentInfoStart = starts[0];
        this.explicitStart = starts[1];
        this.envelopeStart = starts[2];
        this.encryptedContentInfoStart = starts[3];
    }

    /**
     * Reads the structure up to its encrypted content. AuthEnvelopedData whose content algorithm is not
     * AES-GCM with a 12 to 16 octet tag is refused here, before any key is used.
     *
     * @throws SmimeException for a body that is not EnvelopedData or AuthEnvelopedData (the message then
     *                        starts with "not encrypted data"; the rest of the body is read first, against
     *                        the limit), malformed, or over the limit
     */
    static EnvelopedContent begin(DerInput in) throws IOException, SmimeException {
        if (in.peekTag() < 0) {
            throw new SmimeException("malformed CMS structure: empty CMS structure");
        }
        DerInput.Header[] headers = new DerInput.Header[4];
        long[] starts = new long[4];
        headers[0] = in.header(SEQUENCE, "a ContentInfo SEQUENCE");
        starts[0] = in.position();
        ASN1ObjectIdentifier type = ASN1ObjectIdentifier.getInstance(parse(in, OBJECT_IDENTIFIER, "the content type"));
        boolean authenticated = CMSObjectIdentifiers.authEnvelopedData.equals(type);
        if (!authenticated && !CMSObjectIdentifiers.envelopedData.equals(type)) {
            in.drain();
            throw new SmimeException("not encrypted data (CMS content type " + type.getId() + ")");
        }
        try {
            headers[1] = in.header(EXPLICIT_0, "the [0] content of the ContentInfo");
            starts[1] = in.position();
            headers[2] = in.header(SEQUENCE, authenticated ? "an AuthEnvelopedData SEQUENCE" : "an EnvelopedData SEQUENCE");
            starts[2] = in.position();
            parse(in, INTEGER, "the version");
            if (in.peekTag() == EXPLICIT_0) {
                in.element(); // originatorInfo: certificates and CRLs, which decryption does not use
            }
            ASN1Set recipientInfos = ASN1Set.getInstance(parse(in, SET, "the RecipientInfos SET"));
            headers[3] = in.header(SEQUENCE, "an EncryptedContentInfo SEQUENCE");
            starts[3] = in.position();
            ASN1ObjectIdentifier contentType = ASN1ObjectIdentifier.getInstance(parse(in, OBJECT_IDENTIFIER, "the encrypted content type"));
            AlgorithmIdentifier algorithm = AlgorithmIdentifier.getInstance(parse(in, SEQUENCE, "the content-encryption algorithm"));
            if (authenticated) {
                requireGcm(algorithm);
            }
            int next = in.hasMore(headers[3], starts[3]) ? in.peekTag() : -1;
            if (next != IMPLICIT_0_PRIMITIVE && next != EXPLICIT_0) {
                throw new SmimeException("malformed encrypted data: the encrypted content is absent (detached content is not read)");
            }
            return new EnvelopedContent(in, authenticated, algorithm, recipientInformation(recipientInfos, contentType, algorithm),
                headers, starts);
        } catch (RuntimeException e) {
            throw new SmimeException("malformed encrypted data: " + e.getMessage(), e);
        }
    }

    /**
     * Bouncy Castle's RecipientInformation for each RecipientInfo (it matches recipient identifiers and
     * reads key agreement's originator key), from an EnvelopedData that carries the RecipientInfos and an
     * empty content: the real content is never given to Bouncy Castle.
     */
    private static Collection<RecipientInformation> recipientInformation(ASN1Set recipientInfos, ASN1ObjectIdentifier contentType,
        AlgorithmIdentifier algorithm) throws SmimeException {
        EnvelopedData skeleton = new EnvelopedData(null, recipientInfos,
            new EncryptedContentInfo(contentType, algorithm, new DEROctetString(new byte[0])), (ASN1Set) null);
        try {
            return new CMSEnvelopedData(new ContentInfo(CMSObjectIdentifiers.envelopedData, skeleton)).getRecipientInfos().getRecipients();
        } catch (CMSException e) {
            throw new SmimeException("malformed encrypted data: " + e.getMessage(), e);
        }
    }

    private static ASN1Primitive parse(DerInput in, int tag, String what) throws IOException, SmimeException {
        if (in.peekTag() != tag) {
            throw new SmimeException("malformed CMS structure: " + what + " expected, found tag 0x" + Integer.toHexString(in.peekTag()));
        }
        try {
            return ASN1Primitive.fromByteArray(in.element());
        } catch (IOException | RuntimeException e) {
            throw new SmimeException("malformed CMS structure: " + what + ": " + e.getMessage(), e);
        }
    }

    /** AuthEnvelopedData is believed authenticated: AES-GCM with a 12 to 16 octet tag only (RFC 5084). */
    private static void requireGcm(AlgorithmIdentifier algorithm) throws SmimeException {
        try {
            JdkGcmContentDecryptor.checkedParameters(algorithm);
        } catch (GeneralSecurityException e) {
            throw new SmimeException("authenticated encryption refused: " + e.getMessage(), e);
        }
    }

    boolean authenticated() {
        return authenticated;
    }

    AlgorithmIdentifier algorithm() {
        return algorithm;
    }

    Collection<RecipientInformation> recipients() {
        return recipients;
    }

    /**
     * Decrypts the content, reads the rest of the structure (AuthEnvelopedData: its authAttrs and mac)
     * and the rest of the body (against the limit).
     *
     * @param reserve       free bytes wanted in front of the plaintext
     * @param expectedBytes how long the ciphertext probably is when its length is not encoded (indefinite
     *                      length): the buffer starts at this size and grows if need be
     */
    Plaintext decrypt(ContentDecryption decryption, int reserve, long expectedBytes) throws IOException, SmimeException {
        DerInput.Header content = in.header();
        long known = content.length() >= 0 ? content.length() : expectedBytes;
        Output out = new Output(reserve, known + decryption.tagBytes() + 16);
        boolean done = false;
        try {
            Cipher cipher = decryption.cipher();
            if (decryption.authenticated()) {
                // AES-GCM: the ciphertext is gathered, and decrypted in place once the tag is known
                in.octets(content, out::append);
            } else {
                in.octets(content, (bytes, offset, length) -> out.update(cipher, bytes, offset, length));
            }
            in.end(encryptedContentInfo, encryptedContentInfoStart, "the EncryptedContentInfo");
            byte[] aad = null;
            byte[] mac = null;
            if (authenticated) {
                if (in.peekTag() == CONTEXT_1) {
                    aad = authenticatedAttributes(in.element());
                }
                mac = ASN1OctetString.getInstance(parse(in, OCTET_STRING, "the mac")).getOctets();
                if (in.hasMore(envelope, envelopeStart) && in.peekTag() == CONTEXT_2) {
                    in.element(); // unauthAttrs
                }
            } else if (in.hasMore(envelope, envelopeStart) && in.peekTag() == CONTEXT_1) {
                in.element(); // unprotectedAttrs
            }
            in.end(envelope, envelopeStart, authenticated ? "the AuthEnvelopedData" : "the EnvelopedData");
            in.end(explicit, explicitStart, "the [0] content");
            in.end(contentInfo, contentInfoStart, "the ContentInfo");
            in.drain();
            Plaintext plaintext = decryption.authenticated() ? out.decryptInPlace(decryption, aad, mac) : out.finish(cipher);
            done = true;
            return plaintext;
        } catch (RuntimeException e) {
            throw new SmimeException("malformed encrypted data: " + e.getMessage(), e);
        } finally {
            if (!done) {
                out.wipe();
            }
        }
    }

    /** RFC 5083 section 2.2: the DER encoding of the authAttrs with a SET OF tag, as Bouncy Castle feeds it too. */
    private static byte[] authenticatedAttributes(byte[] element) throws IOException {
        return ASN1Set.getInstance(ASN1TaggedObject.getInstance(ASN1Primitive.fromByteArray(element)), false).getEncoded(ASN1Encoding.DER);
    }

    /** The buffer the content is decrypted into, with the reserve in front. */
    private static final class Output {
        private final int start;
        private byte[] bytes;
        private int length;

        Output(int reserve, long expected) {
            this.start = reserve;
            this.bytes = new byte[(int) Math.min(ByteSink.LARGEST_ARRAY, Math.max(64, reserve + expected))];
            this.length = reserve;
        }

        private void makeRoom(long count) throws IOException {
            long needed = length + count;
            if (needed > bytes.length) {
                if (needed > ByteSink.LARGEST_ARRAY) {
                    throw new IOException("the encrypted content is larger than " + ByteSink.LARGEST_ARRAY + " bytes");
                }
                bytes = Arrays.copyOf(bytes, (int) Math.min(ByteSink.LARGEST_ARRAY, Math.max(needed, bytes.length + (long) (bytes.length >> 1))));
            }
        }

        void append(byte[] source, int offset, int count) throws IOException {
            makeRoom(count);
            System.arraycopy(source, offset, bytes, length, count);
            length += count;
        }

        void update(Cipher cipher, byte[] source, int offset, int count) throws IOException, SmimeException {
            makeRoom(cipher.getOutputSize(count));
            try {
                length += cipher.update(source, offset, count, bytes, length);
            } catch (GeneralSecurityException e) {
                throw new SmimeException(CBC_FAILURE);
            }
        }

        Plaintext finish(Cipher cipher) throws IOException, SmimeException {
            makeRoom(cipher.getOutputSize(0));
            try {
                length += cipher.doFinal(bytes, length);
            } catch (GeneralSecurityException | RuntimeException e) {
                // padding, length or a provider's complaint: one message for all, no padding oracle
                throw new SmimeException(CBC_FAILURE);
            }
            return new Plaintext(bytes, start, length);
        }

        Plaintext decryptInPlace(ContentDecryption decryption, byte[] aad, byte[] mac) throws IOException, SmimeException {
            if (mac != null) {
                if (mac.length != decryption.tagBytes()) {
                    throw new SmimeException("authenticated decryption failed (altered or corrupt message): a mac of " + mac.length
                        + " octets where the parameters declare " + decryption.tagBytes());
                }
                append(mac, 0, mac.length);
            }
            Cipher cipher = decryption.cipher();
            try {
                if (aad != null) {
                    cipher.updateAAD(aad);
                }
                int plain = cipher.doFinal(bytes, start, length - start, bytes, start);
                length = start + plain;
                return new Plaintext(bytes, start, length);
            } catch (AEADBadTagException e) {
                throw new SmimeException("authenticated decryption failed (altered or corrupt message): the AES-GCM tag does not match", e);
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new SmimeException("authenticated decryption failed (altered or corrupt message): " + e.getMessage(), e);
            }
        }

        void wipe() {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
