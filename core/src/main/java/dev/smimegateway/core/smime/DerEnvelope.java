package dev.smimegateway.core.smime;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.cms.GCMParameters;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.bouncycastle.operator.OutputEncryptor;

/**
 * A ContentInfo holding EnvelopedData (RFC 5652 section 6) or, for an AEAD content encryptor,
 * AuthEnvelopedData (RFC 5083), written in DER while the content streams through the cipher: the
 * structure Bouncy Castle's CMSEnvelopedDataGenerator and CMSAuthEnvelopedDataGenerator build, without
 * holding the ciphertext. DER, not the BER of Bouncy Castle's stream generators: gpgsm rejects Bouncy
 * Castle 1.70's mix of indefinite lengths and a primitive encryptedContent ("BER error"), and James 3.8
 * ships 1.70. DER needs every length before the first byte; the content's length is known, and the
 * ciphertext's follows from it.
 */
final class DerEnvelope {
    private static final int SEQUENCE = 0x30;
    /** [0] EXPLICIT, around the content of a ContentInfo. */
    private static final int EXPLICIT_0 = 0xA0;
    /** [0] IMPLICIT OCTET STRING, the encryptedContent of an EncryptedContentInfo. */
    private static final int IMPLICIT_0 = 0x80;

    private DerEnvelope() {
    }

    /**
     * @param encryptedLength how many bytes the encryptor makes of {@code content}: the length of the
     *                        encryptedContent, the tag of an AEAD cipher apart
     */
    static void write(OutputStream out, List<RecipientInfoGenerator> recipients, OutputEncryptor encryptor, long encryptedLength,
        CanonicalEntity content) throws IOException, CMSException {
        boolean authenticated = encryptor instanceof OutputAEADEncryptor;
        ASN1EncodableVector infos = new ASN1EncodableVector();
        for (RecipientInfoGenerator recipient : recipients) {
            infos.add(recipient.generate(encryptor.getKey()));
        }
        ASN1Set recipientInfos = new DERSet(infos);
        byte[] contentType = (authenticated ? CMSObjectIdentifiers.authEnvelopedData : CMSObjectIdentifiers.envelopedData)
            .getEncoded(ASN1Encoding.DER);
        // AuthEnvelopedData is always version 0 (RFC 5083 section 2.1)
        byte[] version = new ASN1Integer(authenticated ? 0 : EnvelopedData.calculateVersion(null, recipientInfos, null)).getEncoded(ASN1Encoding.DER);
        byte[] recipientInfoSet = recipientInfos.getEncoded(ASN1Encoding.DER);
        AlgorithmIdentifier algorithm = encryptor.getAlgorithmIdentifier();
        byte[] encryptedContentHead = concat(CMSObjectIdentifiers.data.getEncoded(ASN1Encoding.DER), algorithm.getEncoded(ASN1Encoding.DER),
            header(IMPLICIT_0, encryptedLength));
        long encryptedContentInfo = encryptedContentHead.length + encryptedLength;
        long macLength = authenticated ? macField(GCMParameters.getInstance(algorithm.getParameters()).getIcvLen()) : 0;
        long envelope = version.length + recipientInfoSet.length + header(SEQUENCE, encryptedContentInfo).length + encryptedContentInfo + macLength;
        long explicit = header(SEQUENCE, envelope).length + envelope;
        long contentInfo = contentType.length + header(EXPLICIT_0, explicit).length + explicit;

        out.write(header(SEQUENCE, contentInfo));
        out.write(contentType);
        out.write(header(EXPLICIT_0, explicit));
        out.write(header(SEQUENCE, envelope));
        out.write(version);
        out.write(recipientInfoSet);
        out.write(header(SEQUENCE, encryptedContentInfo));
        out.write(encryptedContentHead);
        Counting ciphertext = new Counting(out);
        try (OutputStream plaintext = encryptor.getOutputStream(ciphertext)) {
            content.writeTo(plaintext);
        }
        if (ciphertext.count != encryptedLength) {
            throw new IllegalStateException("the cipher wrote " + ciphertext.count + " bytes where " + encryptedLength + " were announced");
        }
        if (authenticated) {
            out.write(new DEROctetString(((OutputAEADEncryptor) encryptor).getMAC()).getEncoded(ASN1Encoding.DER));
        }
    }

    /** The DER length of an OCTET STRING holding the MAC. */
    private static long macField(int macLength) {
        return header(0x04, macLength).length + macLength;
    }

    /** A DER tag and length (X.690 section 8.1.3: short form below 128, else the fewest length bytes). */
    static byte[] header(int tag, long length) {
        if (length < 128) {
            return new byte[] {(byte) tag, (byte) length};
        }
        int lengthBytes = (64 - Long.numberOfLeadingZeros(length) + 7) / 8;
        byte[] header = new byte[2 + lengthBytes];
        header[0] = (byte) tag;
        header[1] = (byte) (0x80 | lengthBytes);
        for (int i = 0; i < lengthBytes; i++) {
            header[2 + i] = (byte) (length >>> (8 * (lengthBytes - 1 - i)));
        }
        return header;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** Counts the ciphertext on its way out, and leaves the stream open when the cipher stream closes it. */
    private static final class Counting extends FilterOutputStream {
        private long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            count += length;
        }

        @Override
        public void close() {
            // the enclosing structure goes on after the ciphertext
        }
    }
}
